import OCI

/// The 404s of the management services, each naming what was asked for
/// (cut short, so that a huge name does not make a huge answer).
extension RegistryError {
    static func userUnknown(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "no user \(name.prefix(64))", status: 404)
    }

    static func projectUnknown(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "no project \(name.prefix(64))", status: 404)
    }

    static func robotUnknown(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "no robot \(name.prefix(80))", status: 404)
    }

    static func repositoryUnknown(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "no repository \(name.prefix(300))", status: 404)
    }

    static func artifactUnknown(_ digest: String) -> RegistryError {
        RegistryError(.manifestUnknown, "no artifact \(digest.prefix(80))", status: 404)
    }
}
