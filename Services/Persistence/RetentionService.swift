import Logging
import PostgresClient
import ServiceLifecycle

/// Deletes history past the retention period, in small batches so it never holds long locks:
/// finished runs (with their jobs and attempts), snapshots that are no longer any account's current one, and change-feed
/// events (with their webhook deliveries and attempts).
struct RetentionService: Service {
    let pool: PostgresPool
    let days: Int
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let (runs, snapshots, events) = try await purge()
                if runs + snapshots + events > 0 {
                    logger.info(
                        "retention purge",
                        metadata: ["runs.deleted": "\(runs)", "snapshots.deleted": "\(snapshots)", "feed_events.deleted": "\(events)"])
                }
            } catch {
                logger.warning("retention purge failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One purge pass; returns how many runs, snapshots and feed events it deleted.
    func purge() async throws -> (runs: Int, snapshots: Int, events: Int) {
        var runs = 0
        var snapshots = 0
        var events = 0
        while !Task.isShuttingDownGracefully {
            let deleted = try await pool.execute(
                """
                DELETE FROM runs WHERE id IN (
                    SELECT id FROM runs WHERE status = 'finished' AND finished_at < now() - make_interval(days => \(days)) LIMIT 500)
                """
            )
            runs += deleted
            if deleted < 500 { break }
        }
        while !Task.isShuttingDownGracefully {
            let deleted = try await pool.execute(
                """
                DELETE FROM holding_snapshots WHERE id IN (
                    SELECT s.id FROM holding_snapshots s WHERE s.created_at < now() - make_interval(days => \(days))
                    AND NOT EXISTS (SELECT 1 FROM broker_accounts a WHERE s.id IN (a.current_snapshot_id, a.current_positions_snapshot_id)) LIMIT 500)
                """
            )
            snapshots += deleted
            if deleted < 500 { break }
        }
        while !Task.isShuttingDownGracefully {
            // Oldest first; `feed_events_created` finds them. Deliveries and attempts cascade.
            let deleted = try await pool.execute(
                """
                DELETE FROM feed_events WHERE seq IN (
                    SELECT seq FROM feed_events WHERE created_at < now() - make_interval(days => \(days)) ORDER BY created_at LIMIT 500)
                """
            )
            events += deleted
            if deleted < 500 { break }
        }
        return (runs, snapshots, events)
    }
}
