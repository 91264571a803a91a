import Foundation

extension SBOMDocument {
    /// CycloneDX 1.5 JSON document (UTF-8 bytes, deterministic) for the packages
    /// detected in `subject`.
    public static func cycloneDX(
        _ subject: ImageSubject,
        distribution: Distribution?,
        packages: [DetectedPackage],
        tool: (name: String, version: String),
        limit: Int = maxPackages
    ) -> [UInt8] {
        let prepared = Support.prepare(packages, limit: limit)
        var refs = BomRefAllocator()

        // The image itself.
        let imagePURL = Support.imagePURL(subject)
        let imageRef = refs.allocate(imagePURL)
        var imageComponent: [(String, JSONValue)] = [
            ("type", .string("container")),
            ("bom-ref", .string(imageRef)),
            ("name", .string(subject.repository)),
            ("version", .string(subject.digest)),
            ("purl", .string(imagePURL)),
        ]
        var imageProperties: [JSONValue] = []
        if let platform = subject.platform {
            imageProperties.append(property("berth:platform", platform))
        }
        if !imageProperties.isEmpty { imageComponent.append(("properties", .array(imageProperties))) }

        var components: [JSONValue] = []
        var dependsOn: [JSONValue] = []

        // The distribution, when known.
        if let distribution {
            var osRefBase = "os:\(distribution.id)"
            if let v = distribution.versionID { osRefBase += "@\(v)" }
            let osRef = refs.allocate(osRefBase)
            var os: [(String, JSONValue)] = [
                ("type", .string("operating-system")),
                ("bom-ref", .string(osRef)),
                ("name", .string(distribution.id)),
            ]
            if let v = distribution.versionID { os.append(("version", .string(v))) }
            if let eco = distribution.ecosystem {
                os.append(("properties", .array([property("berth:ecosystem", eco)])))
            }
            components.append(.object(os))
            dependsOn.append(.string(osRef))
        }

        // One library component per detected package.
        for pkg in prepared.packages {
            let purl = Support.normalizedPURL(pkg.purl)
            let base = purl ?? "berth:\(pkg.ecosystem)/\(pkg.name)@\(pkg.version)"
            let ref = refs.allocate(base)
            var c: [(String, JSONValue)] = [
                ("type", .string("library")),
                ("bom-ref", .string(ref)),
                ("name", .string(pkg.name)),
                ("version", .string(pkg.version)),
            ]
            if let purl { c.append(("purl", .string(purl))) }
            var props: [JSONValue] = [property("berth:location", pkg.location)]
            if !pkg.ecosystem.isEmpty { props.append(property("berth:ecosystem", pkg.ecosystem)) }
            if let s = pkg.source { props.append(property("berth:source", s)) }
            if let s = pkg.sourceVersion { props.append(property("berth:source_version", s)) }
            if purl == nil, !pkg.purl.isEmpty { props.append(property("berth:raw_purl", pkg.purl)) }
            c.append(("properties", .array(props)))
            components.append(.object(c))
            dependsOn.append(.string(ref))
        }

        var metadata: [(String, JSONValue)] = [
            ("timestamp", .string(Support.timestamp(subject.created))),
            ("tools", .object([
                ("components", .array([.object([
                    ("type", .string("application")),
                    ("name", .string(tool.name)),
                    ("version", .string(tool.version)),
                ])])),
            ])),
            ("component", .object(imageComponent)),
        ]
        var metaProps: [JSONValue] = [property("berth:package_count", String(prepared.total))]
        if prepared.truncated {
            metaProps.append(property("berth:truncated", "true"))
            metaProps.append(property("berth:truncated_note",
                "package list truncated: \(prepared.total) packages detected, first \(prepared.packages.count) (sorted by purl) included"))
        }
        metadata.append(("properties", .array(metaProps)))

        let doc: JSONValue = .object([
            ("bomFormat", .string("CycloneDX")),
            ("specVersion", .string("1.5")),
            ("serialNumber", .string("urn:uuid:" + Support.uuidV5(name: "berth:sbom:" + subject.digest))),
            ("version", .int(1)),
            ("metadata", .object(metadata)),
            ("components", .array(components)),
            ("dependencies", .array([.object([
                ("ref", .string(imageRef)),
                ("dependsOn", .array(dependsOn)),
            ])])),
        ])
        return doc.encoded()
    }

    private static func property(_ name: String, _ value: String) -> JSONValue {
        .object([("name", .string(name)), ("value", .string(value))])
    }
}

/// Hands out unique, non-empty bom-refs ("x", "x-dup2", "x-dup3", ...).
struct BomRefAllocator {
    private var used: Set<String> = []
    private var nextSuffix: [String: Int] = [:]

    mutating func allocate(_ base: String) -> String {
        let b = base.isEmpty ? "component" : base
        if used.insert(b).inserted { return b }
        var n = nextSuffix[b] ?? 2
        while true {
            let candidate = "\(b)-dup\(n)"
            n += 1
            if used.insert(candidate).inserted {
                nextSuffix[b] = n
                return candidate
            }
        }
    }
}
