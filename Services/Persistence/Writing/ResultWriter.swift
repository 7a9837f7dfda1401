import Contracts
import FoundationEssentials
import Logging
import PostgresClient
import RedisClient
import Streams

/// The hot path: writes a batch of job results in one transaction, then announces what changed.
///
/// Per batch: job rows move to their new state (only forward: a job that already ended is left
/// alone, which makes a redelivered result a no-op), every attempt is recorded, succeeded
/// holdings become snapshots (rows by COPY), transactions are upserted, failed accounts are
/// marked, and run and portfolio progress is counted. Events go out after the commit.
struct ResultWriter: Sendable {
    let pool: PostgresPool
    let publisher: StreamPublisher
    let logger: Logger

    /// One job's new state, after collapsing several results for it in one batch.
    private struct Transition {
        var result: JobResult
        var status: JobStatus
    }

    /// What the transaction changed, for the events.
    private struct Changes {
        var jobs: [(jobID: Int, runID: Int?, accountID: Int, portfolioID: Int, broker: String, status: JobStatus, worker: String, attempt: Int)] = []
        var reauthAccounts: [(accountID: Int, broker: String, message: String?)] = []
        var portfoliosDone: [(runID: Int, portfolioID: Int)] = []
        var runsDone: [Int] = []
        var failures: [Int: JobResult] = [:]
    }

    /// Writes `batch`; returns the entries refused (bad data, or a job they do not match), with the reason, to be
    /// dead-lettered.
    func write(_ batch: [Delivery<JobResult>]) async throws -> [StreamID: String] {
        var refused: [StreamID: String] = [:]
        var checked: [Delivery<JobResult>] = []
        for delivery in batch {
            if let problem = ResultCheck.problem(in: delivery.message) {
                refused[delivery.id] = problem
            } else {
                checked.append(delivery)
            }
        }
        let owners = try await JobOwners.load(checked.map(\.message.jobID), from: pool)
        var results: [JobResult] = []
        for delivery in checked {
            switch owners.bind(delivery.message) {
            case .success(let result): results.append(result)
            case .failure(let problem): refused[delivery.id] = problem.message
            }
        }
        try await store(results)
        return refused
    }

    /// Stores results that passed their checks (from the stream, or built from a service's state change).
    func store(_ results: [JobResult]) async throws {
        guard !results.isEmpty else { return }
        let changes = try await pool.withTransaction { connection in
            try Self.apply(results, on: connection)
        }
        await announce(changes)
    }

    /// Ends jobs a service gave up on (`failed` or `dead`, with the reason), as if a gateway had reported it.
    func endJobs(_ request: UpdateJobStates, by actor: AuditActor) async throws -> StoredCount {
        guard !request.updates.isEmpty else { return StoredCount(stored: 0) }
        guard request.updates.count <= 10_000 else { throw APIError.unprocessable("updates may hold at most 10,000 entries", field: "updates") }
        for update in request.updates where update.status != .failed && update.status != .dead {
            throw APIError.unprocessable(
                "status can be set to failed or dead here, got \(update.status.rawValue) for job \(update.jobID)", field: "status")
        }
        let byID = Dictionary(request.updates.map { ($0.jobID, $0) }, uniquingKeysWith: { _, last in last })
        let rows = try await pool.query("SELECT \(Columns.job) FROM jobs j WHERE j.id = ANY(\(Array(byID.keys)))")
        let now = Date()
        let results = try rows.map { row -> JobResult in
            let job = try row.job()
            let update = byID[job.id]!
            return JobResult(
                jobID: job.id, runID: job.runID, accountID: job.accountID, portfolioID: job.portfolioID, brokerCode: job.brokerCode,
                action: job.action, attempt: max(job.attempts, 1), worker: actor.actor, startedAt: job.startedAt ?? now, finishedAt: now,
                outcome: update.status == .dead ? .dead : .failed, failureKind: update.failureKind ?? .permanent,
                error: update.error ?? "ended by \(actor.actor)"
            )
        }
        try await store(results)
        return StoredCount(stored: results.count)
    }

