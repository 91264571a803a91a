// The system's zlib (Debian's zlib1g-dev), for streaming gunzip of image layers.
#include <zlib.h>
