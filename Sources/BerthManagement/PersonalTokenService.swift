import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import Logging
import OCI

/// A signed-in user's personal access tokens (`/api/v1/me/tokens`): for
/// `docker login` with the user's name, each limited to the projects and
/// actions it lists (within the user's own roles), with an expiry, shown
/// once, revocable at once. Only a password sign-in manages them: a token
/// cannot make or list tokens.
public struct PersonalTokenService: Sendable {
    let authenticator: Authenticator
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    public struct NewToken: Sendable {
        public let name: String
        public let projects: [String: [String]]
        public let expiresInDays: Int?

        public init(name: String, projects: [String: [String]], expiresInDays: Int?) {
            (self.name, self.projects, self.expiresInDays) = (name, projects, expiresInDays)
        }
    }

    public struct Issued: Sendable {
        public let token: PersonalToken
        public let secret: String
    }

    static let defaultDays = 90
    static let maxDays = 3650
    static let maxTokens = 100

    private var accounts: any AccountStore { authenticator.accounts }

    public func tokens(by requester: Requester) async throws -> [PersonalToken] {
        try await accounts.personalTokens(of: try await user(requester))
    }

    public func create(_ new: NewToken, by requester: Requester) async throws -> Issued {
        let user = try await user(requester)
        try AccountNames.validate(new.name, what: "token")
        let days = new.expiresInDays ?? Self.defaultDays
        guard (1...Self.maxDays).contains(days) else {
            throw RegistryError(.unsupported, "expires_in_days must be 1 to \(Self.maxDays) (a token always expires)", status: 400)
        }
        guard !new.projects.isEmpty, new.projects.count <= 100 else {
            throw RegistryError(.unsupported, "projects must name 1 to 100 projects, each with its actions", status: 400)
        }
        var projects: [String: Set<String>] = [:]
        for (project, actions) in new.projects {
            guard !actions.isEmpty, actions.allSatisfy({ Action(rawValue: $0) != nil }) else {
                throw RegistryError(.unsupported, "project \(project.prefix(64)): actions are pull, push and delete", status: 400)
            }
            guard try await accounts.project(named: project) != nil else {
                throw RegistryError(.nameUnknown, "no project \(project.prefix(64))", status: 404)
            }
            projects[project] = Set(actions)
        }
        guard try await accounts.personalTokens(of: user).count < Self.maxTokens else {
            throw RegistryError(.denied, "a user holds at most \(Self.maxTokens) tokens: revoke one first", status: 409)
        }
        let secret = PersonalToken.prefix + Secrets.random(length: 40)
        let token = PersonalToken(
            user: user, name: new.name, secretHash: Authenticator.secretHash(secret), projects: projects,
            expiresAt: Date().addingTimeInterval(Double(days) * 86_400))
        do {
            try await accounts.createPersonalToken(token)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "you have a token named \(new.name) already", status: 409)
        }
        requester.logger.notice("personal access token created", metadata: ["user": "\(user)", "token": "\(new.name)"])
        audit.record(requester, .created, "users/\(user)/tokens/\(new.name)", project: nil)
        return Issued(token: token, secret: secret)
    }

    public func revoke(_ name: String, by requester: Requester) async throws {
        let user = try await user(requester)
        guard let token = try await accounts.personalTokens(of: user).first(where: { $0.name == name }),
              try await accounts.deletePersonalToken(of: user, named: name)
        else { throw RegistryError(.nameUnknown, "you have no token named \(name.prefix(64))", status: 404) }
        authenticator.revoked(personalToken: Authenticator.instance(of: token))
        requester.logger.notice("personal access token revoked", metadata: ["user": "\(user)", "token": "\(name)"])
        audit.record(requester, .deleted, "users/\(user)/tokens/\(name)", project: nil)
    }

    /// The signed-in user (robots have no personal tokens).
    private func user(_ requester: Requester) async throws -> String {
        let identity = try await permissions.check(.signedIn, requester)
        guard case .user(let name, _) = identity else {
            throw RegistryError(.denied, "personal access tokens belong to users, not robots")
        }
        return name
    }
}
