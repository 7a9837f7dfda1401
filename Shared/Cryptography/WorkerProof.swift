/// How a service proves, before a caller sends it a token or a credential, that it already holds the caller's token.
///
/// Addresses of services come from heartbeats in Redis, which anyone who can write to Redis could forge. So the
/// caller first sends a random challenge to `GET /v1/identity`; the service answers, for each token it accepts,
/// HMAC-SHA256 keyed by SHA-256 of that token over the address it advertises and the challenge. The caller computes
/// the same with its own token and the address it is about to call: a forged address cannot answer (it does not hold
/// the token), and cannot relay a real service's answer (that one names the real service's address).
///
/// ```swift
/// let proof = WorkerProof.make(token: token, address: "http://127.0.0.1:7105", challenge: challenge)
/// WorkerProof.matches(answer.proofs, token: token, address: "http://127.0.0.1:7105", challenge: challenge)  // true
/// ```
public enum WorkerProof {
    /// One proof, as lowercase hex.
    public static func make(token: String, address: String, challenge: String) -> String {
        make(tokenHash: SHA256.hash(Array(token.utf8)), address: address, challenge: challenge)
    }

    /// One proof from the token's SHA-256 (all a service keeps of the tokens it accepts), as lowercase hex.
    public static func make(tokenHash key: [UInt8], address: String, challenge: String) -> String {
        let message = Array("psync worker proof v1\n\(address)\n\(challenge)".utf8)
        return Hex.string(HMACSHA256.authenticationCode(for: message, key: key))
    }

    /// The most proofs a caller looks at.
    public static let maximumProofs = 16

    /// Whether one of `proofs` is the proof for `token` at `address` (each compared in constant time).
    public static func matches(_ proofs: [String], token: String, address: String, challenge: String) -> Bool {
        let expected = Array(make(token: token, address: address, challenge: challenge).utf8)
        var found = false
        for proof in proofs.prefix(Self.maximumProofs) where ConstantTime.equals(Array(proof.utf8), expected) { found = true }
        return found
    }
}
