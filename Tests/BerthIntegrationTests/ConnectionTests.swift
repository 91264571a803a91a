import BerthRegistry
import BerthServer
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Client addresses: CIDR ranges, trusted proxies")
struct ClientAddressTests {
    @Test func addressesAndRangesParse() throws {
        #expect(IPAddress("192.0.2.1")?.bytes == [192, 0, 2, 1])
        #expect(IPAddress("192.0.2.1:8080")?.description == "192.0.2.1")
        #expect(IPAddress("::ffff:192.0.2.1")?.description == "192.0.2.1")
        #expect(IPAddress("2001:DB8:0:0:0:0:0:1")?.description == "2001:db8::1")
        #expect(IPAddress("[2001:db8::1]:443")?.description == "2001:db8::1")
        #expect(IPAddress("2001:db8:0:1:0:0:0:0")?.description == "2001:db8:0:1::")
        #expect(IPAddress("2001:db8:1:1:1:1:0:1")?.description == "2001:db8:1:1:1:1:0:1")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("::1")?.description == "::1")
        #expect(IPAddress("fe80::1%eth0")?.description == "fe80::1")
        #expect(IPAddress("64:ff9b::192.0.2.33")?.description == "64:ff9b::c000:221")
        for bad in ["", " ", "unknown", "192.0.2", "192.0.2.256", "192.0.2.01", "1.2.3.4.5", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9",
                    "1:2:3:4:5:6:7::8", ":1", "1:", "::g", "[::1", "192.0.2.1:http", "１.2.3.4"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        let v4 = try #require(CIDR("10.1.2.3/8"))
        #expect(v4.description == "10.0.0.0/8")
        #expect(v4.contains(IPAddress("10.255.0.1")!))
        #expect(!v4.contains(IPAddress("11.0.0.1")!))
        #expect(!v4.contains(IPAddress("::ffff:b00:1")!))
        #expect(v4.contains(IPAddress("::ffff:10.0.0.1")!))  // what a dual-stack socket reports
        #expect(CIDR("192.0.2.7")?.description == "192.0.2.7/32")
        #expect(CIDR("0.0.0.0/0")!.contains(IPAddress("203.0.113.9")!))
        #expect(CIDR("192.168.0.0/23")!.contains(IPAddress("192.168.1.255")!))
        #expect(!CIDR("192.168.0.0/23")!.contains(IPAddress("192.168.2.0")!))
        let v6 = try #require(CIDR("2001:db8:abcd::/36"))
        #expect(v6.description == "2001:db8:a000::/36")
        #expect(v6.contains(IPAddress("2001:db8:afff::1")!))
        #expect(!v6.contains(IPAddress("2001:db8:b000::1")!))
        #expect(!v6.contains(IPAddress("10.0.0.1")!))
        #expect(CIDR("::1")!.contains(IPAddress("::1")!))
        #expect(CIDR("::ffff:10.0.0.0/104")?.description == "10.0.0.0/8")
        for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/", "/8", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/ 8", "[::1]/128", "10.0.0.1:80/32", "x"] {
            #expect(CIDR(bad) == nil, "\(bad)")
        }
    }

