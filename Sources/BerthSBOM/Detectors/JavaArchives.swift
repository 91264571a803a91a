import BerthVulnerabilities
import Foundation

/// Java artifacts inside `.jar`, `.war` and `.ear` archives: each
/// `META-INF/maven/<group>/<artifact>/pom.properties` they hold, and those
/// of the archives they nest (Spring Boot's `BOOT-INF/lib/*.jar`, a war's
/// `WEB-INF/lib/*.jar`), one level deep.
///
/// An archive is read as soon as the layer's tar has passed it and only
/// what it says is kept (one line per artifact), so an image of a thousand
/// jars holds one jar in memory at a time. The archive is hostile input:
/// the ZIP reader checks every structure, sizes and CRCs, and the counts
/// here are bounded.
enum JavaArchives {
    static let suffixes = [".jar", ".war", ".ear"]
    /// The largest nested archive read.
    static let maxNestedArchive = 16 << 20
    /// Nested archives read per archive, and artifacts kept per archive.
    static let maxNestedArchives = 1_000
    static let maxArtifacts = 5_000
    static let maxPomProperties = 64 << 10

    static func isArchive(_ path: String) -> Bool {
        let lower = path.lowercased()
        return suffixes.contains { lower.hasSuffix($0) }
    }

    /// A captured archive's entry with its content replaced by what it
    /// says: lines `group<TAB>artifact<TAB>version<TAB>inner path`.
    static func summarized(_ entry: TarEntry) -> TarEntry {
        guard entry.kind == .file, isArchive(entry.path), let content = entry.content else { return entry }
        var summarized = entry
        var lines: [String] = []
        artifacts(in: content, nesting: 1, prefix: "", into: &lines)
        summarized.content = Array(lines.joined(separator: "\n").utf8)
        return summarized
    }

    private static func artifacts(in bytes: [UInt8], nesting: Int, prefix: String, into lines: inout [String]) {
        guard let archive = try? OSVArchive(data: Data(bytes)) else { return }
        var nested = 0
        for entry in archive.entries where lines.count < maxArtifacts {
            if MavenProperties.isPomProperties(entry.name) {
                guard let record = try? archive.extract(entry, maxSize: maxPomProperties) else { continue }
                let properties = MavenProperties.parse([UInt8](record.bytes))
                guard let group = properties["groupId"], let artifact = properties["artifactId"], let version = properties["version"],
                      ![group, artifact, version].contains(where: { $0.isEmpty || $0.contains("\t") || $0.contains("\n") })
                else { continue }
                lines.append([group, artifact, version, prefix + entry.name].joined(separator: "\t"))
            } else if nesting > 0, isArchive(entry.name), nested < maxNestedArchives {
                nested += 1
                guard let record = try? archive.extract(entry, maxSize: maxNestedArchive) else { continue }
                artifacts(in: [UInt8](record.bytes), nesting: nesting - 1, prefix: prefix + entry.name + "!/", into: &lines)
            }
        }
    }

    static func detect(_ files: ImageFiles, into sink: inout PackageSink) {
        for file in files.files(matching: isArchive) {
            for line in TextLines.lines(file.content) {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 4 else { continue }
                let (group, artifact, version) = (fields[0], fields[1], fields[2])
                sink.add(DetectedPackage(
                    ecosystem: "Maven", name: group + ":" + artifact, version: version, location: file.path + "!/" + fields[3],
                    purl: PackageURL.make(type: "maven", namespace: [group], name: artifact, version: version)))
            }
        }
    }
}
