import Mustache

/// The UI's Mustache templates, compiled once. Each page's template
/// extends `layout`; partials are referred to by these names.
enum Templates {
    static func library() throws -> MustacheLibrary {
        let all: [(String, String)] = [
            ("layout", layout), ("csrf", csrf), ("error", error), ("login", login), ("projects", projects), ("project", project), ("projectHeader", projectHeader), ("members", members), ("robots", robots), ("audit", audit), ("policies", policies),
            ("repository", repository), ("scanSummary", scanSummary), ("deleteArtifact", deleteArtifact), ("artifact", artifact), ("search", search), ("adminHeader", adminHeader), ("admin", admin), ("users", users), ("gc", gc), ("registries", registries),
        ]
        var library = MustacheLibrary()
        for (name, text) in all {
            do {
                try library.register(text, named: name)
            } catch {
                throw TemplateError(name: name, error: error)
            }
        }
        return library
    }

    struct TemplateError: Error, CustomStringConvertible {
        let name: String
        let error: any Error
        var description: String { "the UI template \(name) does not parse: \(error)" }
    }
}