    @Test func forwardedForIsWalkedFromTheRight() throws {
        let trusted = try TrustedProxies(parsing: "127.0.0.1/32, 10.0.0.0/8 fd00::/8")
        #expect(trusted.ranges.count == 3)
        func client(_ peer: String, _ header: [String]) -> String {
            let (address, via) = trusted.client(peer: IPAddress(peer)!, forwardedFor: header)
            return "\(address)\(via ? "" : " direct")"
        }
        #expect(client("203.0.113.5", ["198.51.100.9"]) == "203.0.113.5 direct")  // not a proxy: ignored
        #expect(client("127.0.0.1", []) == "127.0.0.1")
        #expect(client("127.0.0.1", ["198.51.100.9"]) == "198.51.100.9")
        // The client may write anything on the left; what the proxies appended is on the right.
        #expect(client("127.0.0.1", ["1.1.1.1, 198.51.100.9, 10.0.0.2"]) == "198.51.100.9")
        #expect(client("127.0.0.1", ["1.1.1.1", "198.51.100.9 , 10.0.0.2"]) == "198.51.100.9")  // several header lines
        #expect(client("10.9.9.9", ["2001:db8::7, fd00::1"]) == "2001:db8::7")
        #expect(client("127.0.0.1", ["10.0.0.3, 10.0.0.2"]) == "10.0.0.3")  // only proxies: the farthest
        #expect(client("127.0.0.1", ["198.51.100.9, garbage, 10.0.0.2"]) == "10.0.0.2")  // malformed: the last trusted hop
        #expect(client("127.0.0.1", ["198.51.100.9, , 10.0.0.2"]) == "10.0.0.2")
        #expect(client("127.0.0.1", ["garbage"]) == "127.0.0.1")
        #expect(client("::ffff:127.0.0.1", ["[2001:db8::9]:5555"]) == "2001:db8::9")
        #expect(throws: TrustedProxiesError.self) { try TrustedProxies(parsing: "10.0.0.0/8, proxy.internal") }
        #expect(try TrustedProxies(parsing: " ").ranges.isEmpty)
    }

    @Test func settingsParse() throws {
        var configuration = Configuration()
        #expect(configuration.trustedProxies.ranges.isEmpty)
        #expect(configuration.idleTimeout == 60)
        #expect(configuration.requestHeadTimeout == 30)
        #expect(configuration.maxConnectionsPerAddress == 256)
        try configuration.apply(yaml: """
            trusted_proxies:
              - 10.0.0.0/8
              - fd00::/8
            idle_timeout: 2m
            request_head_timeout: 10s
            max_connections_per_address: 0
            """)
        #expect(configuration.trustedProxies.ranges.map(\.description) == ["10.0.0.0/8", "fd00::/8"])
        #expect(configuration.idleTimeout == 120)
        #expect(configuration.requestHeadTimeout == 10)
        #expect(configuration.maxConnectionsPerAddress == 0)
        try configuration.apply(yaml: "trusted_proxies: 192.0.2.1, 192.0.2.2")
        #expect(configuration.trustedProxies.ranges.map(\.description) == ["192.0.2.1/32", "192.0.2.2/32"])
        try configuration.apply(environment: [
            "BERTH_TRUSTED_PROXIES": "127.0.0.1/32", "BERTH_IDLE_TIMEOUT": "5s", "BERTH_REQUEST_HEAD_TIMEOUT": "3",
            "BERTH_MAX_CONNECTIONS_PER_ADDRESS": "7",
        ])
        #expect(configuration.trustedProxies.ranges.map(\.description) == ["127.0.0.1/32"])
        #expect(configuration.idleTimeout == 5)
        #expect(configuration.requestHeadTimeout == 3)
        #expect(configuration.maxConnectionsPerAddress == 7)
        for (key, value) in [("trusted_proxies", "10.0.0.0/33"), ("trusted_proxies", "proxy.internal"), ("idle_timeout", "0"),
                             ("request_head_timeout", "soon"), ("max_connections_per_address", "-1"), ("max_connections_per_address", "lots")] {
            #expect(throws: ConfigurationError.self, "\(key)=\(value)") { try configuration.set(key, value) }
        }
        #expect(throws: ConfigurationError.self) { try configuration.apply(yaml: "trusted_proxies: [10.0.0.0/8, nope]") }
    }
}

@Suite("Client addresses over HTTP: X-Forwarded-For from trusted proxies only")
struct ForwardedForTests {
    static let forwardedFor = "X-Forwarded-For"

