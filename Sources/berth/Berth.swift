import ArgumentParser
import Foundation

struct Berth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "A self-hosted OCI container registry in one binary.",
        subcommands: [
            Serve.self, UserCommand.self, ProjectCommand.self, RobotCommand.self, GCCommand.self, MigrateCommand.self, PinCommand.self,
            CredentialHelperCommand.self, CopyCommand.self, DigestCommand.self, VulndbCommand.self,
        ])
}

/// `berth …`, or, installed (linked) as `docker-credential-berth`, the
/// credential helper docker and skopeo call with the action as argument.
@main
enum Entry {
    static func main() async {
        let invokedAs = URL(fileURLWithPath: CommandLine.arguments.first ?? "").lastPathComponent
        if invokedAs == CredentialHelper.installedName {
            exit(CredentialHelper.run(Array(CommandLine.arguments.dropFirst())))
        }
        await Berth.main()
    }
}
