import Contracts
import FoundationEssentials
import Logging
import PostgresClient
import ServiceLifecycle

/// Raises `account.reauth_soon` when an active account's login ends before the next scheduled run that covers it, so
/// its owner can log in again before that sync fails. Once per login: the event's once-key names the account and the
/// login's end, so a new login (a new expiry) warns again and the same one never twice.
struct ReauthWarningService: Service {
    let pool: PostgresPool
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let raised = try await check()
                if raised > 0 { logger.info("login expiry warnings raised", metadata: ["accounts": "\(raised)"]) }
            } catch {
                logger.warning("login expiry check failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass (at most 1,000 accounts; the next pass takes the rest); returns how many warnings it raised.
    func check() async throws -> Int {
        try await pool.withTransaction { connection in
            let rows = try connection.query(
                """
                SELECT a.id, c.expires_at, n.id AS schedule_id, n.next_run_at, k.once_key
                FROM broker_accounts a
                JOIN portfolios p ON p.id = a.portfolio_id
                JOIN credentials c ON c.account_id = a.id
                CROSS JOIN LATERAL (
                    SELECT sc.id, sc.next_run_at FROM schedules sc
                    WHERE sc.enabled AND sc.next_run_at IS NOT NULL AND (sc.scope_kind = 'all'
                        OR (sc.scope_kind = 'user' AND sc.scope_id = p.user_id) OR (sc.scope_kind = 'portfolio' AND sc.scope_id = a.portfolio_id)
                        OR (sc.scope_kind = 'account' AND sc.scope_id = a.id))
                    ORDER BY sc.next_run_at, sc.id LIMIT 1) n
                CROSS JOIN LATERAL (SELECT 'reauth_soon:' || a.id || ':' || floor(extract(epoch FROM c.expires_at))::bigint AS once_key) k
                WHERE a.status = 'active' AND c.expires_at > now() AND c.expires_at < n.next_run_at
                    AND NOT EXISTS (SELECT 1 FROM feed_events e WHERE e.once_key = k.once_key)
                ORDER BY a.id LIMIT 1000
                """
            )
            let entries = try rows.map { row in
                let accountID: Int = try row.decode(named: "id")
                let expiresAt: Date = try row.decode(named: "expires_at")
                let warning = AccountReauthSoon(
                    expiresAt: expiresAt, nextRunAt: try row.decode(named: "next_run_at"), scheduleID: try row.decode(named: "schedule_id"))
                return try FeedWriter.Entry(warning, accountID: accountID, onceKey: try row.decode(named: "once_key"))
            }
            return try FeedWriter.write(entries, on: connection)
        }
    }
}