    /// Failed sign-ins of `user` in the audit log, once there are `count`.
    static func failedSignIns(_ registry: TestRegistry, user: String, atLeast count: Int = 1) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let response = try await registry.request(
                .GET, "/api/v1/audit?action=login.failed&actor=\(user)&limit=100", headers: [AuthTests.basic("admin")])
            let entries = (try response.json()["entries"] as? [[String: Any]]) ?? []
            if entries.count >= count || ContinuousClock.now > deadline { return entries }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Wrong passwords until eight have counted, then the right one, which
    /// the throttle must refuse. Eight failures make the wait 8 s (it starts
    /// at 1 s and doubles), longer than a loaded machine takes between two
    /// requests; attempts refused while a shorter wait runs do not count, so
    /// those are repeated after a pause. The right password is sent only
    /// then: a success would clear the count.
    static func lockOut(_ registry: TestRegistry, user: String, headers: [(String, String)]) async throws -> Int {
        var counted = 0
        for _ in 0..<40 where counted < 8 {
            let wrong = try await registry.request(.GET, "/v2/team/app/tags/list", headers: headers + [AuthTests.basic(user, "guess")])
            if wrong.status == 401 { counted += 1 } else { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(counted == 8)
        return try await registry.request(.GET, "/v2/team/app/tags/list", headers: headers + [AuthTests.basic(user)]).status
    }

    @Test func aTrustedProxyNamesTheClient() async throws {
        let (registry, _) = try await AuthTests.start { $0.trustedProxies = TrustedProxies([CIDR("127.0.0.1/32")!]) }
        // The attacker behind the proxy is locked out...
        #expect(try await Self.lockOut(registry, user: "dev", headers: [(Self.forwardedFor, "203.0.113.7")]) == 429)
        // ...while the same user elsewhere, and the proxy's own address, are not.
        let elsewhere = try await registry.request(
            .GET, "/v2/team/app/tags/list", headers: [(Self.forwardedFor, "198.51.100.9"), AuthTests.basic("dev")])
        #expect(elsewhere.status != 401 && elsewhere.status != 429, "\(elsewhere.status)")
        let direct = try await registry.request(.GET, "/v2/team/app/tags/list", headers: [AuthTests.basic("dev")])
        #expect(direct.status != 401 && direct.status != 429, "\(direct.status)")
        let token = try await registry.request(
            .GET, "/service/token?service=berth", headers: [(Self.forwardedFor, "198.51.100.9"), AuthTests.basic("dev")])
        #expect(token.status == 200)

        let entries = try await Self.failedSignIns(registry, user: "dev", atLeast: 5)
        #expect(entries.count >= 5)
        #expect(Set(entries.compactMap { $0["source"] as? String }) == ["203.0.113.7"])

        // A client's own entries on the left are not believed; a malformed one stops at the last trusted hop.
        for (user, header, source) in [("walker", "192.0.2.66, 203.0.113.8, 127.0.0.1", "203.0.113.8"),
                                       ("broken", "192.0.2.66, not-an-address", "127.0.0.1")] {
            let wrong = try await registry.request(
                .GET, "/v2/team/app/tags/list", headers: [(Self.forwardedFor, header), AuthTests.basic(user, "guess")])
            #expect(wrong.status == 401)
            let recorded = try await Self.failedSignIns(registry, user: user)
            #expect(recorded.first?["source"] as? String == source, "\(header)")
        }
        try await registry.stop()
    }

    @Test func withoutTrustedProxiesTheHeaderIsIgnored() async throws {
        let (registry, _) = try await AuthTests.start()
        #expect(try await Self.lockOut(registry, user: "dev", headers: [(Self.forwardedFor, "203.0.113.7")]) == 429)
        // The failures counted against the socket's address, which this claims
        // in vain to differ from (again until a wait outlasts a loaded machine).
        // Wrong passwords only, so no success clears the count: were the
        // header believed, fewer than five could never reach the throttle.
        let claimed = [(Self.forwardedFor, "198.51.100.9"), AuthTests.basic("dev", "guess")]
        var elsewhere = try await registry.request(.GET, "/v2/team/app/tags/list", headers: claimed)
        for _ in 0..<3 where elsewhere.status != 429 {
            elsewhere = try await registry.request(.GET, "/v2/team/app/tags/list", headers: claimed)
        }
        #expect(elsewhere.status == 429)
        let entries = try await Self.failedSignIns(registry, user: "dev", atLeast: 5)
        #expect(Set(entries.compactMap { $0["source"] as? String }) == ["127.0.0.1"])
        try await registry.stop()
    }

    @Test func forwardedProtoAndHostOnlyFromTrustedProxies() async throws {
        let forwarded = [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "registry.example")]
        let untrusted = try await TestRegistry.start { $0.auth = "token"; $0.adminPassword = AuthTests.adminPassword; $0.passwordCost = 4 }
        let direct = try await untrusted.request(.GET, "/v2/", headers: forwarded)
        #expect(direct.status == 401)
        #expect(direct.header("WWW-Authenticate")?.contains("realm=\"http://127.0.0.1:\(untrusted.port)/service/token\"") == true,
                "\(direct.header("WWW-Authenticate") ?? "")")
        try await untrusted.stop()

        let proxied = try await TestRegistry.start {
            $0.auth = "token"; $0.adminPassword = AuthTests.adminPassword; $0.passwordCost = 4
            $0.trustedProxies = TrustedProxies([CIDR("127.0.0.0/8")!])
        }
        let viaProxy = try await proxied.request(.GET, "/v2/", headers: forwarded)
        #expect(viaProxy.header("WWW-Authenticate")?.contains("realm=\"https://registry.example/service/token\"") == true,
                "\(viaProxy.header("WWW-Authenticate") ?? "")")
        try await proxied.stop()
    }
}

