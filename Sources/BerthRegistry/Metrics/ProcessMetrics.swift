import Foundation

/// The process's own figures, from /proc (Linux), in Prometheus text.
enum ProcessMetrics {
    static func render() -> String {
        var out = ""
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
           let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        {
            out += """
                # HELP process_resident_memory_bytes Resident memory size in bytes.
                # TYPE process_resident_memory_bytes gauge
                process_resident_memory_bytes \(pages * Int(sysconf(Int32(_SC_PAGESIZE))))

                """
        }
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let fields = stat.split(separator: ")").last?.split(separator: " "), fields.count > 12,
           let user = Double(fields[11]), let system = Double(fields[12])
        {
            out += """
                # HELP process_cpu_seconds_total User and system CPU time spent, in seconds.
                # TYPE process_cpu_seconds_total counter
                process_cpu_seconds_total \((user + system) / Double(sysconf(Int32(_SC_CLK_TCK))))

                """
        }
        return out
    }
}
