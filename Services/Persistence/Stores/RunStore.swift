import Contracts
import FoundationEssentials
import Logging
import PostgresClient
import Streams

/// Runs and their jobs: creation (one job per active account and action, in one statement),
/// progress, completion (the seed's chord, tracked in the database) and listings.
struct RunStore: Sendable {
    let pool: PostgresPool
    let publisher: StreamPublisher
    let logger: Logger

    func create(_ request: CreateRun, by actor: AuditActor) async throws -> RunCreated {
        if let problem = request.scope.problem { throw APIError.unprocessable(problem, field: "scope") }
        guard !request.actions.isEmpty else {
            throw APIError.unprocessable("actions must name at least one of holdings, transactions, positions", field: "actions")
        }
        let actions = Array(Set(request.actions.map(\.rawValue))).sorted()
        if request.trigger == .schedule, request.scheduleID == nil || request.fireTime == nil {
            throw APIError.unprocessable("a schedule run needs scheduleID and fireTime", field: "scheduleID")
        }
        if let deadline = request.deadlineSeconds, deadline <= 0 {
            throw APIError.unprocessable("deadlineSeconds must be positive, got \(deadline)", field: "deadlineSeconds")
        }
        let result = try await pool.withTransaction { connection -> RunCreated in
            if let scheduleID = request.scheduleID, let fireTime = request.fireTime,
                let existing = try connection.query(
                    "SELECT \(Columns.run) FROM runs r WHERE r.schedule_id = \(scheduleID) AND r.fire_time = \(fireTime)"
                ).first
            {
                return RunCreated(run: try existing.run(), created: false)
            }
            try Self.checkScopeExists(request.scope, on: connection)
            if let scheduleID = request.scheduleID, try connection.query("SELECT 1 FROM schedules WHERE id = \(scheduleID)").first == nil {
                throw APIError.unprocessable("schedule \(scheduleID) does not exist", field: "scheduleID")
            }
            let runID: Int = try connection.query(
                """
                INSERT INTO runs (trigger, schedule_id, fire_time, scope_kind, scope_id, actions, requested_by, request_id, deadline_at)
                VALUES (\(request.trigger.rawValue), \(request.scheduleID), \(request.fireTime), \(request.scope.kind.rawValue), \(request.scope.id),
                    \(actions)::text[], \(request.requestedBy ?? actor.actor), \(actor.requestID),
                    now() + make_interval(secs => \(request.deadlineSeconds ?? 3600)))
                RETURNING id
                """
            ).scalar()
            let scope = Self.scopeFilter(request.scope)
            let skipped = try connection.query(
                """
                SELECT
                    count(DISTINCT u.id) FILTER (WHERE NOT u.active) AS users,
                    count(DISTINCT p.id) FILTER (WHERE u.active AND NOT p.active) AS portfolios,
                    count(DISTINCT a.id) FILTER (WHERE u.active AND p.active AND (a.status = 'disabled' OR NOT b.enabled
                        OR NOT ('scheduled_sync' = ANY(b.capabilities)))) AS accounts,
                    count(DISTINCT a.id) FILTER (WHERE u.active AND p.active AND b.enabled AND 'scheduled_sync' = ANY(b.capabilities)
                        AND a.status = 'reauth_required') AS reauth
                FROM users u LEFT JOIN portfolios p ON p.user_id = u.id LEFT JOIN broker_accounts a ON a.portfolio_id = p.id
                    LEFT JOIN broker_types b ON b.code = a.broker_code
                WHERE \(scope)
                """
            ).first!
            let total = try connection.execute(
                """
                INSERT INTO jobs (run_id, account_id, portfolio_id, broker_code, action)
                SELECT \(runID), a.id, a.portfolio_id, a.broker_code, act.action
                FROM users u JOIN portfolios p ON p.user_id = u.id JOIN broker_accounts a ON a.portfolio_id = p.id
                    JOIN broker_types b ON b.code = a.broker_code CROSS JOIN unnest(\(actions)::text[]) AS act(action)
                WHERE \(scope) AND u.active AND p.active AND a.status = 'active' AND b.enabled AND 'scheduled_sync' = ANY(b.capabilities)
                ORDER BY a.id, act.action
                """
            )
            try connection.execute(
                """
                INSERT INTO run_portfolios (run_id, portfolio_id, total_jobs)
                SELECT run_id, portfolio_id, count(*) FROM jobs WHERE run_id = \(runID) GROUP BY run_id, portfolio_id
                """
            )
            let run = try connection.query(
                """
                UPDATE runs r SET total_jobs = \(total), skipped_users = \(try skipped.decode(Int.self, named: "users")),
                    skipped_portfolios = \(try skipped.decode(Int.self, named: "portfolios")),
                    skipped_accounts = \(try skipped.decode(Int.self, named: "accounts")), skipped_reauth = \(try skipped.decode(Int.self, named: "reauth")),
                    status = CASE WHEN \(total) = 0 THEN 'finished' ELSE 'dispatching' END,
                    finished_at = CASE WHEN \(total) = 0 THEN now() END, dispatched_at = CASE WHEN \(total) = 0 THEN now() END
                WHERE r.id = \(runID) RETURNING \(Columns.run)
                """
            ).first!.run()
            return RunCreated(run: run, created: true)
        }
        if result.created {
            _ = try? await publisher.publish(Event(kind: .runCreated, runID: result.run.id, counts: result.run.counts), to: StreamNames.events)
            if result.run.status == .finished {
                _ = try? await publisher.publish(Event(kind: .runFinished, runID: result.run.id, counts: result.run.counts), to: StreamNames.events)
            }
        }
        return result
    }

