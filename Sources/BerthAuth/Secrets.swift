/// Random secrets from the system's CSPRNG.
public enum Secrets {
    /// `length` letters and digits: robot secrets, generated passwords.
    /// Look-alikes are left out of passwords a person may have to type.
    public static func random(length: Int, readable: Bool = false) -> String {
        let alphabet = Array(
            readable
                ? "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
                : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
