import ArgumentParser
import BerthClient
import Foundation
import OCI
import Synchronization

/// `berth copy SRC DST`: an image from any registry to any registry, digests kept.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy an image (or with --all, an index and every platform's image) between registries.",
        discussion: """
            SRC and DST are HOST[:PORT]/NAME[:TAG] or …@sha256:…; a DST without a tag takes SRC's. \
            Credentials come from --src-creds/--dest-creds, else docker's config file. Digests are kept: \
            what arrives is checked against them as it streams.
            """)

    @Flag(name: .long, help: "Copy an index with every platform's image (default: only this machine's platform).")
    var all = false

    @Option(name: .customLong("src-creds"), help: "USER:PASSWORD for the source registry.")
    var sourceCredentials: String?

    @Option(name: .customLong("dest-creds"), help: "USER:PASSWORD for the destination registry.")
    var destinationCredentials: String?

    @Option(name: .customLong("src-tls-verify"), help: "false allows plain HTTP and unverified TLS to the source.")
    var sourceTLSVerify = true

    @Option(name: .customLong("dest-tls-verify"), help: "false allows plain HTTP and unverified TLS to the destination.")
    var destinationTLSVerify = true

    @Argument(help: "The image to copy.")
    var source: String

    @Argument(help: "Where to copy it.")
    var destination: String

    func run() async throws {
        guard let from = ImageReference(source) else { throw ValidationError("\(source) is not an image reference") }
        guard let to = ImageReference(destination) else { throw ValidationError("\(destination) is not an image reference") }
        let sourceClient = try client(sourceCredentials, verify: sourceTLSVerify, flag: "--src-creds")
        let destinationClient = try client(destinationCredentials, verify: destinationTLSVerify, flag: "--dest-creds")
        let progress = CopyProgress(terminal: isatty(1) == 1)
        let copier = ImageCopier(
            from: RemoteRepository(client: sourceClient, host: from.registry, repository: from.repository),
            to: RemoteRepository(client: destinationClient, host: to.registry, repository: to.repository),
            report: progress.handle)
        let reference = from.digest?.description ?? from.tag ?? "latest"
        let target = to.tag ?? to.digest?.description ?? from.tag ?? from.digest?.description ?? "latest"
        do {
            let digest = try await copier.copy(reference, to: target, allPlatforms: all, platform: ImageCopier.hostPlatform)
            progress.finish()
            print("copied \(from) to \(to.registry)/\(to.repository):\(target) (\(digest))")
        } catch {
            progress.finish()
            try? await sourceClient.shutdown()
            try? await destinationClient.shutdown()
            print("berth copy: \(error)")
            throw ExitCode.failure
        }
        try await sourceClient.shutdown()
        try await destinationClient.shutdown()
    }

    private func client(_ text: String?, verify: Bool, flag: String) throws -> RegistryClient {
        let explicit = try text.map { text -> RegistryClient.Credentials in
            guard let credentials = RegistryClient.Credentials(colonSeparated: text) else { throw ValidationError("\(flag) takes USER:PASSWORD") }
            return credentials
        }
        let configured = explicit == nil ? DockerConfig.credentials() : [:]
        return RegistryClient(insecure: !verify) { host in explicit ?? configured[host] }
    }
}

/// A line per blob and manifest, and on a terminal a line that counts the
/// bytes, the rate and the time left, redrawn at most four times a second.
final class CopyProgress: Sendable {
    private struct State {
        var expected: Int64 = 0
        var moved: Int64 = 0
        var drawn = Date.distantPast
        var lineShown = false
    }

    private let terminal: Bool
    private let started = Date()
    private let state = Mutex(State())

    init(terminal: Bool) { self.terminal = terminal }

    var handle: @Sendable (ImageCopier.Event) -> Void { { [self] event in record(event) } }

    private func record(_ event: ImageCopier.Event) {
        switch event {
        case .blobStarted(_, let size):
            state.withLock { $0.expected += size }
        case .blobBytes(let count):
            let line = state.withLock { state -> String? in
                state.moved += Int64(count)
                guard terminal, Date().timeIntervalSince(state.drawn) >= 0.25 else { return nil }
                state.drawn = Date()
                state.lineShown = true
                return statusLine(state)
            }
            if let line { write("\r\u{1B}[K" + line) }
        case .blob(let digest, let size, let outcome):
            say("blob \(digest.description.prefix(19))… \(Self.bytes(size)) \(outcome.rawValue)")
        case .manifest(let digest, let mediaType):
            say("manifest \(digest.description.prefix(19))… \(mediaType)")
        }
    }

    private func statusLine(_ state: State) -> String {
        let elapsed = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(state.moved) / elapsed
        let left = rate > 0 ? Double(max(state.expected - state.moved, 0)) / rate : 0
        return "\(Self.bytes(state.moved)) of \(Self.bytes(state.expected)), \(Self.bytes(Int64(rate)))/s, \(Int(left.rounded())) s left"
    }

    private func say(_ line: String) {
        let clear = state.withLock { state -> Bool in
            defer { state.lineShown = false }
            return state.lineShown
        }
        write((clear ? "\r\u{1B}[K" : "") + line + "\n")
    }

    func finish() {
        if state.withLock({ $0.lineShown }) { write("\r\u{1B}[K") }
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// `berth digest REF`: the digest a tag points at now.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest", abstract: "Print the digest an image reference's tag points at (an index's, for a multi-platform image).")

    @Option(name: .long, help: "USER:PASSWORD (default: docker's config file).")
    var creds: String?

    @Option(name: .customLong("tls-verify"), help: "false allows plain HTTP and unverified TLS.")
    var tlsVerify = true

    @Argument(help: "HOST[:PORT]/NAME[:TAG]")
    var reference: String

    func run() async throws {
        guard let parsed = ImageReference(reference) else { throw ValidationError("\(reference) is not an image reference") }
        let explicit = try creds.map { text -> RegistryClient.Credentials in
            guard let credentials = RegistryClient.Credentials(colonSeparated: text) else { throw ValidationError("--creds takes USER:PASSWORD") }
            return credentials
        }
        let configured = explicit == nil ? DockerConfig.credentials() : [:]
        let client = RegistryClient(insecure: !tlsVerify) { host in explicit ?? configured[host] }
        let resolved = parsed.tag == nil && parsed.digest == nil ? parsed.tagged("latest") : parsed
        do {
            print(try await client.digest(of: resolved))
        } catch {
            try? await client.shutdown()
            print("berth digest: \(error)")
            throw ExitCode.failure
        }
        try await client.shutdown()
    }
}