    private static func apply(_ results: [JobResult], on connection: isolated PostgresConnection) throws -> Changes {
        // The latest attempt per job decides its state; a terminal outcome wins a tie.
        var latest: [Int: JobResult] = [:]
        for result in results {
            guard let current = latest[result.jobID] else {
                latest[result.jobID] = result
                continue
            }
            if result.attempt > current.attempt || (result.attempt == current.attempt && result.outcome.isTerminal) {
                latest[result.jobID] = result
            }
        }
        let updates = latest.values.sorted { $0.jobID < $1.jobID }
        let moved = try connection.query(
            """
            UPDATE jobs j SET status = u.status, attempts = greatest(j.attempts, u.attempt), last_error = u.error, error_kind = u.kind,
                worker = u.worker, started_at = coalesce(j.started_at, u.started_at),
                finished_at = CASE WHEN u.status IN ('succeeded', 'failed', 'dead') THEN u.finished_at END,
                next_attempt_at = u.next_attempt_at, note = u.note, updated_at = now()
            FROM unnest(\(updates.map(\.jobID))::bigint[], \(updates.map { status(for: $0).rawValue })::text[], \(updates.map(\.attempt))::int[],
                \(updates.map(\.error))::text[], \(updates.map { $0.failureKind?.rawValue })::text[], \(updates.map(\.worker))::text[],
                \(updates.map(\.startedAt))::timestamptz[], \(updates.map(\.finishedAt))::timestamptz[], \(updates.map(\.nextAttemptAt))::timestamptz[],
                \(updates.map(note(for:)))::text[])
                AS u(id, status, attempt, error, kind, worker, started_at, finished_at, next_attempt_at, note)
            WHERE j.id = u.id AND j.status NOT IN ('succeeded', 'failed', 'dead', 'cancelled') AND j.attempts <= u.attempt
            RETURNING j.id
            """
        )
        let movedIDs = Set(try moved.map { try $0.decode(Int.self, at: 0) })
        let transitions = updates.filter { movedIDs.contains($0.jobID) }

        try recordAttempts(results, on: connection)

        let snapshots = transitions.filter { $0.outcome == .succeeded && $0.action != .transactions }.compactMap { result in
            result.snapshot.map {
                SnapshotInsert.Input(
                    accountID: result.accountID, runID: result.runID, jobID: result.jobID, snapshot: $0, positions: result.action == .positions)
            }
        }
        _ = try SnapshotInsert.store(snapshots, on: connection)

        let transactionBatches = transitions.filter { $0.outcome == .succeeded && $0.action == .transactions }.compactMap { result in
            result.transactions.map { (accountID: result.accountID, batch: $0) }
        }
        _ = try TransactionStore.upsert(transactionBatches, on: connection)
        if !transactionBatches.isEmpty {
            try connection.execute(
                "UPDATE broker_accounts SET last_synced_at = now(), last_error = NULL WHERE id = ANY(\(transactionBatches.map(\.accountID)))"
            )
        }

        var changes = Changes()
        let failures = transitions.filter { $0.outcome == .failed || $0.outcome == .dead }
        try markFailedAccounts(failures, on: connection, changes: &changes)
        try countProgress(transitions.filter(\.outcome.isTerminal), on: connection, changes: &changes)
        changes.jobs = transitions.filter(\.outcome.isTerminal).map {
            ($0.jobID, $0.runID, $0.accountID, $0.portfolioID, $0.brokerCode, status(for: $0), $0.worker, $0.attempt)
        }
        for failure in failures { changes.failures[failure.jobID] = failure }
        return changes
    }

