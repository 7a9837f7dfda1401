import Contracts
import FoundationEssentials
import Logging
import PostgresClient
import Streams

/// What the monitor asks of the database beyond listings: reopening dead jobs, statistics, and audit entries for its actions.
struct MonitorStore: Sendable {
    let pool: PostgresPool
    let publisher: StreamPublisher
    let logger: Logger

    /// Jobs that ended as failed or dead (or were left unfinished for over a minute) go back to `queued` with attempts from 0.
    ///
    /// Their run's counters and portfolio progress give back what the job had counted, a finished run is running again
    /// (so the dispatcher completes it once more), and earlier attempts are kept, renumbered to zero and below.
    func reopen(_ request: ReopenJobs, by actor: AuditActor) async throws -> ReopenedJobs {
        let ids = Array(Set(request.jobIDs)).sorted()
        guard !ids.isEmpty else { throw APIError.unprocessable("jobIDs must name at least one job", field: "jobIDs") }
        guard ids.count <= 1000 else { throw APIError.unprocessable("jobIDs may hold at most 1,000 ids, got \(ids.count)", field: "jobIDs") }
        let (messages, refused) = try await pool.withTransaction { connection -> ([JobMessage], [String: String]) in
            let current = try connection.query(
                "SELECT id, status, (updated_at < now() - interval '1 minute') AS stale FROM jobs WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE"
            )
            var refused: [String: String] = [:]
            var open: [Int] = []
            var found = Set<Int>()
            for row in current {
                let id: Int = try row.decode(named: "id")
                let status: String = try row.decode(named: "status")
                found.insert(id)
                switch status {
                case "failed", "dead": open.append(id)
                case "succeeded": refused["\(id)"] = "job \(id) already succeeded"
                case "cancelled": refused["\(id)"] = "job \(id) was cancelled with its run"
                default:
                    if try row.decode(Bool.self, named: "stale") {
                        open.append(id)
                    } else {
                        refused["\(id)"] = "job \(id) is still being worked on (\(status)); retry in a minute"
                    }
                }
            }
            for id in ids where !found.contains(id) { refused["\(id)"] = "job \(id) does not exist" }
            guard !open.isEmpty else { return ([], refused) }
            let before = try connection.query(
                """
                SELECT j.id, j.run_id, j.portfolio_id, j.status, j.error_kind FROM jobs j WHERE j.id = ANY(\(open))
                """
            )
            try connection.execute(
                """
                UPDATE runs r SET failed = r.failed - c.failed, dead = r.dead - c.dead,
                    reauth_required = greatest(r.reauth_required - c.reauth, 0),
                    status = CASE WHEN r.status = 'finished' THEN 'running' ELSE r.status END,
                    finished_at = CASE WHEN r.status = 'finished' THEN NULL ELSE r.finished_at END
                FROM (SELECT run_id, count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'dead') AS dead,
                             count(*) FILTER (WHERE status IN ('failed', 'dead') AND error_kind = 'auth') AS reauth
                      FROM jobs WHERE id = ANY(\(open)) AND run_id IS NOT NULL GROUP BY run_id) c
                WHERE r.id = c.run_id
                """
            )
            try connection.execute(
                """
                UPDATE run_portfolios rp SET finished_jobs = greatest(rp.finished_jobs - c.n, 0), totals_recomputed_at = NULL
                FROM (SELECT run_id, portfolio_id, count(*) AS n FROM jobs
                      WHERE id = ANY(\(open)) AND run_id IS NOT NULL AND status IN ('failed', 'dead') GROUP BY 1, 2) c
                WHERE rp.run_id = c.run_id AND rp.portfolio_id = c.portfolio_id
                """
            )
            // Earlier attempts move below 1 (through a range nothing uses, so the primary key never collides on the way).
            try connection.execute("UPDATE job_attempts SET attempt = attempt + 1000000 WHERE job_id = ANY(\(open))")
            try connection.execute(
                """
                UPDATE job_attempts a SET attempt = a.attempt - 1000000 - m.top
                FROM (SELECT job_id, max(attempt) - 1000000 AS top FROM job_attempts WHERE job_id = ANY(\(open)) GROUP BY job_id) m
                WHERE a.job_id = m.job_id
                """
            )
            let rows = try connection.query(
                """
                UPDATE jobs j SET status = 'queued', attempts = 0, last_error = NULL, error_kind = NULL, worker = NULL, started_at = NULL,
                    finished_at = NULL, next_attempt_at = NULL, queued_at = now(), updated_at = now()
                FROM broker_accounts a WHERE a.id = j.account_id AND j.id = ANY(\(open))
                RETURNING j.id, j.run_id, j.account_id, j.portfolio_id, j.broker_code, j.action, j.queued_at, a.api_key_id, a.transactions_cursor
                """
            )
            let messages = try rows.map { row in
                let action = try row.enumeration(JobAction.self, named: "action")
                return JobMessage(
                    jobID: try row.decode(named: "id"),
                    runID: try row.decode(named: "run_id"),
                    accountID: try row.decode(named: "account_id"),
                    portfolioID: try row.decode(named: "portfolio_id"),
                    brokerCode: try row.decode(named: "broker_code"),
                    action: action,
                    attempt: 1,
                    queuedAt: try row.decode(named: "queued_at"),
                    apiKeyID: try row.decode(named: "api_key_id"),
                    cursor: action == .transactions ? try row.decode(named: "transactions_cursor") : nil
                )
            }.sorted { $0.jobID < $1.jobID }
            for row in before {
                let id: Int = try row.decode(named: "id")
                let previous = ["status": JSONValue.string(try row.decode(named: "status"))]
                let after: [String: JSONValue] = ["status": .string("queued"), "reason": request.reason.map(JSONValue.string) ?? .null]
                try AuditLog.record(on: connection, by: actor, action: "reopen", entity: "job", id: "\(id)", before: previous, after: after)
            }
            return (messages, refused)
        }
        for message in messages {
            logger.info("job reopened", metadata: ["job.id": "\(message.jobID)", "run.id": "\(message.runID.map(String.init) ?? "-")"])
        }
        return ReopenedJobs(jobs: messages, refused: refused)
    }

