import Contracts
import Cryptography
import FoundationEssentials
import RedisClient
import ServiceKit

/// Sessions and single-use login tickets, kept in Redis so they survive a monitor restart and expire on their own.
///
/// Nothing read back from Redis is believed unless it carries a valid tag under the session secret: the cookie is
/// `id.tag(id)` (so an id seen in Redis is not a cookie), the record is tagged over every field (so a record written
/// or edited in Redis is refused), and the record holds a fingerprint of the token it was made with (so a session
/// ends when that token is rotated or removed). A session also ends after `idleTimeout` unused and `ttl` in all.
/// The token the user typed is never stored.
struct SessionStore: Sendable {
    let redis: RedisPool
    let signer: SessionSigner
    let tokens: TokenSet
    /// The absolute lifetime of a session.
    let ttl: Duration
    /// How long a session may go unused.
    let idleTimeout: Duration
    /// Whether cookies are marked `Secure` (the monitor is behind HTTPS).
    let secure: Bool
    /// The current time (tests may pass another clock).
    var now: @Sendable () -> Date = { Date() }
    /// A login ticket is good for one use within this time.
    static let ticketTTL: Duration = .seconds(60)

    static func key(_ id: String) -> String { "psync:{monitor}:session:\(id)" }
    static func ticketKey(_ ticket: String) -> String { "psync:{monitor}:ticket:\(ticket)" }

    /// A new session for `scope`, bound to the token that proved it (by its hash); returns it and its cookie value.
    func create(scope: Scope, tokenHash: [UInt8]) async throws -> (session: Session, cookie: String) {
        try await create(scope: scope, fingerprint: fingerprint(tokenHash))
    }

    private func fingerprint(_ tokenHash: [UInt8]) -> String { signer.fingerprint(ofToken: Hex.string(tokenHash)) }

    private func create(scope: Scope, fingerprint: String) async throws -> (session: Session, cookie: String) {
        let at = now().milliseconds
        let session = Session.signed(
            id: Self.randomToken(), scope: scope, csrf: Self.randomToken(), token: fingerprint, createdAt: at, seenAt: at, signer: signer)
        try await redis.set(Self.key(session.id), .init(bytes: try JSONCoding.encode(session)), expiresIn: min(idleTimeout, ttl))
        return (session, signer.signed("cookie", session.id))
    }

    /// The session behind a cookie value, or `nil` (unsigned, forged, tampered, expired, idle, or made with a token
    /// that is no longer valid). With `touch`, the session counts as used now.
    func lookup(cookie: String, touch: Bool = true) async throws -> Session? {
        guard let id = signer.unsigned("cookie", cookie) else { return nil }
        return try await lookup(id: id, touch: touch)
    }

    /// The session `id` if it is still valid (an open `/events` stream asks this every few seconds).
    func lookup(id: String, touch: Bool) async throws -> Session? {
        guard Self.isWellFormed(id), let bytes = try await redis.get(Self.key(id)) else { return nil }
        guard let session = try? JSONCoding.decode(Session.self, from: bytes), session.id == id,
            signer.verify(session.mac, "session", session.signedParts)
        else { return nil }
        let at = now().milliseconds
        guard isCurrent(session.token, for: session.scope),
            at - session.createdAt < Self.milliseconds(ttl), at - session.seenAt < Self.milliseconds(idleTimeout)
        else {
            try await redis.delete([Self.key(id)])
            return nil
        }
        if touch, at - session.seenAt >= Self.milliseconds(min(idleTimeout / 10, .seconds(30))) {
            try await refresh(session, at: at)
        }
        return session
    }

    /// Records use at `at`; `SET … XX` so a session deleted meanwhile (a logout) is never brought back.
    private func refresh(_ session: Session, at: Int64) async throws {
        let renewed = Session.signed(
            id: session.id, scope: session.scope, csrf: session.csrf, token: session.token, createdAt: session.createdAt, seenAt: at,
            signer: signer)
        let left = max(1, min(Self.milliseconds(idleTimeout), session.createdAt + Self.milliseconds(ttl) - at))
        _ = try await redis.send(["SET", .init(Self.key(session.id)), .init(bytes: try JSONCoding.encode(renewed)), "PX", .init("\(left)"), "XX"])
    }

    func delete(_ id: String) async throws {
        guard Self.isWellFormed(id) else { return }
        try await redis.delete([Self.key(id)])
    }

    /// A ticket that logs a browser in once, within a minute, with `scope` (for headless browsers and links from the
    /// CLI); bound to the current token of that scope like a session. Returns the value for `/login?ticket=`.
    func createTicket(scope: Scope) async throws -> String {
        guard scope.isPerson, let hash = tokens.hashes(of: scope).first else {
            throw APIError.forbidden("no \(scope.rawValue) token is configured")
        }
        let token = fingerprint(hash)
        let ticket = Self.randomToken()
        let record = LoginTicketRecord(
            scope: scope, token: token, mac: signer.tag("ticket", LoginTicketRecord.parts(id: ticket, scope: scope, token: token)))
        try await redis.set(Self.ticketKey(ticket), .init(bytes: try JSONCoding.encode(record)), expiresIn: Self.ticketTTL)
        return signer.signed("ticket", ticket)
    }

    /// Spends a ticket: a new session and its cookie, or `nil` when the ticket is unknown, used, expired or forged.
    func redeem(ticket text: String) async throws -> (session: Session, cookie: String)? {
        guard let ticket = signer.unsigned("ticket", text),
            let bytes = try await redis.send(["GETDEL", .init(Self.ticketKey(ticket))]).bytes,
            let record = try? JSONCoding.decode(LoginTicketRecord.self, from: bytes),
            signer.verify(record.mac, "ticket", LoginTicketRecord.parts(id: ticket, scope: record.scope, token: record.token)),
            isCurrent(record.token, for: record.scope)
        else { return nil }
        return try await create(scope: record.scope, fingerprint: record.token)
    }

    /// Whether `fingerprint` is that of a token that grants `scope`, a person's scope, now (each compared in constant time).
    private func isCurrent(_ fingerprint: String, for scope: Scope) -> Bool {
        guard scope.isPerson else { return false }
        var found = false
        for hash in tokens.hashes(of: scope) where ConstantTime.equals(self.fingerprint(hash), fingerprint) { found = true }
        return found
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1000).overflow ? .max : seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// 32 random bytes from OpenSSL's generator, as hex.
    static func randomToken() -> String {
        Hex.string(SecureRandom.bytes(count: 32))
    }

    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 64 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
