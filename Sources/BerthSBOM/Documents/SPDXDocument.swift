import Foundation

extension SBOMDocument {
    /// SPDX 2.3 JSON document (UTF-8 bytes, deterministic) for the packages
    /// detected in `subject`.
    public static func spdx(
        _ subject: ImageSubject,
        distribution: Distribution?,
        packages: [DetectedPackage],
        tool: (name: String, version: String),
        limit: Int = maxPackages
    ) -> [UInt8] {
        let prepared = Support.prepare(packages, limit: limit)
        let imageID = "SPDXRef-Image"
        let noAssertion = JSONValue.string("NOASSERTION")

        func basePackage(id: String, name: String, version: String?) -> [(String, JSONValue)] {
            var p: [(String, JSONValue)] = [
                ("SPDXID", .string(id)),
                ("name", .string(name.isEmpty ? "unknown" : name)),
                ("downloadLocation", noAssertion),
                ("filesAnalyzed", .bool(false)),
                ("licenseConcluded", noAssertion),
                ("licenseDeclared", noAssertion),
                ("copyrightText", noAssertion),
            ]
            if let version, !version.isEmpty { p.append(("versionInfo", .string(version))) }
            return p
        }
        func purlRef(_ purl: String) -> JSONValue {
            .array([.object([
                ("referenceCategory", .string("PACKAGE-MANAGER")),
                ("referenceType", .string("purl")),
                ("referenceLocator", .string(purl)),
            ])])
        }
        func relationship(_ from: String, _ type: String, _ to: String) -> JSONValue {
            .object([
                ("spdxElementId", .string(from)),
                ("relationshipType", .string(type)),
                ("relatedSpdxElement", .string(to)),
            ])
        }

        var spdxPackages: [JSONValue] = []
        var relationships: [JSONValue] = [relationship("SPDXRef-DOCUMENT", "DESCRIBES", imageID)]

        // The image.
        var image = basePackage(id: imageID, name: subject.repository, version: subject.digest)
        image.append(("primaryPackagePurpose", .string("CONTAINER")))
        image.append(("externalRefs", purlRef(Support.imagePURL(subject))))
        if let hex = Support.sha256Hex(of: subject.digest) {
            image.append(("checksums", .array([.object([
                ("algorithm", .string("SHA256")),
                ("checksumValue", .string(hex)),
            ])])))
        }
        if let platform = subject.platform {
            image.append(("comment", .string("platform: \(platform)")))
        }
        spdxPackages.append(.object(image))

        // The distribution.
        if let distribution {
            let osID = "SPDXRef-OperatingSystem"
            var os = basePackage(id: osID, name: distribution.id, version: distribution.versionID)
            os.append(("primaryPackagePurpose", .string("OPERATING_SYSTEM")))
            spdxPackages.append(.object(os))
            relationships.append(relationship(imageID, "CONTAINS", osID))
        }

        // Detected packages.
        for (index, pkg) in prepared.packages.enumerated() {
            let fragment = Support.spdxIDFragment(pkg.name)
            let id = "SPDXRef-Package-\(index + 1)" + (fragment.isEmpty ? "" : "-\(fragment)")
            var p = basePackage(id: id, name: pkg.name, version: pkg.version)
            p.append(("primaryPackagePurpose", .string("LIBRARY")))
            if let purl = Support.normalizedPURL(pkg.purl) {
                p.append(("externalRefs", purlRef(purl)))
            }
            if let source = pkg.source {
                var info = "built from source package: \(source)"
                if let sv = pkg.sourceVersion { info += " \(sv)" }
                p.append(("sourceInfo", .string(info)))
            } else if let sv = pkg.sourceVersion {
                p.append(("sourceInfo", .string("built from source version: \(sv)")))
            }
            var comment = "location: \(pkg.location)"
            if !pkg.ecosystem.isEmpty { comment += "; ecosystem: \(pkg.ecosystem)" }
            p.append(("comment", .string(comment)))
            spdxPackages.append(.object(p))
            relationships.append(relationship(imageID, "CONTAINS", id))
        }

        let repoPath = subject.repository
            .split(separator: "/", omittingEmptySubsequences: false)
            .map { Support.pathSegment(String($0)) }
            .joined(separator: "/")
        let namespace = "https://berth.invalid/spdx/\(repoPath)/\(Support.pathSegment(subject.digest))"

        var doc: [(String, JSONValue)] = [
            ("spdxVersion", .string("SPDX-2.3")),
            ("dataLicense", .string("CC0-1.0")),
            ("SPDXID", .string("SPDXRef-DOCUMENT")),
            ("name", .string("\(subject.repository)@\(subject.digest)")),
            ("documentNamespace", .string(namespace)),
            ("creationInfo", .object([
                ("created", .string(Support.timestamp(subject.created))),
                ("creators", .array([.string("Tool: \(tool.name)-\(tool.version)")])),
            ])),
            ("packages", .array(spdxPackages)),
            ("relationships", .array(relationships)),
        ]
        if prepared.truncated {
            doc.append(("comment", .string(
                "package list truncated: \(prepared.total) packages detected, first \(prepared.packages.count) (sorted by purl) included")))
        }
        return JSONValue.object(doc).encoded()
    }
}