/// A plain TCP connection to 127.0.0.1, blocking calls made off the cooperative pool.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    /// Connects and, in the same breath (no hop between threads that a
    /// loaded machine could stretch past a short timeout), sends `first`.
    static func open(port: Int, sending first: String = "") async throws -> RawConnection {
        try await offCooperativePool {
            let connection = try RawConnection(connectingTo: port)
            let bytes = Array(first.utf8)
            guard bytes.isEmpty || bytes.withUnsafeBytes({ Glibc.send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
                throw TestFailure("send failed")
            }
            return connection
        }
    }

    /// Connects, sends `head` at once and then `body` slowly (see
    /// `sendSlowly`), all on one thread.
    static func upload(port: Int, head: String, body: [UInt8], every interval: Double) async throws -> (
        connection: RawConnection, sent: Int, longestGap: Double, closedAfter: Double?
    ) {
        try await offCooperativePool {
            let connection = try RawConnection(connectingTo: port)
            let bytes = Array(head.utf8)
            guard bytes.withUnsafeBytes({ Glibc.send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
                throw TestFailure("send failed")
            }
            let (sent, gap, closed) = Self.sendSlowlyBlocking(connection.fd, body, every: interval)
            return (connection, sent, gap, closed)
        }
    }

    private init(connectingTo port: Int) throws {
        let fd = try RawHTTP.connectLoopback(port)
        var wait = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
    }

    deinit { close(fd) }

    /// Whether all of `bytes` went out (false once the server closed).
    @discardableResult
    func send(_ bytes: [UInt8]) async throws -> Bool {
        let fd = fd
        return try await offCooperativePool {
            bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
        }
    }

    @discardableResult
    func send(_ text: String) async throws -> Bool { try await send(Array(text.utf8)) }

    /// Sends `bytes` one at a time, `interval` apart, all on one thread (a
    /// starved cooperative pool cannot stretch the gaps); stops when the
    /// server closes. Returns how many went out, the longest gap between two,
    /// and the seconds after which the server was seen to close, if it did.
    func sendSlowly(_ bytes: [UInt8], every interval: Double) async throws -> (sent: Int, longestGap: Double, closedAfter: Double?) {
        let fd = fd
        return try await offCooperativePool { Self.sendSlowlyBlocking(fd, bytes, every: interval) }
    }

    private static func sendSlowlyBlocking(_ fd: Int32, _ bytes: [UInt8], every interval: Double) -> (sent: Int, longestGap: Double, closedAfter: Double?) {
        let started = Date()
        var last = started
        var longest = 0.0
        for (index, byte) in bytes.enumerated() {
            usleep(UInt32(interval * 1_000_000))
            longest = max(longest, Date().timeIntervalSince(last))
            last = Date()
            var probe: UInt8 = 0
            let peeked = recv(fd, &probe, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
            let closed = peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            if closed || withUnsafeBytes(of: byte, { Glibc.send(fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }) != 1 {
                return (index, longest, Date().timeIntervalSince(started))
            }
        }
        return (bytes.count, longest, nil)
    }

    enum ReadOutcome: Equatable {
        /// The server closed the connection (after sending `received`).
        case closed(received: String)
        /// Still open when the time was up.
        case open(received: String)
    }

    /// Reads for up to `seconds`, stopping early when the server closes or
    /// (with `untilResponse`) once a whole response to a body-less request is in.
    func read(for seconds: Double, untilResponse: Bool = false) async throws -> ReadOutcome {
        let fd = fd
        return try await offCooperativePool {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    received += buffer[..<count]
                    if untilResponse, Self.complete(received) { break }
                    continue
                }
                if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    return .closed(received: String(decoding: received, as: UTF8.self))
                }
            }
            return .open(received: String(decoding: received, as: UTF8.self))
        }
    }

    /// A head and, by its Content-Length, the whole body.
    private static func complete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text.utf8.count - text[..<end.upperBound].utf8.count >= length
    }

    /// Seconds until the server closes the connection, or nil if it is still open after `limit`.
    func secondsUntilClosed(limit: Double) async throws -> Double? {
        let started = Date()
        guard case .closed = try await read(for: limit) else { return nil }
        return Date().timeIntervalSince(started)
    }

    /// A request that needs nothing but the server (`/healthz` asks the database).
    static let healthRequest = "GET /v2/ HTTP/1.1\r\nHost: berth\r\n\r\n"

    /// Sends `GET /v2/` (unless `alreadySent`) and returns the status answered, nil when none.
    func healthCheck(alreadySent: Bool = false) async throws -> Int? {
        if !alreadySent { guard try await send(Self.healthRequest) else { return nil } }
        let outcome = try await read(for: 30, untilResponse: true)
        let text: String
        switch outcome {
        case .closed(let received), .open(let received): text = received
        }
        return text.hasPrefix("HTTP/1.1 ") ? Int(text.dropFirst(9).prefix(3)) : nil
    }
}