    /// The `WHERE` condition selecting a scope over `users u`, `portfolios p`, `broker_accounts a`.
    static func scopeFilter(_ scope: SyncScope) -> SQL {
        switch scope.kind {
        case .all: "TRUE"
        case .user: "u.id = \(scope.id!)"
        case .portfolio: "p.id = \(scope.id!)"
        case .account: "a.id = \(scope.id!)"
        }
    }

    static func checkScopeExists(_ scope: SyncScope, on connection: isolated PostgresConnection) throws {
        guard let id = scope.id else { return }
        let table: SQL =
            switch scope.kind {
            case .user: "users"
            case .portfolio: "portfolios"
            default: "broker_accounts"
            }
        guard try connection.query("SELECT 1 FROM \(table) WHERE id = \(id)").first != nil else {
            throw APIError.notFound("\(scope.kind.rawValue) \(id) does not exist")
        }
    }

    func jobs(_ request: ListRunJobs) async throws -> Page<Job> {
        let paging = try Paging(request, ascending: true)
        let status: SQL = request.status.map { list in "AND j.status = ANY(\(list.map(\.rawValue))::text[])" } ?? ""
        let rows = try await pool.query(
            """
            SELECT \(Columns.job) FROM jobs j WHERE j.run_id = \(request.id) \(status) \(paging.filter("j.id")) \(paging.order("j.id")) LIMIT \(paging.fetch)
            """
        )
        if rows.isEmpty, paging.before == nil, try await pool.query("SELECT 1 FROM runs WHERE id = \(request.id)").isEmpty {
            throw APIError.notFound("run \(request.id) does not exist")
        }
        return paging.page(try rows.map { try $0.job() }, id: \.id)
    }

    func queuedJobs(_ request: ListQueuedJobs) async throws -> QueuedJobs {
        let limit = request.limit ?? 5000
        guard (1...20_000).contains(limit) else { throw APIError.unprocessable("limit must be 1-20000, got \(limit)", field: "limit") }
        let rows = try await pool.query(
            """
            SELECT j.id, j.account_id, j.portfolio_id, j.broker_code, j.action, j.attempts, j.queued_at, a.api_key_id, a.transactions_cursor
            FROM jobs j JOIN broker_accounts a ON a.id = j.account_id
            WHERE j.run_id = \(request.id) AND j.status = 'queued' AND j.id > \(request.after ?? 0)
            ORDER BY j.id LIMIT \(limit)
            """
        )
        if rows.isEmpty, request.after == nil, try await pool.query("SELECT 1 FROM runs WHERE id = \(request.id)").isEmpty {
            throw APIError.notFound("run \(request.id) does not exist")
        }
        let jobs = try rows.map { row in
            let action = try row.enumeration(JobAction.self, named: "action")
            return JobMessage(
                jobID: try row.decode(named: "id"),
                runID: request.id,
                accountID: try row.decode(named: "account_id"),
                portfolioID: try row.decode(named: "portfolio_id"),
                brokerCode: try row.decode(named: "broker_code"),
                action: action,
                attempt: try row.decode(Int.self, named: "attempts") + 1,
                queuedAt: try row.decode(named: "queued_at"),
                apiKeyID: try row.decode(named: "api_key_id"),
                cursor: action == .transactions ? try row.decode(named: "transactions_cursor") : nil
            )
        }
        return QueuedJobs(jobs: jobs, next: jobs.count == limit ? jobs.last?.jobID : nil)
    }

