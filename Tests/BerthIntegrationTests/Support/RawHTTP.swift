import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Bytes written straight to a socket: for requests no HTTP client will
/// send (a `Content-Length` the body never reaches, broken chunked encoding).
enum RawHTTP {
    struct Answer {
        /// The status of the first response, nil when the server closed without one.
        let status: Int?
        let text: String
    }

    /// A blocking TCP socket connected to 127.0.0.1:`port`; the caller closes it.
    static func connectLoopback(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw TestFailure("connect failed") }
        return fd
    }

    /// Sends `bytes` to 127.0.0.1:`port`, then (with `closeWrite`) ends the
    /// sending half as a client that gave up would, and reads until the
    /// server closes or `timeout` passes.
    static func exchange(port: Int, _ bytes: [UInt8], closeWrite: Bool = true, timeout: TimeInterval = 10) async throws -> Answer {
        try await offCooperativePool {
            let fd = try connectLoopback(port)
            defer { close(fd) }
            var wait = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if closeWrite { shutdown(fd, Int32(SHUT_WR)) }
            var received: [UInt8] = []
            let deadline = Date().addingTimeInterval(timeout)
            var buffer = [UInt8](repeating: 0, count: 65536)
            while Date() < deadline {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { received += buffer[..<count]; continue }
                if count == 0 { break }
                // A timeout with a whole response in hand: done.
                if String(decoding: received, as: UTF8.self).contains("\r\n\r\n") { break }
            }
            let text = String(decoding: received, as: UTF8.self)
            let status = text.hasPrefix("HTTP/1.1 ") ? Int(text.dropFirst(9).prefix(3)) : nil
            return Answer(status: status, text: text)
        }
    }
}
