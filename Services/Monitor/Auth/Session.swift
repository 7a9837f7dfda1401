import Contracts
import FoundationEssentials

/// A browser login as kept in Redis: the scope its token granted, the fingerprint of that token, its times,
/// and a tag over all of it under the session secret.
struct Session: Codable, Sendable, Equatable {
    var id: String
    var scope: Scope
    /// Sent back in every form post; a cross-site page cannot know it.
    var csrf: String
    /// `SessionSigner.fingerprint(ofToken:)` of the token the session was made with.
    var token: String
    /// Milliseconds since 1970 when the session was made; it ends `sessionTTL` later whatever happens.
    var createdAt: Int64
    /// Milliseconds since 1970 of the last request that used it; it ends `sessionIdleTimeout` after that.
    var seenAt: Int64
    /// The tag over every field above.
    var mac: String

    /// The fields the tag covers, in order.
    var signedParts: [String] { [id, scope.rawValue, csrf, token, "\(createdAt)", "\(seenAt)"] }

    /// A session signed by `signer`.
    static func signed(
        id: String, scope: Scope, csrf: String, token: String, createdAt: Int64, seenAt: Int64, signer: SessionSigner
    ) -> Session {
        var session = Session(id: id, scope: scope, csrf: csrf, token: token, createdAt: createdAt, seenAt: seenAt, mac: "")
        session.mac = signer.tag("session", session.signedParts)
        return session
    }
}