    func markDispatched(_ id: Int) async throws -> Run {
        guard
            let row = try await pool.query(
                """
                UPDATE runs r SET status = CASE WHEN r.status = 'dispatching' THEN 'running' ELSE r.status END,
                    dispatched_at = coalesce(r.dispatched_at, now())
                WHERE r.id = \(id) RETURNING \(Columns.run)
                """
            ).first
        else { throw APIError.notFound("run \(id) does not exist") }
        return try row.run()
    }

    func list(_ request: ListRuns) async throws -> Page<Run> {
        let paging = try Paging(request)
        var filters: [SQL] = ["TRUE"]
        if let status = request.status { filters.append("r.status = \(status.rawValue)") }
        if let scheduleID = request.scheduleID { filters.append("r.schedule_id = \(scheduleID)") }
        let rows = try await pool.query(
            "SELECT \(Columns.run) FROM runs r WHERE \(SQL.join(filters, separator: " AND ")) \(paging.filter("r.id")) ORDER BY r.id DESC LIMIT \(paging.fetch)"
        )
        return paging.page(try rows.map { try $0.run() }, id: \.id)
    }

    func detail(_ id: Int) async throws -> RunDetail {
        // One snapshot for the run row and its jobs, so the counts and the progress agree.
        try await pool.withTransaction { connection in
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            guard let run = try connection.query("SELECT \(Columns.run) FROM runs r WHERE r.id = \(id)").first?.run() else {
                throw APIError.notFound("run \(id) does not exist")
            }
            var brokers: [String: BrokerProgress] = [:]
            for row in try connection.query("SELECT broker_code, status, count(*)::int AS n FROM jobs WHERE run_id = \(id) GROUP BY 1, 2") {
                let broker: String = try row.decode(named: "broker_code")
                let count: Int = try row.decode(named: "n")
                brokers[broker, default: BrokerProgress(brokerCode: broker, total: 0, byStatus: [:])].total += count
                brokers[broker]!.byStatus[try row.decode(String.self, named: "status")] = count
            }
            let failures = try connection.query(
                """
                SELECT coalesce(last_error, 'unknown') AS reason, error_kind, count(*)::int AS n FROM jobs
                WHERE run_id = \(id) AND status IN ('failed', 'dead') GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 50
                """
            ).map { row in
                FailureGroup(
                    reason: try row.decode(named: "reason"),
                    kind: try row.optionalEnumeration(FailureKind.self, named: "error_kind"),
                    count: try row.decode(named: "n")
                )
            }
            let total = brokers.values.reduce(0) { $0 + $1.total }
            let done = brokers.values.reduce(0) { sum, broker in
                sum + JobStatus.allCases.filter(\.isTerminal).reduce(0) { $0 + (broker.byStatus[$1.rawValue] ?? 0) }
            }
            return RunDetail(run: run, brokers: brokers.values.sorted { $0.brokerCode < $1.brokerCode }, failures: failures, done: done, total: total)
        }
    }

    /// Recomputes totals (once) for each portfolio whose jobs all ended, and finishes the run when every job has.
    /// Safe to call any number of times: the dispatcher calls it on events and from its sweep.
    func complete(_ id: Int) async throws -> RunCompletion {
        let completion = try await pool.withTransaction { connection -> RunCompletion in
            guard try connection.query("SELECT 1 FROM runs WHERE id = \(id) FOR UPDATE").first != nil else {
                throw APIError.notFound("run \(id) does not exist")
            }
            let portfolios = try connection.query(
                """
                UPDATE run_portfolios SET totals_recomputed_at = now()
                WHERE run_id = \(id) AND finished_jobs >= total_jobs AND totals_recomputed_at IS NULL RETURNING portfolio_id
                """
            ).map { try $0.decode(Int.self, at: 0) }.sorted()
            if !portfolios.isEmpty { _ = try TotalsStore.recompute(portfolioIDs: portfolios, runID: id, on: connection) }
            let finished = try connection.query(
                """
                UPDATE runs r SET status = 'finished', finished_at = now(), dispatched_at = coalesce(r.dispatched_at, now()),
                    succeeded = c.succeeded, failed = c.failed, dead = c.dead, cancelled = c.cancelled, reauth_required = c.reauth
                FROM (SELECT count(*) FILTER (WHERE status = 'succeeded') AS succeeded, count(*) FILTER (WHERE status = 'failed') AS failed,
                             count(*) FILTER (WHERE status = 'dead') AS dead, count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
                             count(*) FILTER (WHERE error_kind = 'auth') AS reauth,
                             count(*) FILTER (WHERE status NOT IN ('succeeded', 'failed', 'dead', 'cancelled')) AS open
                      FROM jobs WHERE run_id = \(id)) c
                WHERE r.id = \(id) AND r.status <> 'finished' AND c.open = 0
                RETURNING r.id
                """
            )
            let run = try connection.query("SELECT \(Columns.run) FROM runs r WHERE r.id = \(id)").first!.run()
            if !finished.isEmpty { try FeedWriter.write([FeedWriter.Entry(RunFinished(run), runID: id)], on: connection) }
            return RunCompletion(run: run, recomputedPortfolios: portfolios, finishedNow: !finished.isEmpty)
        }
        if completion.finishedNow {
            logger.info("run finished", metadata: ["run.id": "\(id)", "run.succeeded": "\(completion.run.counts.succeeded)"])
            _ = try? await publisher.publish(Event(kind: .runFinished, runID: id, counts: completion.run.counts), to: StreamNames.events)
        }
        return completion
    }

