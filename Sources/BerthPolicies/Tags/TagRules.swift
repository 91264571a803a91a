import Foundation

/// A project's tag rules (`PUT /api/v1/projects/{p}/tag-rules`): which
/// tags the registry moves itself (semver aliases, `latest`), which tags
/// a push may not carry alone, which it must match, and which may move.
/// Every field is optional; an absent one imposes nothing.
public struct TagRules: Sendable, Equatable, Codable {
    /// On a push of `X.Y.Z` (or `vX.Y.Z`), move `X.Y` and `X` (with the same
    /// prefix) to it when it is the highest release of that line.
    public var semverAliases: Bool
    /// And `latest`, when it is the highest release of all.
    public var latestAlias: Bool
    /// Tags a push may not carry as its only tag (`latest`, `dev`, …).
    public var forbidOnly: [String]?
    /// Patterns every pushed tag must match: `semver`, `semver-sha`, `sha`,
    /// `glob:<pattern>`, `regex:<pattern>`.
    public var allowed: [String]?
    /// The only tags that may move to another digest: names or globs, and
    /// `aliases` for the semver aliases (`1`, `1.4`, `v1`, `v1.4`).
    public var movable: [String]?

    public init(
        semverAliases: Bool = false, latestAlias: Bool = false, forbidOnly: [String]? = nil, allowed: [String]? = nil,
        movable: [String]? = nil
    ) {
        (self.semverAliases, self.latestAlias, self.forbidOnly, self.allowed, self.movable) =
            (semverAliases, latestAlias, forbidOnly, allowed, movable)
    }

    enum CodingKeys: String, CodingKey {
        case semverAliases = "semver_aliases", latestAlias = "latest_alias", forbidOnly = "forbid_only", allowed, movable
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        semverAliases = try c.decodeIfPresent(Bool.self, forKey: .semverAliases) ?? false
        latestAlias = try c.decodeIfPresent(Bool.self, forKey: .latestAlias) ?? false
        forbidOnly = try c.decodeIfPresent([String].self, forKey: .forbidOnly)
        allowed = try c.decodeIfPresent([String].self, forKey: .allowed)
        movable = try c.decodeIfPresent([String].self, forKey: .movable)
    }

    /// A clear message for the first thing wrong, or nil.
    public var problem: String? {
        for (field, list) in [("forbid_only", forbidOnly), ("allowed", allowed), ("movable", movable)] {
            guard let list else { continue }
            if list.count > 100 { return "\(field) holds at most 100 entries" }
            if let long = list.first(where: { $0.isEmpty || $0.count > 256 }) {
                return "\(field): '\(long.prefix(40))' must be 1 to 256 characters"
            }
        }
        for pattern in allowed ?? [] where TagPattern(pattern) == nil {
            return "allowed: '\(pattern.prefix(60))' is not semver, semver-sha, sha, glob:<pattern> or regex:<pattern>"
        }
        for entry in movable ?? [] where entry != "aliases" && Glob(entry) == nil {
            return "movable: '\(entry.prefix(60))' is neither 'aliases' nor a pattern of *, **, ? and [classes]"
        }
        return nil
    }
}

/// One entry of `allowed`.
public enum TagPattern: Sendable {
    case semver, semverSha, sha
    case glob(Glob)
    case regex(NSRegularExpression)

    public init?(_ text: String) {
        switch text {
        case "semver": self = .semver
        case "semver-sha": self = .semverSha
        case "sha": self = .sha
        default:
            if text.hasPrefix("glob:"), let glob = Glob(String(text.dropFirst(5))) {
                self = .glob(glob)
            } else if text.hasPrefix("regex:"), let regex = try? NSRegularExpression(pattern: "^(?:" + text.dropFirst(6) + ")$") {
                self = .regex(regex)
            } else {
                return nil
            }
        }
    }

    public func matches(_ tag: String) -> Bool {
        switch self {
        case .semver:
            return SemanticVersion(tag) != nil
        case .semverSha:
            // `X.Y.Z-<git sha>`: a release and one pre-release identifier of 7 to 40 hex digits.
            guard let version = SemanticVersion(tag), version.preRelease.count == 1 else { return false }
            return Self.isSha(version.preRelease[0])
        case .sha:
            return Self.isSha(tag)
        case .glob(let glob):
            return glob.matches(tag)
        case .regex(let regex):
            return regex.firstMatch(in: tag, range: NSRange(tag.startIndex..., in: tag)) != nil
        }
    }

    static func isSha(_ s: String) -> Bool {
        (7...40).contains(s.utf8.count) && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

// MARK: Semver aliases

extension TagRules {
    /// Whether `tag` names a semver alias: `1`, `1.4`, `v1`, `v1.4`.
    public static func isAlias(_ tag: String) -> Bool {
        let numbers = (tag.first == "v" ? tag.dropFirst() : Substring(tag)).split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(numbers.count) && numbers.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
    }

    /// Tags that may follow a push of `tag`: its line's aliases and
    /// `latest`, for a release only (a pre-release moves nothing).
    public func aliasCandidates(for tag: String) -> [String] {
        guard let version = SemanticVersion(tag), version.isRelease else { return [] }
        var candidates: [String] = []
        if semverAliases {
            candidates += [version.prefix + version.major + "." + version.minor, version.prefix + version.major]
        }
        if latestAlias { candidates.append("latest") }
        return candidates
    }

    /// The candidates that move to a push of `tag`, given the repository's
    /// other tags: `X.Y` when it is the highest release `X.Y.*` of its
    /// prefix, `X` when the highest `X.*.*`, `latest` when the highest
    /// release of all (either prefix).
    public func aliases(for tag: String, among tags: [String]) -> [String] {
        guard let pushed = SemanticVersion(tag), pushed.isRelease else { return [] }
        let releases = tags.compactMap(SemanticVersion.init).filter(\.isRelease)
        var moved: [String] = []
        if semverAliases {
            let family = releases.filter { $0.prefix == pushed.prefix && $0.major == pushed.major }
            if !family.contains(where: { $0.minor == pushed.minor && pushed < $0 }) {
                moved.append(pushed.prefix + pushed.major + "." + pushed.minor)
            }
            if !family.contains(where: { pushed < $0 }) { moved.append(pushed.prefix + pushed.major) }
        }
        if latestAlias, !releases.contains(where: { pushed < $0 }) { moved.append("latest") }
        return moved
    }
}
