import Foundation
import TestProcesses
import Testing
@testable import BerthSBOM

/// Validates generated documents against the official JSON schemas using
/// Tests/BerthSBOMTests/validate.py (python3 + jsonschema, all refs resolved locally).
@Suite(.serialized) struct SchemaValidationTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    enum Outcome: Equatable { case valid, invalid(String), skipped(String) }

    static func run(_ kind: String, _ documents: [[UInt8]]) throws -> Outcome {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("berth-sbom-\(kind)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // Set BERTH_SBOM_KEEP=1 to keep the generated documents for inspection.
        let keep = ProcessInfo.processInfo.environment["BERTH_SBOM_KEEP"] == "1"
        defer { if keep { print("documents kept in \(dir.path)") } else { try? FileManager.default.removeItem(at: dir) } }
        var paths: [String] = []
        for (i, doc) in documents.enumerated() {
            let url = dir.appendingPathComponent("doc\(i).\(kind == "spdx" ? "spdx.json" : "cdx.json")")
            try Data(doc).write(to: url)
            paths.append(url.path)
        }
        let status: Int32, output: String
        do { (status, output) = try ChildProcess.run(["python3", here.appendingPathComponent("validate.py").path, kind] + paths) } catch {
            return .skipped("cannot start python3: \(error)")
        }
        switch status {
        case 0: return .valid
        case 77: return .skipped(output)
        case 127: return .skipped("python3 not found")
        default: return .invalid(output)
        }
    }

    static var documents: [(ImageSubject, Distribution?, [DetectedPackage])] {
        [
            (DocumentFixtures.subject, DocumentFixtures.distribution, DocumentFixtures.packages),
            (DocumentFixtures.subject, nil, []),
            (DocumentFixtures.hostileSubject, Distribution(id: DocumentFixtures.hostile, versionID: DocumentFixtures.hostile, ecosystem: nil),
             DocumentFixtures.hostilePackages),
            (ImageSubject(repository: "", digest: "", platform: nil, created: .distantFuture), nil, DocumentFixtures.hostilePackages),
        ]
    }

    /// Whether the validators can run (`.ci/run` installs them from PyPI): otherwise the tests are reported as skipped.
    static let validatorsInstalled: Bool = {
        (try? ChildProcess.run(["python3", "-c", "import jsonschema, cyclonedx, spdx_tools"]))?.status == 0
    }()

    @Test(.enabled(if: validatorsInstalled, "needs python3 with jsonschema, cyclonedx-python-lib and spdx-tools"))
    func cycloneDXMatchesOfficialSchema() throws {
        let docs = Self.documents.map { SBOMDocument.cycloneDX($0.0, distribution: $0.1, packages: $0.2, tool: DocumentFixtures.tool) }
            + [SBOMDocument.cycloneDX(DocumentFixtures.subject, distribution: nil, packages: DocumentFixtures.packages, tool: DocumentFixtures.tool, limit: 1)]
        let outcome = try Self.run("cyclonedx", docs)
        #expect(outcome == .valid)
    }

    @Test(.enabled(if: validatorsInstalled, "needs python3 with jsonschema, cyclonedx-python-lib and spdx-tools"))
    func spdxMatchesOfficialSchema() throws {
        let docs = Self.documents.map { SBOMDocument.spdx($0.0, distribution: $0.1, packages: $0.2, tool: DocumentFixtures.tool) }
            + [SBOMDocument.spdx(DocumentFixtures.subject, distribution: nil, packages: DocumentFixtures.packages, tool: DocumentFixtures.tool, limit: 1)]
        let outcome = try Self.run("spdx", docs)
        #expect(outcome == .valid)
    }
}