    func listJobs(_ request: ListJobs) async throws -> Page<Job> {
        let paging = try Paging(request)
        var filters: [SQL] = ["TRUE"]
        if let status = request.status { filters.append("j.status = ANY(\(status.map(\.rawValue))::text[])") }
        if let broker = request.brokerCode { filters.append("j.broker_code = \(broker.uppercased())") }
        if let account = request.accountID { filters.append("j.account_id = \(account)") }
        if let run = request.runID { filters.append("j.run_id = \(run)") }
        if let since = request.since { filters.append("j.queued_at >= \(since)") }
        if let until = request.until { filters.append("j.queued_at < \(until)") }
        let rows = try await pool.query(
            "SELECT \(Columns.job) FROM jobs j WHERE \(SQL.join(filters, separator: " AND ")) \(paging.filter("j.id")) ORDER BY j.id DESC LIMIT \(paging.fetch)"
        )
        return paging.page(try rows.map { try $0.job() }, id: \.id)
    }

    func job(_ id: Int) async throws -> JobDetail {
        guard let job = try await pool.query("SELECT \(Columns.job) FROM jobs j WHERE j.id = \(id)").first?.job() else {
            throw APIError.notFound("job \(id) does not exist")
        }
        let attempts = try await pool.query(
            "SELECT attempt, worker, started_at, finished_at, outcome, error_kind, error FROM job_attempts WHERE job_id = \(id) ORDER BY attempt"
        ).map { row in
            JobAttempt(
                attempt: try row.decode(named: "attempt"),
                worker: try row.decode(named: "worker"),
                startedAt: try row.decode(named: "started_at"),
                finishedAt: try row.decode(named: "finished_at"),
                outcome: try row.decode(named: "outcome"),
                errorKind: try row.optionalEnumeration(FailureKind.self, named: "error_kind"),
                error: try row.decode(named: "error")
            )
        }
        return JobDetail(job: job, attempts: attempts)
    }

    /// Active accounts a scope covers, oldest first by id.
    func syncTargets(_ request: ListSyncTargets) async throws -> Page<SyncTarget> {
        let scope = SyncScope(kind: request.scopeKind, id: request.scopeID)
        if let problem = scope.problem { throw APIError.unprocessable(problem, field: "scopeID") }
        let paging = try Paging(request, ascending: true)
        let rows = try await pool.query(
            """
            SELECT a.id, a.portfolio_id, p.user_id, a.broker_code, a.api_key_id, a.transactions_cursor
            FROM users u JOIN portfolios p ON p.user_id = u.id JOIN broker_accounts a ON a.portfolio_id = p.id JOIN broker_types b ON b.code = a.broker_code
            WHERE \(Self.scopeFilter(scope)) AND u.active AND p.active AND a.status = 'active' AND b.enabled
                AND 'scheduled_sync' = ANY(b.capabilities) \(paging.filter("a.id"))
            \(paging.order("a.id")) LIMIT \(paging.fetch)
            """
        )
        let targets = try rows.map { row in
            SyncTarget(
                accountID: try row.decode(named: "id"),
                portfolioID: try row.decode(named: "portfolio_id"),
                userID: try row.decode(named: "user_id"),
                brokerCode: try row.decode(named: "broker_code"),
                apiKeyID: try row.decode(named: "api_key_id"),
                transactionsCursor: try row.decode(named: "transactions_cursor")
            )
        }
        return paging.page(targets, id: \.accountID)
    }
}
