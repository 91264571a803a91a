import ArgumentParser
import BerthServer
import Foundation

extension Configuration {
    /// The server's configuration as a maintenance command sees it: the YAML
    /// file, then `BERTH_*` variables, then `--data`; a bad value is a usage error.
    static func forCommand(config: String?, data: String?) throws -> Configuration {
        var configuration = Configuration()
        do {
            if let config { try configuration.apply(yaml: String(contentsOfFile: config, encoding: .utf8)) }
            try configuration.apply(environment: ProcessInfo.processInfo.environment)
            if let data { configuration.data = data }
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        return configuration
    }
}
