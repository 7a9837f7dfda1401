import Brokers
import Contracts
import Cryptography
import FoundationEssentials

/// Seals and opens an account's broker credentials with this broker's key ring (AES-256-GCM).
///
/// The associated data binds a box to its account and broker, so a box copied to another account
/// does not open. Plaintext exists only inside `open`'s caller for the length of one broker call.
struct CredentialVault: Sendable {
    let broker: String
    let keys: KeyRing?

    /// The current key id, for listing boxes that need re-sealing.
    var currentKeyID: String? { keys?.currentKeyID }

    func seal(_ credentials: [String: String], accountID: Int) throws -> SealedBox {
        let keys = try ring()
        let plaintext = try JSONCoding.encode(credentials)
        return try keys.seal(plaintext, associatedData: associatedData(accountID))
    }

    /// The account's credentials, counted against the rate-limit key `RateLimitKey` gives under `rule`.
    func open(_ stored: SealedCredentials, apiKeyID: String?, rule: RateLimitRule) throws -> BrokerCredentials {
        let keys = try ring()
        let box: SealedBox
        let plaintext: [UInt8]
        do {
            box = try SealedBox(base64: stored.sealedBox)
            plaintext = try keys.open(box, associatedData: associatedData(stored.accountID))
        } catch let error as CryptoError where error.isUnknownKeyID {
            // Our set-up, not the account: this replica lacks a key others (or an earlier rotation) used.
            throw OwnFault.configuration(
                "the credentials of account \(stored.accountID) are sealed with a key this gateway does not hold (\(error.message)); "
                    + "give it every key id in use (PSYNC_MASTER_KEY / PSYNC_\(broker)_KEY and the previous keys)")
        } catch let error as CryptoError {
            // A box that was altered, or sealed for another account, needs new credentials: the account must log in again.
            throw BrokerError.auth("the stored credentials of account \(stored.accountID) cannot be opened: \(error.message)")
        }
        guard let fields = try? JSONCoding.decode([String: String].self, from: plaintext) else {
            throw BrokerError.auth("the stored credentials of account \(stored.accountID) are not a JSON object of strings")
        }
        return BrokerCredentials(fields, rateLimitKey: RateLimitKey.make(fields, accountID: stored.accountID, apiKeyID: apiKeyID, rule: rule))
    }

    /// Re-seals under the current key (rotation); the plaintext never leaves this call.
    func reseal(_ stored: SealedCredentials) throws -> SealedBox {
        let keys = try ring()
        return try keys.reseal(try SealedBox(base64: stored.sealedBox), associatedData: associatedData(stored.accountID))
    }

    func associatedData(_ accountID: Int) -> [UInt8] {
        Array("psync account:\(accountID) broker:\(broker)".utf8)
    }

    private func ring() throws -> KeyRing {
        guard let keys else {
            throw OwnFault.configuration("this gateway has no credential key; set PSYNC_MASTER_KEY (or PSYNC_\(broker)_KEY)")
        }
        return keys
    }
}
