import BerthManagement
import BerthMetadata
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/search?q=` (repositories and tags whose names contain the text, in
/// projects the user may see) and `/search/suggestions?q=`, the JSON list
/// the search box offers while one types.
extension WebUI {
    static let searchResults = 50
    static let suggestions = 10

    func addSearchPages(to routes: UIRoutes) {
        routes.page("/search") { visit in
            let query = String((visit.query("q") ?? "").trimmingCharacters(in: .whitespaces).prefix(128))
            let found = try await services.repositories.search(query, limit: Self.searchResults, by: visit.requester)
            let values: [String: Any] = [
                "query": query, "hasQuery": !query.isEmpty, "repositories": found.repositories,
                "tags": found.tags.map { ["repository": $0.repository, "tag": $0.tag, "digest": $0.digest] },
            ]
            return render("search", title: query.isEmpty ? "Search" : "Search: \(query)", values, visit: visit)
        }
        routes.page("/search/suggestions") { visit in
            let query = String((visit.query("q") ?? "").trimmingCharacters(in: .whitespaces).prefix(128))
            let found = try await services.repositories.search(query, limit: Self.suggestions, by: visit.requester)
            let names = found.repositories + found.tags.map { "\($0.repository):\($0.tag)" }
            let json = try JSONSerialization.data(withJSONObject: names, options: [.withoutEscapingSlashes])
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store", .contentLength: "\(json.count)"],
                body: .init(byteBuffer: ByteBuffer(bytes: json)))
        }
    }
}
