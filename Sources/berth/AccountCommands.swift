import ArgumentParser
import BerthRegistry
import BerthAuth
import BerthMetadata
import Foundation

/// Where the account commands find the registry's database: the same data
/// folder `serve` uses. They work while the server runs (SQLite in WAL
/// mode lets both write; the server reads accounts afresh on each request).
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Data folder of the registry (default: BERTH_DATA or ./berth-data).")
    var data: String?

    @Option(name: .long, help: "bcrypt cost for new passwords and secrets (default 10).")
    var passwordCost: UInt8 = 10

    func validate() throws {
        // bcrypt's own check is a precondition: it would stop the process.
        guard (4...31).contains(passwordCost) else { throw ValidationError("--password-cost must be 4 to 31") }
    }

    func open() async throws -> SQLAccountStore {
        let folder = data ?? ProcessInfo.processInfo.environment["BERTH_DATA"] ?? "./berth-data"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Opening brings the schema up to date.
        return try await SQLStores.open(backend: try SQLiteBackend(path: folder + "/metadata.sqlite")).accounts
    }

    var hasher: PasswordHasher { PasswordHasher(cost: passwordCost) }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self, List.self, Passwd.self, Disable.self, Enable.self, Delete.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        @Option(help: "The password (at least 8 characters).") var password: String
        @Option(help: "E-mail address.") var email = ""
        @Flag(help: "Make the user a system administrator.") var admin = false

        func run() async throws {
            guard password.count >= 8 else { throw ValidationError("the password needs at least 8 characters") }
            guard name != FederatedSignIn.userName else {
                throw ValidationError("the user name \(FederatedSignIn.userName) is reserved for signing in with OIDC tokens")
            }
            let accounts = try await options.open()
            try await accounts.createUser(User(name: name, email: email, passwordHash: options.hasher.hash(password), isAdmin: admin))
            print("created user \(name)\(admin ? " (administrator)" : "")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: DataOptions

        func run() async throws {
            for user in try await options.open().users() {
                print([user.name, user.email, user.isAdmin ? "admin" : "", user.isDisabled ? "disabled" : ""]
                    .filter { !$0.isEmpty }.joined(separator: "\t"))
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        @Option(help: "The new password (at least 8 characters).") var password: String

        func run() async throws {
            guard password.count >= 8 else { throw ValidationError("the password needs at least 8 characters") }
            let accounts = try await options.open()
            guard var user = try await accounts.user(named: name) else { throw ValidationError("no user \(name)") }
            user.passwordHash = options.hasher.hash(password)
            _ = try await accounts.updateUser(user)
            print("changed the password of \(name)")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse a user's sign-ins.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        func run() async throws { try await setDisabled(options, name, true) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a disabled user's sign-ins again.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        func run() async throws { try await setDisabled(options, name, false) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user and their memberships.")
        @OptionGroup var options: DataOptions
        @Argument var name: String

        func run() async throws {
            guard try await options.open().deleteUser(named: name) else { throw ValidationError("no user \(name)") }
            print("deleted user \(name)")
        }
    }

    static func setDisabled(_ options: DataOptions, _ name: String, _ disabled: Bool) async throws {
        let accounts = try await options.open()
        guard var user = try await accounts.user(named: name) else { throw ValidationError("no user \(name)") }
        user.isDisabled = disabled
        _ = try await accounts.updateUser(user)
        print("\(disabled ? "disabled" : "enabled") user \(name)")
    }
}

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Manage projects and their members.", subcommands: [Add.self, List.self, Member.self, Delete.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        @Flag(help: "Anyone may pull from it, even anonymously.") var `public` = false

        func run() async throws {
            try await options.open().createProject(Project(name: name, isPublic: `public`))
            print("created \(`public` ? "public" : "private") project \(name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects.")
        @OptionGroup var options: DataOptions

        func run() async throws {
            for project in try await options.open().projects() {
                print("\(project.name)\t\(project.isPublic ? "public" : "private")")
            }
        }
    }

    struct Member: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user a role in a project (guest, developer, maintainer, projectadmin), or remove it with --remove.")
        @OptionGroup var options: DataOptions
        @Argument var project: String
        @Argument var user: String
        @Argument var role: Role?
        @Flag var remove = false

        func run() async throws {
            let accounts = try await options.open()
            if remove {
                _ = try await accounts.removeMember(user, from: project)
                print("removed \(user) from \(project)")
                return
            }
            guard let role else { throw ValidationError("give a role: guest, developer, maintainer or projectadmin") }
            guard try await accounts.project(named: project) != nil else { throw ValidationError("no project \(project)") }
            guard try await accounts.user(named: user) != nil else { throw ValidationError("no user \(user)") }
            try await accounts.setMember(user, of: project, role: role)
            print("\(user) is \(role.rawValue) of \(project)")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an empty project with its members, robots, rules and webhooks.")
        @OptionGroup var options: DataOptions
        @Argument var name: String

        func run() async throws {
            do {
                guard try await options.open().deleteProject(named: name) else { throw ValidationError("no project \(name)") }
            } catch AccountStoreError.projectNotEmpty(let repository) {
                throw ValidationError("project \(name) still holds artifacts (in \(repository) first): delete them first")
            }
            print("deleted project \(name)")
        }
    }
}

extension Role: ExpressibleByArgument {}

struct RobotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robot", abstract: "Manage robot accounts for CI.", subcommands: [Add.self, List.self, Delete.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create robot$PROJECT+NAME and print its secret, once.")
        @OptionGroup var options: DataOptions
        @Argument var project: String
        @Argument var name: String
        @Option(help: "Comma-separated: pull, push, delete, scan (pulls past the vulnerability policy: for scanners).") var permissions = "pull"
        @Option(help: "Days until it expires (default: never).") var expiresInDays: Int?

        func run() async throws {
            let accounts = try await options.open()
            guard try await accounts.project(named: project) != nil else { throw ValidationError("no project \(project)") }
            let actions = Set(permissions.split(separator: ",").map(String.init))
            guard !actions.isEmpty, actions.allSatisfy({ Action(rawValue: $0) != nil }) else {
                throw ValidationError("permissions are pull, push, delete and scan")
            }
            if let days = expiresInDays, !(1...36_500).contains(days) {
                throw ValidationError("--expires-in-days must be 1 to 36500")
            }
            let secret = Secrets.random(length: 32)
            let robot = Robot(
                name: Robot.fullName(name, project: project), project: project, secretHash: options.hasher.hash(secret),
                permissions: [project: actions], expiresAt: expiresInDays.map { Date().addingTimeInterval(Double($0) * 86400) })
            try await accounts.createRobot(robot)
            print("name:   \(robot.name)\nsecret: \(secret)\n(the secret is shown only now)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the robots of a project.")
        @OptionGroup var options: DataOptions
        @Argument var project: String

        func run() async throws {
            for robot in try await options.open().robots(of: project) {
                let actions = robot.permissions[project]?.sorted().joined(separator: ",") ?? ""
                print("\(robot.name)\t\(actions)\(robot.isUsable() ? "" : "\tunusable")")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete robot$PROJECT+NAME.")
        @OptionGroup var options: DataOptions
        @Argument var project: String
        @Argument var name: String

        func run() async throws {
            guard try await options.open().deleteRobot(named: Robot.fullName(name, project: project)) else {
                throw ValidationError("no such robot")
            }
            print("deleted \(Robot.fullName(name, project: project))")
        }
    }
}