@Suite("Connections: idle and request head timeouts, per-address limit")
struct ConnectionTests {
    static func start(_ configure: @escaping (inout Configuration) -> Void) async throws -> TestRegistry {
        try await TestRegistry.start { configure(&$0) }
    }

    @Test func aSilentConnectionIsClosedByTheHeadTimeout() async throws {
        let registry = try await Self.start { $0.requestHeadTimeout = 1; $0.idleTimeout = 30 }
        let connection = try await RawConnection.open(port: registry.port)
        // Bounds far above the 1 s: a loaded machine (the whole suite on two cores) delays the event loops.
        let closedAfter = try await connection.secondsUntilClosed(limit: 30)
        #expect(closedAfter != nil)
        #expect((closedAfter ?? 99) < 20)
        try await registry.stop()
    }

    @Test func aHeadSentAByteAtATimeIsClosedByTheHeadTimeout() async throws {
        let registry = try await Self.start { $0.requestHeadTimeout = 1; $0.idleTimeout = 30 }
        let connection = try await RawConnection.open(port: registry.port)
        let head = Array("GET /v2/ HTTP/1.1\r\nHost: berth\r\nUser-Agent: slowloris/1.0 (one byte at a time, forever and ever)\r\n\r\n".utf8)
        // A byte each 300 ms: the whole head would take 30 s.
        let (sent, _, closedAfter) = try await connection.sendSlowly(head, every: 0.3)
        #expect(sent < head.count)
        #expect(closedAfter != nil)
        #expect((closedAfter ?? 99) < 15)
        #expect(try await connection.read(for: 1) == .closed(received: ""))
        try await registry.stop()
    }

