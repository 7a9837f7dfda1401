import Contracts
import Cryptography
import FoundationEssentials
import RedisClient

/// The `state` of a broker login started from the console: single use, ten minutes, bound to the session and the
/// account that started it, so a redirect back that a person did not start here (a forged link, a replayed or stale
/// one, another browser's) is refused. Records in Redis are tagged like sessions; a state is 64 hex characters.
struct BrokerLoginStates: Sendable {
    let redis: RedisPool
    let signer: SessionSigner
    static let ttl: Duration = .seconds(600)

    /// What a state stands for.
    struct Record: Codable, Sendable {
        var accountID: Int
        var broker: String
        /// The redirect's query parameter that carries the code (`request_token`, `code`).
        var parameter: String
        /// A tag over the session id (not the id itself).
        var session: String
        var mac: String

        static func parts(state: String, accountID: Int, broker: String, parameter: String, session: String) -> [String] {
            [state, "\(accountID)", broker, parameter, session]
        }
    }

    static func key(_ state: String) -> String { "psync:{monitor}:broker-login:\(state)" }

    /// A new state: 32 random bytes as hex.
    static func make() -> String { SessionStore.randomToken() }

    /// Keeps `state` for `session` logging in `accountID` until it is used or ten minutes pass.
    func save(_ state: String, session: Session, accountID: Int, broker: String, parameter: String) async throws {
        let bound = signer.tag("broker-login-session", [session.id])
        let record = Record(
            accountID: accountID, broker: broker, parameter: parameter, session: bound,
            mac: signer.tag("broker-login", Record.parts(state: state, accountID: accountID, broker: broker, parameter: parameter, session: bound)))
        try await redis.set(Self.key(state), .init(bytes: try JSONCoding.encode(record)), expiresIn: Self.ttl)
    }

    /// Spends `state` (whatever happens next, it cannot be used again); the record when it was issued to `session`,
    /// else why not, in words for the page.
    func redeem(_ state: String, session: Session) async throws -> Result<Record, APIError> {
        guard SessionStore.isWellFormed(state) else { return .failure(.badRequest(Self.unknown)) }
        guard let bytes = try await redis.send(["GETDEL", .init(Self.key(state))]).bytes,
            let record = try? JSONCoding.decode(Record.self, from: bytes),
            signer.verify(
                record.mac, "broker-login",
                Record.parts(state: state, accountID: record.accountID, broker: record.broker, parameter: record.parameter, session: record.session))
        else { return .failure(.badRequest(Self.unknown)) }
        guard ConstantTime.equals(record.session, signer.tag("broker-login-session", [session.id])) else {
            return .failure(.badRequest("this broker login was started in another browser session; start it again from the account page"))
        }
        return .success(record)
    }

    static let unknown =
        "this broker login is unknown, already used or expired (a login must finish within 10 minutes of starting it); start it again from the account page"
}
