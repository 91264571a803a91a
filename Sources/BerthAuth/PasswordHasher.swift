import Dispatch
import HummingbirdBcrypt

/// bcrypt, with a cost chosen by configuration (tests use a low one).
public struct PasswordHasher: Sendable {
    public let cost: UInt8
    /// A hash nobody's password matches, verified against when a user does
    /// not exist so that the answer takes as long as for a wrong password:
    /// made at the configured cost, or the timing would tell.
    public let decoy: String

    public init(cost: UInt8 = 10) {
        self.cost = cost
        decoy = Bcrypt.hash("not a password of anyone", cost: cost)
    }

    public func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Constant-time in the hash comparison (bcrypt's own).
    public func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// `verify` on a thread of its own: bcrypt takes tens of milliseconds,
    /// which would stall one of the few cooperative threads every request
    /// shares.
    public func verifyOffPool(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: Bcrypt.verify(password, hash: hash))
            }
        }
    }
}