    /// Jobs finished per minute over the last `minutes`, jobs by broker and status, runs by status.
    func statistics(_ request: JobStatisticsRequest) async throws -> JobStatistics {
        let minutes = request.minutes ?? 60
        guard (1...1440).contains(minutes) else { throw APIError.unprocessable("minutes must be 1-1440, got \(minutes)", field: "minutes") }
        let throughput = try await Self.throughput(minutes: minutes, pool: pool)
        let jobs = try await pool.query("SELECT broker_code, status, count(*)::int AS n FROM jobs GROUP BY 1, 2 ORDER BY 1, 2").map { row in
            JobCount(
                brokerCode: try row.decode(named: "broker_code"), status: try row.enumeration(JobStatus.self, named: "status"),
                count: try row.decode(named: "n"))
        }
        var runs: [String: Int] = [:]
        for row in try await pool.query("SELECT status, count(*)::int AS n FROM runs GROUP BY 1") {
            runs[try row.decode(named: "status")] = try row.decode(named: "n")
        }
        var outcomes: [String: Int] = ["succeeded": 0, "failed": 0]
        for row in try await pool.query(
            """
            SELECT CASE WHEN failed + dead > 0 THEN 'failed' ELSE 'succeeded' END AS outcome, count(*)::int AS n
            FROM runs WHERE status = 'finished' GROUP BY 1
            """
        ) {
            outcomes[try row.decode(named: "outcome")] = try row.decode(named: "n")
        }
        return JobStatistics(throughput: throughput, jobs: jobs, runs: runs, runOutcomes: outcomes)
    }

    /// Jobs finished per minute over the last `minutes`, oldest first, zero-filled. An index-only scan of
    /// `jobs_finished_status` (migration 0010): with 1,000,000 jobs, 60,000 of them in the last hour, it takes ~45 ms.
    static func throughput(minutes: Int, pool: PostgresPool) async throws -> [ThroughputPoint] {
        let end = (Date().timeIntervalSince1970 / 60).rounded(.down) * 60
        let start = Date(timeIntervalSince1970: end - Double(minutes - 1) * 60)
        var points: [Int: ThroughputPoint] = [:]
        for row in try await pool.query(
            """
            SELECT date_trunc('minute', finished_at) AS minute, count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
                count(*) FILTER (WHERE status IN ('failed', 'dead'))::int AS failed
            FROM jobs WHERE finished_at >= \(start) GROUP BY 1
            """
        ) {
            let minute = Int((try row.decode(Date.self, named: "minute").timeIntervalSince1970 / 60).rounded(.down))
            points[minute] = ThroughputPoint(
                minute: Date(timeIntervalSince1970: Double(minute) * 60), succeeded: try row.decode(named: "succeeded"),
                failed: try row.decode(named: "failed"))
        }
        let first = Int(start.timeIntervalSince1970 / 60)
        return (first..<(first + minutes)).map { minute in
            points[minute] ?? ThroughputPoint(minute: Date(timeIntervalSince1970: Double(minute) * 60), succeeded: 0, failed: 0)
        }
    }

    /// The overview's figures as counts and a few rows: the throughput, the accounts needing re-auth (a count over the
    /// partial index `broker_accounts_reauth`), and the current runs with their own counters (no scan of their jobs).
    func overview() async throws -> OverviewFigures {
        let throughput = try await Self.throughput(minutes: 60, pool: pool)
        let reauth: Int = try await pool.query("SELECT count(*)::int FROM broker_accounts WHERE status = 'reauth_required'").scalar()
        let runs = try await pool.query(
            """
            (SELECT \(Columns.run) FROM runs r WHERE r.status <> 'finished' ORDER BY r.id DESC LIMIT 10)
            UNION ALL (SELECT \(Columns.run) FROM runs r WHERE r.status = 'finished' ORDER BY r.id DESC LIMIT 1)
            """
        ).map { try $0.run() }
        return OverviewFigures(throughput: throughput, reauthRequired: reauth, runs: runs)
    }

    /// Records an action another service took, attributed to whoever asked it.
    func record(_ request: RecordAudit, by actor: AuditActor) async throws -> AuditEntry {
        guard !request.action.isEmpty, request.action.count <= 64 else {
            throw APIError.unprocessable("action must be 1-64 characters", field: "action")
        }
        guard !request.entity.isEmpty, request.entity.count <= 64 else {
            throw APIError.unprocessable("entity must be 1-64 characters", field: "entity")
        }
        let id: Int = try await pool.withTransaction { connection in
            try AuditLog.record(
                on: connection, by: actor, action: request.action, entity: request.entity, id: request.entityID, before: JSONValue?.none,
                after: request.details)
            return try connection.query("SELECT currval('audit_log_id_seq')").scalar()
        }
        let page = try await AuditLog.list(ListAudit(entity: request.entity, entityID: request.entityID, limit: 20), pool: pool)
        guard let entry = page.items.first(where: { $0.id == id }) else { throw APIError.notFound("audit entry \(id) vanished") }
        return entry
    }
}
