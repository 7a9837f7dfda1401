import Contracts
import Cryptography

/// Webhook secrets and the `Psync-Signature` header (`WebhookHeaders` says how receivers check it).
///
/// ```swift
/// let secret = WebhookSigning.makeSecret()                       // "whsec_" + 64 hex digits, shown to the person once
/// let header = WebhookSigning.signature(secret: secret, timestamp: 1_764_000_000, body: body)   // "t=1764000000,v1=…"
/// ```
enum WebhookSigning {
    static let secretPrefix = "whsec_"

    /// A new secret: `whsec_` and the hex of 32 random bytes from OpenSSL's generator.
    static func makeSecret() -> String {
        secretPrefix + Hex.string(SecureRandom.bytes(count: 32))
    }

    /// Whether `text` has the shape of a secret this service makes.
    static func isSecret(_ text: String) -> Bool {
        text.hasPrefix(secretPrefix) && text.utf8.count == secretPrefix.utf8.count + 64
            && Hex.bytes(String(text.dropFirst(secretPrefix.count))) != nil
    }

    /// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`; the key is the whole secret's UTF-8, prefix included.
    static func signature(secret: String, timestamp: Int, body: [UInt8]) -> String {
        let tag = HMACSHA256.authenticationCode(for: WebhookHeaders.signedText(timestamp: timestamp, body: body), key: Array(secret.utf8))
        return "t=\(timestamp),v1=\(Hex.string(tag))"
    }
}
