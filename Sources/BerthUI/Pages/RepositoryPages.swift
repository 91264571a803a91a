import BerthManagement
import BerthMetadata
import BerthRegistry
import BerthSigning
import Foundation
import Hummingbird
import OCI

/// `/repositories/{name}` (its artifacts, newest first, with tags, sizes,
/// times and scan summaries) and `/repositories/{name}/artifacts/{digest}`
/// (pull commands, an index's images, layers, referrers, the manifest).
extension WebUI {
    static let artifactsPerPage = 100

    func addRepositoryPages(to routes: UIRoutes) {
        routes.page("/repositories/**") { visit in
            let path = visit.request.uri.path.dropFirst("/repositories/".count)
            // A digest (`sha256:…`) cannot be a repository name's component (no colon), so this split is unambiguous.
            if let marker = path.range(of: "/artifacts/", options: .backwards),
               let digest = try? Digest(parsing: String(path[marker.upperBound...]))
            {
                return try await artifactPage(visit, repository: String(path[..<marker.lowerBound]), digest: digest)
            }
            return try await repositoryPage(visit, name: String(path))
        }
        // Deleting a tag or an artifact: Maintainers and up, after the page asked to confirm.
        routes.form("/repositories/**") { visit, form in
            let name = String(visit.request.uri.path.dropFirst("/repositories/".count))
            switch form["action"] {
            case "delete-tag":
                try await services.repositories.deleteTag(form["tag"] ?? "", in: name, by: visit.requester)
                return UIRoutes.redirect("/repositories/\(name)?done=tag-deleted")
            case "delete-artifact":
                guard let digest = try? Digest(parsing: form["digest"] ?? "") else {
                    throw RegistryError(.digestInvalid, "digest must be a digest such as sha256:…", status: 400)
                }
                try await services.repositories.deleteArtifact(digest, in: name, by: visit.requester)
                return UIRoutes.redirect("/repositories/\(name)?done=artifact-deleted")
            default:
                throw RegistryError(.unsupported, "unknown action", status: 400)
            }
        }
    }

    /// What a redirect after a change says it did (fixed texts: a query parameter cannot make the page say anything else).
    static func notice(_ visit: Visit) -> String? {
        switch visit.query("done") {
        case "tag-deleted": "The tag was deleted."
        case "artifact-deleted": "The artifact and its tags were deleted."
        default: nil
        }
    }