    /// A succeeded job's note: what its snapshot says a reader must know, in one line.
    static func note(for result: JobResult) -> String? {
        guard result.outcome == .succeeded, let notes = result.snapshot?.notes, !notes.isEmpty else { return nil }
        let unavailable = notes.filter { $0.kind == .partUnavailable }.map(\.message)
        let mismatches = notes.filter { $0.kind == .pnlMismatch }.count
        let parts = unavailable + (mismatches > 0 ? ["\(mismatches) holding(s) with a P&L the broker reports differently"] : [])
        return String(parts.joined(separator: "; ").prefix(1000))
    }

    private static func status(for result: JobResult) -> JobStatus {
        switch result.outcome {
        case .succeeded: .succeeded
        case .retrying: .retrying
        case .failed: .failed
        case .dead: .dead
        }
    }

    /// Every attempt of every result, once each (a redelivered one is skipped).
    private static func recordAttempts(_ results: [JobResult], on connection: isolated PostgresConnection) throws {
        try connection.execute(
            """
            INSERT INTO job_attempts (job_id, attempt, worker, started_at, finished_at, outcome, error_kind, error)
            SELECT u.job_id, u.attempt, u.worker, u.started_at, u.finished_at, u.outcome, u.kind, u.error
            FROM unnest(\(results.map(\.jobID))::bigint[], \(results.map(\.attempt))::int[], \(results.map(\.worker))::text[],
                \(results.map(\.startedAt))::timestamptz[], \(results.map(\.finishedAt))::timestamptz[], \(results.map(\.outcome.rawValue))::text[],
                \(results.map { $0.failureKind?.rawValue })::text[], \(results.map(\.error))::text[])
                AS u(job_id, attempt, worker, started_at, finished_at, outcome, kind, error)
            WHERE EXISTS (SELECT 1 FROM jobs WHERE jobs.id = u.job_id)
            ON CONFLICT (job_id, attempt) DO NOTHING
            """
        )
    }

    /// An auth failure sends the account to `reauth_required`; any other failure is noted as its last error.
    private static func markFailedAccounts(_ failures: [JobResult], on connection: isolated PostgresConnection, changes: inout Changes) throws {
        guard !failures.isEmpty else { return }
        let reauth = failures.filter { $0.failureKind == .auth }
        // Locked in id order first: the status before the update tells a new refusal from one already known.
        let accountIDs = Set(failures.map(\.accountID)).sorted()
        let was = try connection.query("SELECT id, status FROM broker_accounts WHERE id = ANY(\(accountIDs)) ORDER BY id FOR UPDATE")
            .reduce(into: [Int: String]()) { was, row in was[try row.decode(Int.self, named: "id")] = try row.decode(String.self, named: "status") }
        let rows = try connection.query(
            """
            UPDATE broker_accounts a SET last_error = u.error, updated_at = now(),
                status = CASE WHEN u.auth AND a.status = 'active' THEN 'reauth_required' ELSE a.status END
            FROM unnest(\(failures.map(\.accountID))::bigint[], \(failures.map(\.error))::text[], \(failures.map { $0.failureKind == .auth })::boolean[])
                AS u(account_id, error, auth)
            WHERE a.id = u.account_id
            RETURNING a.id, a.broker_code, a.status
            """
        )
        let reauthIDs = Set(reauth.map(\.accountID))
        var entries: [FeedWriter.Entry] = []
        for row in rows where try row.decode(String.self, named: "status") == "reauth_required" {
            let id: Int = try row.decode(named: "id")
            guard reauthIDs.contains(id) else { continue }
            let message = reauth.last { $0.accountID == id }?.error
            changes.reauthAccounts.append((id, try row.decode(named: "broker_code"), message))
            if was[id] == "active", !entries.contains(where: { $0.accountID == id }) {
                entries.append(try FeedWriter.Entry(AccountReauthRequired(message: message.map { String($0.prefix(500)) }), accountID: id))
            }
        }
        try FeedWriter.write(entries, on: connection)
    }

