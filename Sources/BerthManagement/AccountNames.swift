import OCI

/// What user, project and robot names may be: one component of a
/// repository name, so that a project name can begin a repository's and a
/// robot's full name (`robot$team+ci`) can be parsed back.
enum AccountNames {
    static func validate(_ name: String, what: String) throws {
        guard (try? RepositoryName(parsing: name)) != nil, !name.contains("/"), name.count <= 64 else {
            throw RegistryError(.nameInvalid, "\(what) names are lowercase letters and digits, separated by '.', '_' or '-'")
        }
    }
}
