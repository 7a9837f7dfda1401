import Contracts

/// A single-use login link as kept in Redis, signed like a session.
struct LoginTicketRecord: Codable, Sendable {
    var scope: Scope
    var token: String
    var mac: String

    static func parts(id: String, scope: Scope, token: String) -> [String] { [id, scope.rawValue, token] }
}
