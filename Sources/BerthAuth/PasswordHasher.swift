import HummingbirdBcrypt

/// bcrypt, with a cost chosen by configuration (tests use a low one).
public struct PasswordHasher: Sendable {
    public let cost: UInt8

    public init(cost: UInt8 = 10) {
        self.cost = cost
    }

    public func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Constant-time in the hash comparison (bcrypt's own).
    public func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// A hash nobody's password matches, verified against when a user does
    /// not exist so that the answer takes as long as for a wrong password.
    public var decoy: String { Self.decoyHash }
    private static let decoyHash = Bcrypt.hash("not a password of anyone", cost: 10)
}