    @Test func anIdleConnectionIsClosedBetweenRequestsAndBeforeTheFirst() async throws {
        let registry = try await Self.start { $0.requestHeadTimeout = 60; $0.idleTimeout = 2 }
        let silent = try await RawConnection.open(port: registry.port)
        let kept = try await RawConnection.open(port: registry.port, sending: RawConnection.healthRequest)
        let status = try await kept.healthCheck(alreadySent: true)
        #expect(status == 200)
        let (silentClosed, keptClosed) = try await (silent.secondsUntilClosed(limit: 30), kept.secondsUntilClosed(limit: 30))
        #expect(silentClosed != nil)
        #expect(keptClosed != nil)
        try await registry.stop()
    }

    @Test func aSlowSteadyUploadIsNotCut() async throws {
        let registry = try await Self.start { $0.requestHeadTimeout = 1; $0.idleTimeout = 2 }
        let body = Array("slow but steady!".utf8)
        // 16 bytes, one each 500 ms: 8 s, four idle timeouts and eight head timeouts.
        let (connection, sent, longestGap, closedAfter) = try await RawConnection.upload(
            port: registry.port,
            head: "POST /v2/team/slow/blobs/uploads/?digest=\(Content.digest(body)) HTTP/1.1\r\nHost: berth\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n\r\n",
            body: body, every: 0.5)
        #expect(sent == body.count, "closed after \(closedAfter ?? 0) s; longest gap between bytes: \(longestGap) s")
        // The commit may take a while on a loaded machine (moto's S3 is slow).
        let outcome = try await connection.read(for: 60, untilResponse: true)
        guard case .open(let text) = outcome else {
            Issue.record("closed: \(outcome)")
            return
        }
        #expect(text.hasPrefix("HTTP/1.1 201"), "\(text)")
        #expect(try await registry.request(.HEAD, "/v2/team/slow/blobs/\(Content.digest(body))").status == 200)
        try await registry.stop()
    }

    @Test func connectionsPastThePerAddressLimitAreClosed() async throws {
        // Timeouts long enough for the slowest machine: they are not what this tests.
        let registry = try await Self.start { $0.maxConnectionsPerAddress = 3; $0.requestHeadTimeout = 600; $0.idleTimeout = 600 }
        var open: [RawConnection] = []
        for _ in 0..<3 { open.append(try await RawConnection.open(port: registry.port)) }
        // A loaded machine may accept them out of order: make sure the server has seen all three before the fourth.
        var answered: [Int?] = []
        for connection in open { answered.append(try await connection.healthCheck()) }
        #expect(answered.first == 200)
        let fourth = try await RawConnection.open(port: registry.port)
        let closedAfter = try await fourth.secondsUntilClosed(limit: 15)
        #expect(closedAfter != nil)
        for connection in open {
            #expect(try await connection.read(for: 0.3) == .open(received: ""))
        }
        let third = try await open[2].healthCheck()
        #expect(third == 200)
        // A closed connection frees its place (once the server has seen it close).
        open.removeLast()
        var replaced: Int?
        for _ in 0..<20 where replaced == nil {
            try await Task.sleep(for: .milliseconds(250))
            replaced = try await RawConnection.open(port: registry.port).healthCheck()
        }
        #expect(replaced == 200)
        try await registry.stop()
    }

    @Test func trustedProxiesAreNotLimited() async throws {
        let registry = try await Self.start {
            $0.maxConnectionsPerAddress = 1
            $0.requestHeadTimeout = 600
            $0.idleTimeout = 600
            $0.trustedProxies = TrustedProxies([CIDR("127.0.0.1")!])
        }
        let first = try await RawConnection.open(port: registry.port)
        let second = try await RawConnection.open(port: registry.port)
        let s1 = try await first.healthCheck()
        let s2 = try await second.healthCheck()
        #expect(s1 == 200)
        #expect(s2 == 200)
        try await registry.stop()
    }
}
