import Cryptography

/// HMAC-SHA256 tags under the monitor's session secret: on cookies, on the records kept in Redis, and as
/// fingerprints of the tokens sessions were made with. Without the secret none of them can be made, so whatever
/// is written into Redis by someone else is worthless.
struct SessionSigner: Sendable {
    private let key: [UInt8]

    /// A signer whose key is derived from `secret` (so the raw secret is never used as a key anywhere else).
    init(secret: [UInt8]) {
        key = HMACSHA256.authenticationCode(for: Array("psync-monitor session key v1".utf8), key: secret)
    }

    /// A signer with a random secret that lives as long as the process.
    static func ephemeral() -> SessionSigner {
        SessionSigner(secret: SecureRandom.bytes(count: 32))
    }

    /// The tag, as lowercase hex, of `parts` under the label `purpose` (parts never contain NUL).
    func tag(_ purpose: String, _ parts: [String]) -> String {
        let message = ([purpose] + parts).joined(separator: "\u{0}")
        return Hex.string(HMACSHA256.authenticationCode(for: Array(message.utf8), key: key))
    }

    /// Whether `tag` is the tag of `parts` under `purpose`, compared in constant time.
    func verify(_ tag: String, _ purpose: String, _ parts: [String]) -> Bool {
        ConstantTime.equals(tag, self.tag(purpose, parts))
    }

    /// A fingerprint of a bearer token: equal for equal tokens, and says nothing about the token without the secret.
    func fingerprint(ofToken token: String) -> String {
        tag("token", [token])
    }

    /// `value.tag`: a random id with its tag, the form cookies and login links carry.
    func signed(_ purpose: String, _ value: String) -> String {
        "\(value).\(tag(purpose, [value]))"
    }

    /// The id inside `text` when it is `id.tag` with a valid tag; `nil` otherwise.
    func unsigned(_ purpose: String, _ text: String) -> String? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, SessionStore.isWellFormed(String(parts[0])), SessionStore.isWellFormed(String(parts[1])) else { return nil }
        return verify(String(parts[1]), purpose, [String(parts[0])]) ? String(parts[0]) : nil
    }
}
