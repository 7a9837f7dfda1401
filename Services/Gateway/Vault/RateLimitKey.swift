import Brokers
import Cryptography

/// What an account's broker calls count against, as the broker counts them (`RateLimitRule.Scope`); never a secret itself.
enum RateLimitKey {
    /// Per API key (Kite, Alpaca): the account's `apiKeyID`, else a digest of its key field; accounts on one key share it.
    /// Per user (Upstox, Dhan): a digest of the broker's id of the user (the rule's `userField`), else the account itself, so two
    /// users never share a bucket.
    static func make(_ fields: [String: String], accountID: Int, apiKeyID: String?, rule: RateLimitRule) -> String {
        switch rule.scope {
        case .apiKey:
            if let apiKeyID { return "id-\(apiKeyID)" }
            for field in ["api_key", "key_id", "client_id"] {
                if let value = fields[field] { return "key-" + SHA256.hexDigest(value).prefix(16) }
            }
            // No key to tell accounts apart (the sandbox's bearer tokens): one shared bucket, as a per-key limit means.
            return "default"
        case .user:
            // The field the broker names (`rule.userField`), never an app's id (Upstox's `client_id` is shared by every user).
            if let user = fields[rule.userField], !user.isEmpty { return "user-" + SHA256.hexDigest(user).prefix(16) }
            return "account-\(accountID)"
        }
    }
}