    /// Adds ended jobs to their run's counts and their portfolio's progress; notes portfolios and runs whose jobs all ended.
    private static func countProgress(_ ended: [JobResult], on connection: isolated PostgresConnection, changes: inout Changes) throws {
        let withRun = ended.filter { $0.runID != nil }
        guard !withRun.isEmpty else { return }
        let runRows = try connection.query(
            """
            UPDATE runs r SET succeeded = r.succeeded + c.succeeded, failed = r.failed + c.failed, dead = r.dead + c.dead,
                reauth_required = r.reauth_required + c.reauth
            FROM (SELECT run_id, count(*) FILTER (WHERE outcome = 'succeeded') AS succeeded, count(*) FILTER (WHERE outcome = 'failed') AS failed,
                         count(*) FILTER (WHERE outcome = 'dead') AS dead, count(*) FILTER (WHERE kind = 'auth') AS reauth
                  FROM unnest(\(withRun.map { $0.runID! })::bigint[], \(withRun.map(\.outcome.rawValue))::text[],
                              \(withRun.map { $0.failureKind?.rawValue })::text[]) AS u(run_id, outcome, kind)
                  GROUP BY run_id) c
            WHERE r.id = c.run_id
            RETURNING r.id, (r.succeeded + r.failed + r.dead + r.cancelled >= r.total_jobs AND r.status <> 'dispatching') AS done
            """
        )
        changes.runsDone = try runRows.filter { try $0.decode(Bool.self, named: "done") }.map { try $0.decode(Int.self, named: "id") }
        let portfolioRows = try connection.query(
            """
            UPDATE run_portfolios rp SET finished_jobs = rp.finished_jobs + c.n
            FROM (SELECT run_id, portfolio_id, count(*) AS n
                  FROM unnest(\(withRun.map { $0.runID! })::bigint[], \(withRun.map(\.portfolioID))::bigint[]) AS u(run_id, portfolio_id)
                  GROUP BY run_id, portfolio_id) c
            WHERE rp.run_id = c.run_id AND rp.portfolio_id = c.portfolio_id
            RETURNING rp.run_id, rp.portfolio_id, rp.finished_jobs >= rp.total_jobs AS done
            """
        ).filter { try $0.decode(Bool.self, named: "done") }
        changes.portfoliosDone = try portfolioRows.map { (try $0.decode(Int.self, named: "run_id"), try $0.decode(Int.self, named: "portfolio_id")) }
    }

    private func announce(_ changes: Changes) async {
        var events: [(message: Event, stream: String)] = []
        for job in changes.jobs {
            let kind: EventKind = job.status == .succeeded ? .jobSucceeded : job.status == .dead ? .jobDead : .jobFailed
            let failure = changes.failures[job.jobID]
            events.append(
                (
                    Event(
                        kind: kind, runID: job.runID, jobID: job.jobID, accountID: job.accountID, portfolioID: job.portfolioID,
                        brokerCode: job.broker, worker: job.worker, attempt: job.attempt, message: failure?.error, failureKind: failure?.failureKind
                    ),
                    StreamNames.events
                ))
        }
        for account in changes.reauthAccounts {
            events.append(
                (
                    Event(kind: .accountReauthRequired, accountID: account.accountID, brokerCode: account.broker, message: account.message),
                    StreamNames.events
                ))
        }
        for done in changes.portfoliosDone {
            events.append((Event(kind: .portfolioJobsDone, runID: done.runID, portfolioID: done.portfolioID), StreamNames.events))
        }
        for run in changes.runsDone {
            events.append((Event(kind: .runJobsDone, runID: run), StreamNames.events))
        }
        guard !events.isEmpty else { return }
        do {
            try await publisher.publish(events, requestID: nil)
        } catch {
            // The dispatcher's sweep finds finished portfolios and runs without these events; the monitor reads history from Postgres.
            logger.warning("could not publish events after a commit", metadata: ["error": "\(error)", "events": "\(events.count)"])
        }
    }
}