    private func repositoryPage(_ visit: Visit, name: String) async throws -> Response {
        let repository = try await services.repositories.repository(name, by: visit.requester)
        let byTag = visit.query("sort") == "tag"
        let tagged = visit.query("tag").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : String($0.prefix(128)) }
        // Newest first (keyset on push time), or one row per tag by name (keyset on the tag).
        var rows: [(tag: String?, listed: ArtifactService.Listed)]
        var next: String?
        if byTag {
            let found = try await services.artifacts.taggedArtifacts(
                in: repository, after: visit.query("after"), limit: Self.artifactsPerPage + 1, by: visit.requester)
            rows = found.prefix(Self.artifactsPerPage).map { (tag: $0.tag, listed: $0.listed) }
            if found.count > rows.count, let last = rows.last?.tag { next = "sort=tag&after=" + Self.queryValue(last) }
        } else {
            var cursor: ArtifactCursor?
            if let after = visit.query("after") {
                guard let parsed = ArtifactCursor(parsing: after) else {
                    throw RegistryError(.paginationNumberInvalid, "after must be a cursor from a Next link", status: 400)
                }
                cursor = parsed
            }
            let listed = try await services.artifacts.artifacts(
                in: repository.value, tagged: tagged, after: cursor, limit: Self.artifactsPerPage + 1, by: visit.requester)
            rows = listed.prefix(Self.artifactsPerPage).map { (tag: nil, listed: $0) }
            if listed.count > rows.count, let last = rows.last?.listed {
                next = "after=" + ArtifactCursor(last.artifact).description + (tagged.map { "&tag=" + Self.queryValue($0) } ?? "")
            }
        }
        let mayDelete = await services.permissions.holds(.projectRole(.maintainer, in: repository.project), visit.requester)
        var values: [String: Any] = [
            "name": repository.value, "project": repository.project, "host": visit.host, "hasArtifacts": !rows.isEmpty,
            "mayDelete": mayDelete, "tag": tagged ?? "", "filtered": tagged != nil && !byTag, "byTag": byTag,
        ]
        values["notice"] = Self.notice(visit)
        values["next"] = next
        values["artifacts"] = rows.map { row -> [String: Any] in
            let (artifact, scan) = (row.listed.artifact, row.listed.scan)
            var values: [String: Any] = [
                "digest": artifact.digest.description, "short": Formatting.shortDigest(artifact.digest.description),
                "tags": row.tag.map { [$0] } ?? artifact.tags, "tagList": row.tag ?? artifact.tags.joined(separator: " "),
                "size": artifact.imageSize.map(Formatting.size) ?? "", "platforms": artifact.platforms,
                "pushed": Formatting.time(artifact.pushedAt), "name": repository.value, "host": visit.host,
                "scan": Self.scanSummary(scan), "mayDelete": mayDelete, "csrf": visit.csrf,
                "referrers": artifact.referrers, "signed": artifact.signatures > 0,
            ]
            values["pulled"] = artifact.pulledAt.map { Formatting.time($0) }
            return values
        }
        return render("repository", title: "Repository \(repository.value)", values, visit: visit)
    }

    static func queryValue(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

    private func artifactPage(_ visit: Visit, repository name: String, digest: Digest) async throws -> Response {
        let found = try await services.repositories.manifest(digest, in: name, by: visit.requester)
        let repository = try RepositoryName(parsing: name)
        let bytes = [UInt8](found.stored.content)
        let manifest = try? Manifest(parsing: bytes, contentType: found.stored.mediaType)
        let host = visit.host
        let byDigest = "\(host)/\(name)@\(digest)"
        var commands: [[String: String]] = []
        if let tag = found.tags.first {
            let byTag = "\(host)/\(name):\(tag)"
            commands += [["tool": "docker", "command": "docker pull \(byTag)"], ["tool": "podman", "command": "podman pull \(byTag)"]]
        }
        commands += [
            ["tool": "docker", "command": "docker pull \(byDigest)"], ["tool": "podman", "command": "podman pull \(byDigest)"],
            ["tool": "skopeo", "command": "skopeo copy docker://\(byDigest) oci:image"],
        ]
        var values: [String: Any] = [
            "name": name, "project": repository.project, "digest": digest.description, "short": Formatting.shortDigest(digest.description),
            "tags": found.tags, "mediaType": found.stored.mediaType, "size": Formatting.size(Int64(bytes.count)), "commands": commands,
            "manifest": Self.prettyJSON(bytes),
        ]
        let layers = manifest?.layers ?? []
        values["hasLayers"] = !layers.isEmpty
        values["layers"] = layers.enumerated().map { index, layer -> [String: Any] in
            ["index": index + 1, "digest": layer.digest.description, "short": Formatting.shortDigest(layer.digest.description),
             "mediaType": layer.mediaType, "size": Formatting.size(layer.size)]
        }
        values["layerTotal"] = Formatting.size(layers.reduce(0) { $0 + max(0, $1.size) })
        let children = manifest?.manifests ?? []
        values["hasPlatforms"] = !children.isEmpty
        values["platforms"] = children.map { child -> [String: Any] in
            let platform = child.platform.map { [$0.os, $0.architecture, $0.variant].compactMap { $0 }.joined(separator: "/") } ?? "unknown"
            return ["platform": platform, "digest": child.digest.description, "short": Formatting.shortDigest(child.digest.description),
                    "size": Formatting.size(child.size), "name": name]
        }
        values["hasReferrers"] = !found.referrers.isEmpty
        values["referrers"] = found.referrers.map { referrer -> [String: Any] in
            ["type": referrer.artifactType ?? referrer.mediaType, "digest": referrer.digest.description,
             "short": Formatting.shortDigest(referrer.digest.description), "size": Formatting.size(referrer.size), "name": name]
        }
        if let scan = try await services.artifacts.overview(of: digest, in: repository, by: visit.requester) {
            var summary = Self.scanSummary(scan)
            if scan.counts != nil {
                let (shown, total) = try await services.scans.findings(
                    repository: name, digest: digest.description, limit: Self.findingsShown, by: visit.requester)
                summary["findings"] = shown.map(Self.findingValues)
                summary["hasFindings"] = !shown.isEmpty
                if total > shown.count { summary["more"] = "\(total - shown.count)" }
            }
            values["scan"] = summary
        }
        let verdict = try await services.signatures.verdict(repository: name, digest: digest.description, by: visit.requester)
        values["signatures"] = [
            "status": verdict.status.rawValue, "trusted": verdict.status == .trusted,
            "list": verdict.signatures.map { report -> [String: Any] in
                ["format": report.format, "short": Formatting.shortDigest(report.digest.description), "digest": report.digest.description,
                 "trustedBy": report.trustedBy.joined(separator: ", "), "isTrusted": !report.trustedBy.isEmpty, "error": report.error ?? "",
                 "name": name]
            },
        ] as [String: Any]
        values["signed"] = !verdict.signatures.isEmpty
        if let config = try await services.repositories.config(of: found.stored, in: name, by: visit.requester) {
            values["config"] = Self.configValues(config)
        }
        values["mayDelete"] = await services.permissions.holds(.projectRole(.maintainer, in: repository.project), visit.requester)
        return render("artifact", title: "Artifact \(name)@\(Formatting.shortDigest(digest.description))", values, visit: visit)
    }

    static let findingsShown = 200

    static func findingValues(_ finding: Finding) -> [String: Any] {
        let cve = finding.aliases.first { $0.hasPrefix("CVE-") }
        var values: [String: Any] = [
            "id": finding.id, "aliases": finding.aliases.joined(separator: ", "), "severity": finding.severity.lowercased(),
            "package": finding.package, "installed": finding.installedVersion,
            "score": finding.cvssScore.map { String(format: "%.1f", $0) } ?? "", "vector": finding.cvssVector ?? "",
            "link": "https://osv.dev/vulnerability/\(finding.id)",
        ]
        values["cve"] = cve
        values["fixed"] = finding.fixedVersion
        return values
    }

    static func configValues(_ config: ImageConfig) -> [String: Any] {
        var values: [String: Any] = [
            "platform": [config.os, config.architecture, config.variant].compactMap { $0 }.joined(separator: "/"),
            "environment": config.environment, "hasEnvironment": !config.environment.isEmpty,
            "labels": config.labels.map { ["name": $0.name, "value": $0.value] }, "hasLabels": !config.labels.isEmpty,
            "history": config.history.enumerated().map { ["index": $0.offset + 1, "step": $0.element.createdBy, "empty": $0.element.emptyLayer] },
            "hasHistory": !config.history.isEmpty,
        ]
        if !config.entrypoint.isEmpty { values["entrypoint"] = config.entrypoint.joined(separator: " ") }
        if !config.command.isEmpty { values["command"] = config.command.joined(separator: " ") }
        values["workingDirectory"] = config.workingDirectory
        values["runAs"] = config.user
        if let created = config.created, let date = try? Date(created, strategy: .iso8601) { values["created"] = Formatting.time(date) }
        return values
    }

    /// A scan's status and, once it completed, its findings per severity (highest first, zeros left out).
    static func scanSummary(_ scan: SQLScanStore.Overview?) -> [String: Any] {
        guard let scan else { return ["status": "not scanned"] }
        guard let counts = scan.counts else { return ["status": scan.status.rawValue] }
        let list = ScanDocument.summary(counts: counts)
            .filter { $0.value > 0 }
            .sorted { ScanService.rank($0.key) > ScanService.rank($1.key) }
            .map { ["severity": $0.key, "count": $0.value] as [String: Any] }
        return ["status": scan.status.rawValue, "counts": ["hasAny": !list.isEmpty, "list": list] as [String: Any]]
    }

    /// The manifest as stored, indented for reading (as is when it does not parse).
    static func prettyJSON(_ bytes: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
              let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: pretty, as: UTF8.self)
    }
}
