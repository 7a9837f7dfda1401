import Contracts
import FoundationEssentials
import PostgresClient

/// Writes the change feed's events in the transaction that made the change, so an event exists exactly when its
/// change does: a redelivered result changes nothing and adds none; a rolled-back batch leaves none behind.
///
/// Each event names its account (portfolio, user and broker are looked up here) or its run; the statement trigger of
/// migration 0011 plans the webhook deliveries in the same transaction.
enum FeedWriter {
    /// One event to write.
    struct Entry {
        var type: FeedEventType
        var version: Int
        var accountID: Int?
        var runID: Int?
        /// An event raised once per occasion (a login's expiry warning): a second entry with the same key is skipped.
        var onceKey: String?
        var data: String

        init<Payload: FeedEventPayload>(_ payload: Payload, accountID: Int? = nil, runID: Int? = nil, onceKey: String? = nil) throws {
            type = Payload.type
            version = Payload.version
            self.accountID = accountID
            self.runID = runID
            self.onceKey = onceKey
            data = String(decoding: try JSONCoding.encode(payload), as: UTF8.self)
        }
    }

    /// Writes `entries` in order (their sequence numbers follow it); returns how many were written.
    @discardableResult
    static func write(_ entries: [Entry], on connection: isolated PostgresConnection) throws -> Int {
        guard !entries.isEmpty else { return 0 }
        return try connection.execute(
            """
            INSERT INTO feed_events (type, version, account_id, portfolio_id, user_id, broker_code, run_id, once_key, data)
            SELECT u.type, u.version, u.account_id, a.portfolio_id, p.user_id, a.broker_code, u.run_id, u.once_key, u.data::json
            FROM unnest(\(entries.map(\.type.rawValue))::text[], \(entries.map(\.version))::int[], \(entries.map(\.accountID))::bigint[],
                \(entries.map(\.runID))::bigint[], \(entries.map(\.onceKey))::text[], \(entries.map(\.data))::text[])
                WITH ORDINALITY AS u(type, version, account_id, run_id, once_key, data, position)
            LEFT JOIN broker_accounts a ON a.id = u.account_id
            LEFT JOIN portfolios p ON p.id = a.portfolio_id
            ORDER BY u.position
            ON CONFLICT (once_key) DO NOTHING
            """
        )
    }
}
