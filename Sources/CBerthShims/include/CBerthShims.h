#ifndef CBERTH_SHIMS_H
#define CBERTH_SHIMS_H

/* System calls Swift's Glibc module does not expose. */

/* Starts writeback of a file range without waiting for it (Linux
 * sync_file_range with SYNC_FILE_RANGE_WRITE); a no-op elsewhere. */
int berth_start_writeback(int fd, long long offset, long long count);

#endif
