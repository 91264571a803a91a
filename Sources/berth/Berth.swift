import ArgumentParser

@main
struct Berth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "A self-hosted OCI container registry in one binary.",
        subcommands: [Serve.self, UserCommand.self, ProjectCommand.self, RobotCommand.self, GCCommand.self, MigrateCommand.self, PinCommand.self])
}
