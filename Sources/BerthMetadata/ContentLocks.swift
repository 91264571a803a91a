import OCI

/// The locks that keep the content's read-committed writes from meeting
/// (on PostgreSQL; on SQLite writers take turns). Always taken in the
/// order project, repository, tag, so no two writers wait for each other
/// in a circle:
///
/// - a tag write holds its project and repository shared and the tag
///   exclusive: pushes to one repository run side by side, one at a time
///   per tag, and each sees the tag as the previous push left it;
/// - removing manifests (a delete, garbage collection) holds the
///   repository exclusive: no push is between its checks and its commit,
///   so no tag or index can point at a manifest it takes away;
/// - deleting a project holds the project exclusive, so its "no manifest
///   left" check sees every push that went before.
///
/// Blobs are held by row locks instead: a push locks the blob rows it
/// references (`FOR KEY SHARE`), garbage collection locks a blob's row
/// (`FOR UPDATE`) before it re-checks that nothing references it.
enum ContentLocks {
    static func tagWrite(_ repository: RepositoryName, _ tag: Tag?) -> [SQLLock] {
        [.shared(project(repository.project)), .shared(Self.repository(repository.value))]
            + (tag.map { [.exclusive("tag\t\(repository.value)\t\($0.value)")] } ?? [])
    }

    /// The tags a push moves besides its own (semver aliases), after its
    /// own tag's locks and in one order on every node. Aliases are never
    /// the kind of tag that moves aliases, so no two pushes wait in a circle.
    static func aliasWrites(_ repository: RepositoryName, _ tags: [String]) -> [SQLLock] {
        tags.sorted().map { .exclusive("tag\t\(repository.value)\t\($0)") }
    }

    static func manifestRemoval(_ repository: String) -> [SQLLock] {
        [.shared(project(String(repository.prefix { $0 != "/" }))), .exclusive(Self.repository(repository))]
    }

    static func projectRemoval(_ project: String) -> [SQLLock] {
        [.exclusive(Self.project(project))]
    }

    private static func project(_ name: String) -> String { "project\t" + name }
    private static func repository(_ name: String) -> String { "repository\t" + name }
}
