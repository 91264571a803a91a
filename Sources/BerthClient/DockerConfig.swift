import Foundation

/// Credentials from docker's config file (`$DOCKER_CONFIG/config.json`,
/// else `~/.docker/config.json`): the `auths` entries that hold a
/// base64 `user:password`, keyed by registry host with or without a scheme.
public enum DockerConfig {
    public static func credentials(path: String? = nil) -> [String: RegistryClient.Credentials] {
        let environment = ProcessInfo.processInfo.environment
        let file = path ?? (environment["DOCKER_CONFIG"].map { $0 + "/config.json" } ?? NSHomeDirectory() + "/.docker/config.json")
        guard let data = FileManager.default.contents(atPath: file), data.count < 1 << 20,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let auths = object["auths"] as? [String: Any]
        else { return [:] }
        var found: [String: RegistryClient.Credentials] = [:]
        for (key, value) in auths {
            guard let auth = (value as? [String: Any])?["auth"] as? String, let decoded = Data(base64Encoded: auth),
                  let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
            else { continue }
            found[host(of: key)] = .init(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        return found
    }

    /// `https://index.docker.io/v1/` → `registry-1.docker.io`; `host:port/` → `host:port`.
    static func host(of key: String) -> String {
        var host = key
        for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host.removeFirst(scheme.count) }
        host = String(host.prefix { $0 != "/" })
        return ["index.docker.io", "docker.io"].contains(host) ? "registry-1.docker.io" : host
    }
}
