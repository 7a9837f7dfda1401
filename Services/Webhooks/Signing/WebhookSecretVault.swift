import Cryptography
import FoundationEssentials

/// Seals and opens webhook secrets with psync-webhooks' key ring (AES-256-GCM, `SealedBox` with its key id, so keys can
/// rotate: the current key seals, any key in the ring opens).
///
/// The associated data binds a box to its subscription's URL: a box copied onto another subscription (in the database)
/// does not open, so nobody can have real events signed with a known subscription's secret and sent elsewhere.
struct WebhookSecretVault: Sendable {
    let keys: KeyRing

    /// The secret sealed for the subscription at `url`, as base64 (how persistence stores it).
    func seal(_ secret: String, url: String) throws -> String {
        try keys.seal(Array(secret.utf8), associatedData: associatedData(url)).base64
    }

    /// The secret of the subscription at `url`; throws a `WebhookSecretError` that never contains it.
    func open(_ sealed: String, url: String) throws(WebhookSecretError) -> String {
        let plaintext: [UInt8]
        do {
            plaintext = try keys.open(try SealedBox(base64: sealed), associatedData: associatedData(url))
        } catch let error as CryptoError where error.isUnknownKeyID {
            throw WebhookSecretError(
                "the secret is sealed with a key this psync-webhooks does not hold (\(error.message)); add it to PSYNC_WEBHOOKS_PREVIOUS_KEYS")
        } catch {
            throw WebhookSecretError("the sealed secret cannot be opened (altered, or sealed for another URL)")
        }
        let secret = String(decoding: plaintext, as: UTF8.self)
        guard WebhookSigning.isSecret(secret) else { throw WebhookSecretError("the sealed secret is not a webhook secret") }
        return secret
    }

    private func associatedData(_ url: String) -> [UInt8] {
        Array("psync webhook-secret url:\(url)".utf8)
    }
}

/// A secret that cannot be opened: a fault of our own set-up or data, never charged to the subscription.
struct WebhookSecretError: Error, CustomStringConvertible, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
