import ArgumentParser
import BerthClient
import Foundation
import OCI

struct PinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Pin image references in Dockerfiles, Compose files and Kubernetes manifests to digests.",
        discussion: """
            Rewrites `name:tag` as `name:tag@sha256:…` (an index's digest for a multi-platform image), \
            resolved against the registries named, with --creds or docker's config file for credentials. \
            With --check nothing is written: the command lists unpinned and stale references and exits \
            non-zero when there are any (for CI). With --update, existing pins are re-resolved too.
            """)

    @Flag(name: .long, help: "Only list unpinned and stale references; exit non-zero when there are any.")
    var check = false

    @Flag(name: .long, help: "Re-resolve references that are already pinned, and rewrite stale pins.")
    var update = false

    @Option(name: .long, help: "USER:PASSWORD, sent to every registry the files name (default: docker's config file, per registry).")
    var creds: String?

    @Option(name: .customLong("tls-verify"), help: "false allows plain HTTP and unverified TLS.")
    var tlsVerify = true

    @Argument(help: "The files to pin.")
    var files: [String]

    func run() async throws {
        let explicit = try creds.map { text -> RegistryClient.Credentials in
            guard let colon = text.firstIndex(of: ":") else { throw ValidationError("--creds takes USER:PASSWORD") }
            return .init(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        let configured = DockerConfig.credentials()
        let client = RegistryClient(insecure: !tlsVerify) { host in explicit ?? configured[host] }
        var resolved: [String: Result<Digest, any Error>] = [:]
        var (flagged, failed) = (0, 0)
        for file in files {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                print("\(file): cannot be read as UTF-8 text")
                failed += 1
                continue
            }
            var rewritten = text
            // From the end, so earlier ranges stay valid.
            for found in ReferencesInFiles.find(in: text, dockerfile: ReferencesInFiles.isDockerfile(file)).reversed() {
                // No tag and no digest means `latest`, as docker reads it; a digest alone stays as it is.
                let reference = found.reference.digest == nil ? found.reference.tagged(found.reference.tag ?? "latest") : found.reference
                guard let tag = reference.tag, reference.digest == nil || check || update else { continue }
                let key = "\(reference.registry)/\(reference.repository):\(tag)"
                let result: Result<Digest, any Error>
                if let known = resolved[key] {
                    result = known
                } else {
                    do { result = .success(try await client.digest(of: reference)) } catch { result = .failure(error) }
                    resolved[key] = result
                }
                let place = "\(file):\(found.line)"
                switch result {
                case .failure(let error):
                    print("\(place): \(found.reference): \(error)")
                    failed += 1
                case .success(let digest) where reference.digest == digest:
                    continue
                case .success(let digest):
                    let pinned = reference.pinned(to: digest).description
                    let what = reference.digest == nil ? "unpinned" : "stale"
                    if check {
                        print("\(place): \(what): \(found.reference) (now \(digest))")
                        flagged += 1
                    } else {
                        print("\(place): \(found.reference) → \(pinned)")
                        rewritten.replaceSubrange(found.range, with: pinned)
                    }
                }
            }
            if rewritten != text { try Data(rewritten.utf8).write(to: URL(fileURLWithPath: file), options: .atomic) }
        }
        try await client.shutdown()
        if flagged > 0 || failed > 0 { throw ExitCode.failure }
    }
}
