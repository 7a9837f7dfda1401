import Contracts
import FoundationEssentials
import RedisClient

/// A browser login: the scope its token granted and the token that must accompany its form posts.
struct Session: Codable, Sendable, Equatable {
    var id: String
    var scope: Scope
    /// Sent back in every form post; a cross-site page cannot know it.
    var csrf: String
    var createdAt: Date
}

/// Sessions and single-use login tickets, kept in Redis so they survive a monitor restart and expire on their own.
///
/// The cookie holds only a random session id; the token the user typed is never stored.
struct SessionStore: Sendable {
    let redis: RedisPool
    let ttl: Duration
    /// Whether cookies are marked `Secure` (the monitor is behind HTTPS).
    let secure: Bool
    /// A login ticket is good for one use within this time.
    static let ticketTTL: Duration = .seconds(60)

    static func key(_ id: String) -> String { "psync:{monitor}:session:\(id)" }
    static func ticketKey(_ ticket: String) -> String { "psync:{monitor}:ticket:\(ticket)" }

    /// A new session for `scope`.
    func create(scope: Scope) async throws -> Session {
        let session = Session(id: Self.randomToken(), scope: scope, csrf: Self.randomToken(), createdAt: Date())
        try await redis.set(Self.key(session.id), .init(bytes: try JSONCoding.encode(session)), expiresIn: ttl)
        return session
    }

    /// The session behind a cookie value, or `nil` (unknown, expired, or not one of ours).
    func lookup(_ id: String) async throws -> Session? {
        guard Self.isWellFormed(id), let bytes = try await redis.get(Self.key(id)) else { return nil }
        return try? JSONCoding.decode(Session.self, from: bytes)
    }

    func delete(_ id: String) async throws {
        guard Self.isWellFormed(id) else { return }
        try await redis.delete([Self.key(id)])
    }

    /// A ticket that logs a browser in once, within a minute, with `scope` (for headless browsers and links from the CLI).
    func createTicket(scope: Scope) async throws -> String {
        let ticket = Self.randomToken()
        try await redis.set(Self.ticketKey(ticket), .init(scope.rawValue), expiresIn: Self.ticketTTL)
        return ticket
    }

    /// Spends a ticket: its scope, or `nil` when it is unknown, used or expired.
    func redeem(ticket: String) async throws -> Scope? {
        guard Self.isWellFormed(ticket) else { return nil }
        return try await redis.send(["GETDEL", .init(Self.ticketKey(ticket))]).string.flatMap(Scope.init(rawValue:))
    }

    /// 32 random bytes from the system's secure generator, as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }

    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 64 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
