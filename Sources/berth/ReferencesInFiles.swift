import BerthClient
import Foundation

/// The image references a file names, where `berth pin` may rewrite them:
/// in a Dockerfile (or Containerfile) the images of `FROM` and
/// `COPY --from=` (not build stages, `scratch`, or `$ARG`s); in anything
/// else (Compose, Kubernetes, Helm output) every YAML `image:` value.
struct ReferencesInFiles {
    struct Found {
        /// Where the reference is in the file's text.
        let range: Range<String.Index>
        let line: Int
        let reference: ImageReference
    }

    private static let from = try! NSRegularExpression(pattern: #"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?"#, options: [.caseInsensitive])
    /// The flags come before the command: `COPY --from=image`, `RUN --mount=type=bind,from=image`.
    private static let copyFrom = try! NSRegularExpression(
        pattern: #"^\s*(?:COPY\s+(?:--\S+\s+)*?--from=|RUN\s+(?:--\S+\s+)*?--mount=\S*?\bfrom=)([^\s,]+)"#, options: [.caseInsensitive])
    private static let yamlImage = try! NSRegularExpression(pattern: #"^\s*(?:-\s+)?image:\s*(["']?)([^"'\s#]+)\1\s*(?:#.*)?$"#)

    static func isDockerfile(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent.lowercased()
        return name.hasPrefix("dockerfile") || name.hasPrefix("containerfile") || name.hasSuffix(".dockerfile")
    }

    static func find(in text: String, dockerfile: Bool) -> [Found] {
        var found: [Found] = []
        var stages: Set<String> = []
        var lineNumber = 0
        text.enumerateSubstrings(in: text.startIndex..., options: [.byLines, .substringNotRequired]) { _, lineRange, _, _ in
            lineNumber += 1
            let line = String(text[lineRange])
            let whole = NSRange(line.startIndex..., in: line)
            func capture(_ match: NSTextCheckingResult, _ group: Int) -> (String, Range<String.Index>)? {
                guard let range = Range(match.range(at: group), in: line) else { return nil }
                return (String(line[range]), range)
            }
            func add(_ captured: (String, Range<String.Index>)) {
                let (value, range) = captured
                guard value.lowercased() != "scratch", !stages.contains(value.lowercased()), Int(value) == nil,
                      let reference = ImageReference(value)
                else { return }
                let start = text.index(lineRange.lowerBound, offsetBy: line.distance(from: line.startIndex, to: range.lowerBound))
                let end = text.index(start, offsetBy: value.count)
                found.append(Found(range: start..<end, line: lineNumber, reference: reference))
            }
            if dockerfile {
                if let match = from.firstMatch(in: line, range: whole), let image = capture(match, 1) {
                    add(image)
                    if let stage = capture(match, 2) { stages.insert(stage.0.lowercased()) }
                } else if let match = copyFrom.firstMatch(in: line, range: whole), let image = capture(match, 1) {
                    add(image)
                }
            } else if let match = yamlImage.firstMatch(in: line, range: whole), let image = capture(match, 2) {
                add(image)
            }
        }
        return found
    }
}
