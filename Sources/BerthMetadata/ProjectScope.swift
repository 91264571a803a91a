/// The repositories of a project in SQL: the one named exactly like the
/// project (`team`) and those under it (`team/…`, which sort from `team/`
/// up to `team0`, '0' following '/'), so that both are counted, kept and
/// emptied alike and `team2/…` is not.
enum ProjectScope {
    /// A condition on `column`, to be bound with `arguments(project)`.
    static func condition(_ column: String) -> String {
        "(\(column) = ? OR (\(column) >= ? AND \(column) < ?))"
    }

    static func arguments(_ project: String) -> [SQLValue] {
        [.text(project), .text(project + "/"), .text(project + "0")]
    }
}
