import Contracts
import FoundationEssentials
import Logging
import PostgresClient
import Streams

extension RunStore {
    /// Ends every open job of a run (queued, retrying or running) as `cancelled`, then finishes the run.
    ///
    /// A gateway may still be working a job that was running: its result arrives for a job that has ended and is
    /// discarded at commit, as for any ended job. A run still being dispatched is refused (its jobs are being created).
    func cancel(_ id: Int, by actor: AuditActor) async throws -> RunCancelled {
        let cancelled = try await pool.withTransaction { connection -> [Int] in
            guard let run = try connection.query("SELECT \(Columns.run) FROM runs r WHERE r.id = \(id) FOR UPDATE").first?.run() else {
                throw APIError.notFound("run \(id) does not exist")
            }
            switch run.status {
            case .finished: throw APIError.conflict("run \(id) has finished; there is nothing to cancel")
            case .dispatching: throw APIError.conflict("run \(id) is still creating its jobs; cancel it in a moment")
            case .running: break
            }
            let rows = try connection.query(
                """
                UPDATE jobs SET status = 'cancelled', finished_at = now(), next_attempt_at = NULL, updated_at = now(),
                    last_error = \("cancelled by \(actor.actor)")
                WHERE run_id = \(id) AND status IN ('queued', 'retrying', 'running')
                RETURNING id, portfolio_id
                """
            )
            let jobs = try rows.map { (id: try $0.decode(Int.self, named: "id"), portfolio: try $0.decode(Int.self, named: "portfolio_id")) }
            try connection.execute("UPDATE runs SET cancelled = cancelled + \(jobs.count) WHERE id = \(id)")
            if !jobs.isEmpty {
                try connection.execute(
                    """
                    UPDATE run_portfolios rp SET finished_jobs = rp.finished_jobs + c.n
                    FROM (SELECT portfolio_id, count(*) AS n FROM unnest(\(jobs.map(\.portfolio))::bigint[]) AS u(portfolio_id) GROUP BY 1) c
                    WHERE rp.run_id = \(id) AND rp.portfolio_id = c.portfolio_id
                    """
                )
            }
            let ids = jobs.map(\.id).sorted()
            try AuditLog.record(
                on: connection, by: actor, action: "cancel", entity: "run", id: String(id),
                before: JSONValue.object(["status": .string(run.status.rawValue)]),
                after: JSONValue.object(["cancelledJobs": .array(ids.map { .number(Decimal($0)) })]))
            return ids
        }
        logger.notice("run cancelled", metadata: ["run.id": "\(id)", "jobs": "\(cancelled.count)"])
        let completion = try await complete(id)
        return RunCancelled(run: completion.run, cancelledJobs: cancelled)
    }
}
