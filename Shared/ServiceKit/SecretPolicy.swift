/// Refuses, at start-up, secrets that are too short or are placeholders nobody replaced.
///
/// A placeholder is a value with a "change me" word in it (as `compose/.env.example` ships), or one that is a
/// short unit repeated (`000…0`, `5a5a…5a`, `abcabc…`): no random generator produces those.
///
/// ```swift
/// try SecretPolicy.check(secret, setting: "PSYNC_MONITOR_SESSION_SECRET", minimumLength: 32)
/// ```
public enum SecretPolicy {
    /// Words that mark a value as a placeholder to be replaced.
    static let placeholderWords = ["changeme", "change-me", "change_me", "replaceme", "replace-me", "replace_me", "placeholder"]

    /// Throws a `ConfigurationError` naming `setting` when `value` is shorter than `minimumLength` or a placeholder.
    /// The message never contains the value.
    public static func check(_ value: String, setting: String, minimumLength: Int) throws {
        if value.count < minimumLength {
            throw ConfigurationError("\(setting) must be at least \(minimumLength) characters")
        }
        if isPlaceholder(value) {
            throw ConfigurationError("\(setting) is a placeholder; replace it with a random value (e.g. `openssl rand -hex 32`)")
        }
    }

    /// Whether `value` is a placeholder: a "change me" word, or a unit of at most 4 characters repeated.
    public static func isPlaceholder(_ value: String) -> Bool {
        let lowered = value.lowercased()
        if placeholderWords.contains(where: { lowered.contains($0) }) { return true }
        let characters = Array(value)
        guard characters.count > 1 else { return true }
        for period in 1...min(4, characters.count - 1) where characters.count % period == 0 {
            if characters.indices.allSatisfy({ characters[$0] == characters[$0 % period] }) { return true }
        }
        return false
    }
}
