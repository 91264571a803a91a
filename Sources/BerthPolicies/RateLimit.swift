/// How many manifest pulls a caller may make per window: `100/6h`.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public let pulls: Int64
    /// Seconds.
    public let window: Int64

    /// nil unless `text` is `<pulls>/<window>`: 1 to 10⁹ pulls, a window of
    /// 1 s to 30 days written with s, m, h or d (`100/6h`, `5000/1d`).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 10, let pulls = Int64(parts[0]), (1...1_000_000_000).contains(pulls),
              let unit = parts[1].last, let scale = ["s": 1, "m": 60, "h": 3600, "d": 86_400][String(unit)] as Int64?,
              parts[1].count <= 8, let count = Int64(parts[1].dropLast()), count >= 1, count <= 30 * 86_400 / scale
        else { return nil }
        self.pulls = pulls
        window = count * scale
    }

    public var description: String { "\(pulls)/\(window)s" }

    /// As Docker Hub writes it in `RateLimit-Limit`: `100;w=21600`.
    public var header: String { "\(pulls);w=\(window)" }
}

/// The limits of each kind of caller; nil: no limit.
public struct PullRateLimits: Sendable, Equatable {
    /// Per client address, for callers without credentials.
    public var anonymous: RateLimit?
    /// Per user.
    public var users: RateLimit?
    /// Per robot account.
    public var robots: RateLimit?
    /// Per project, whoever pulls.
    public var projects: RateLimit?

    public init(anonymous: RateLimit? = nil, users: RateLimit? = nil, robots: RateLimit? = nil, projects: RateLimit? = nil) {
        (self.anonymous, self.users, self.robots, self.projects) = (anonymous, users, robots, projects)
    }

    public var isOff: Bool { anonymous == nil && users == nil && robots == nil && projects == nil }
}
