import Contracts
import Foundation
import PostgresClient
import RedisClient

/// The checks after a chaos run: every account synced once with brokersim's data, no job lost,
/// stuck or done twice, no dead letter, totals recomputed once per portfolio.
struct ChaosChecks: Sendable {
    let stack: Stack
    let runID: Int
    let configuration: ChaosScenario.Configuration

    /// `dead`, `refused` and `hostile` are the accounts whose broker failed for good; every other account must have synced.
    func check(accounts: [Int], portfolios: [Int], dead: [Int], refused: [Int], hostile: [Int], finished: Bool) async throws -> ChaosReport {
        var report = ChaosReport()
        let run = runID
        let doomed = dead + refused + hostile
        for row in try await stack.database.query("SELECT status, count(*)::int AS n FROM jobs WHERE run_id = \(run) GROUP BY status") {
            let status = try row.decode(String.self, named: "status")
            report.jobs[status] = try row.decode(Int.self, named: "n")
        }
        let total = report.jobs.values.reduce(0, +)
        let ended = ["succeeded", "failed", "dead"].map { report.jobs[$0] ?? 0 }.reduce(0, +)
        // The first call after a Redis restart may fail on a pooled connection the server closed (the pool reconnects, it does not resend).
        try await eventually("the dead-letter stream's length") {
            report.deadLetters = try await stack.redis.xlen(StreamNames.deadLetters)
            return true
        }

        let withoutJob = try await stack.count(
            "SELECT count(*)::int FROM broker_accounts a WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.run_id = \(run) AND j.account_id = a.id)")
        let extraJobs = try await extras("SELECT count(*) AS n FROM jobs WHERE run_id = \(run) GROUP BY account_id")
        let withoutSnapshot = try await stack.count(
            """
            SELECT count(*)::int FROM jobs j WHERE j.run_id = \(run) AND j.account_id <> ALL(\(doomed)::bigint[])
                AND NOT EXISTS (SELECT 1 FROM holding_snapshots s WHERE s.job_id = j.id)
            """)
        let extraSnapshots = try await extras("SELECT count(*) AS n FROM holding_snapshots WHERE run_id = \(run) GROUP BY account_id")
        let notCurrent = try await stack.count(
            """
            SELECT count(*)::int FROM broker_accounts a LEFT JOIN holding_snapshots s ON s.id = a.current_snapshot_id
            WHERE s.run_id IS DISTINCT FROM \(run) AND a.id <> ALL(\(doomed)::bigint[])
            """)
        let extraTotals = try await extras("SELECT count(*) AS n FROM portfolio_totals WHERE run_id = \(run) GROUP BY portfolio_id, currency")
        let withoutTotals = try await stack.count(
            """
            SELECT count(*)::int FROM unnest(\(portfolios)::bigint[]) AS p(id)
            WHERE NOT EXISTS (SELECT 1 FROM portfolio_totals t WHERE t.run_id = \(run) AND t.portfolio_id = p.id)
            """)
        let notRecomputed = try await stack.count(
            "SELECT count(*)::int FROM run_portfolios WHERE run_id = \(run) AND (totals_recomputed_at IS NULL OR finished_jobs <> total_jobs)")
        let overCounted = try await stack.count(
            "SELECT coalesce(sum(finished_jobs - total_jobs), 0)::int FROM run_portfolios WHERE run_id = \(run) AND finished_jobs > total_jobs")
        let counters = try await stack.database.query("SELECT total_jobs, succeeded, failed, dead FROM runs WHERE id = \(run)")[0]
        let counted = try ["succeeded", "failed", "dead"].map { try counters.decode(Int.self, named: $0) }
        let actual = ["succeeded", "failed", "dead"].map { report.jobs[$0] ?? 0 }
        let totalJobs = try counters.decode(Int.self, named: "total_jobs")
        let counterExcess = max(0, counted.reduce(0, +) - totalJobs)
        let synced = accounts.filter { !doomed.contains($0) }
        let mismatches = try await holdingMismatches(synced)
        let deadActual = try await stack.database.query("SELECT account_id FROM jobs WHERE run_id = \(run) AND status = 'dead'").map {
            try $0.decode(Int.self, at: 0)
        }
        let failedActual = try await stack.database.query("SELECT account_id FROM jobs WHERE run_id = \(run) AND status = 'failed'").map {
            try $0.decode(Int.self, at: 0)
        }

        // Our own faults (outages, a replica without the key) must never be charged to an account.
        report.deadByOutage = deadActual.filter { !dead.contains($0) }.count
        report.reauthByOutage = try await stack.count(
            "SELECT count(*)::int FROM broker_accounts WHERE status = 'reauth_required' AND id <> ALL(\(refused)::bigint[])")
        report.lost = withoutJob + withoutSnapshot
        report.duplicated = extraJobs + extraSnapshots + extraTotals + overCounted + counterExcess
        report.checks = [
            .init(name: "the run finished", passed: finished, detail: ""),
            .init(
                name: "one job per account", passed: withoutJob == 0 && extraJobs == 0 && total == accounts.count,
                detail: "\(total) jobs, \(withoutJob) accounts without one, \(extraJobs) extra"),
            .init(name: "no job lost or stuck (every job ended)", passed: ended == total, detail: "\(total - ended) not ended"),
            .init(
                name: "every account has exactly one new snapshot, and it is the current one",
                passed: withoutSnapshot == 0 && extraSnapshots == 0 && notCurrent == 0,
                detail: "\(withoutSnapshot) jobs without a snapshot, \(extraSnapshots) extra snapshots, \(notCurrent) accounts on an older one"),
            .init(name: "stored rows equal brokersim's data", passed: mismatches == 0, detail: "\(mismatches) of \(synced.count) accounts differ"),
            .init(
                name: "dead letters only where the broker failed for good (every attempt 5xx); failed only where it refused the token",
                passed: Set(deadActual) == Set(dead) && deadActual.count == dead.count && report.deadLetters == dead.count
                    && Set(failedActual) == Set(refused + hostile) && failedActual.count == refused.count + hostile.count,
                detail:
                    "\(report.deadLetters) dead letters, \(deadActual.count) dead jobs for \(dead.count) such accounts; \(failedActual.count) failed for \(refused.count) refused and \(hostile.count) hostile"
            ),
            .init(
                name: "faults of our own charged to no account (dead letters, re-login)",
                passed: report.deadByOutage == 0 && report.reauthByOutage == 0,
                detail: "\(report.deadByOutage) dead, \(report.reauthByOutage) reauth_required"),
            .init(
                name: "totals recomputed once per portfolio", passed: withoutTotals == 0 && extraTotals == 0 && notRecomputed == 0,
                detail: "\(portfolios.count) portfolios, \(withoutTotals) without totals, \(extraTotals) extra, \(notRecomputed) unfinished"),
            .init(
                name: "the run's counters match its jobs", passed: counted == actual && counterExcess == 0 && overCounted == 0,
                detail: "counted \(counted), jobs \(actual)"),
        ]
        return report
    }

    /// The sum of `n - 1` over the groups of `grouped` (a query with one `n` column) where `n > 1`.
    private func extras(_ grouped: SQL) async throws -> Int {
        try await stack.count("SELECT coalesce(sum(n - 1), 0)::int FROM (\(grouped)) AS g WHERE n > 1")
    }

    /// Accounts whose current holdings (read through persistence's API) differ from what brokersim serves for their token.
    private func holdingMismatches(_ accounts: [Int]) async throws -> Int {
        let holdings = configuration.holdings
        return try await withThrowingTaskGroup(of: Int.self) { group in
            var pending = accounts.makeIterator()
            func add() {
                guard let id = pending.next() else { return }
                group.addTask {
                    let stored = try await stack.storedHoldings(id)
                    return stored == Stack.expectedHoldings(token: ChaosScenario.token(id), count: holdings) ? 0 : 1
                }
            }
            for _ in 0..<8 { add() }
            var mismatches = 0
            while let result = try await group.next() {
                mismatches += result
                add()
            }
            return mismatches
        }
    }
}
