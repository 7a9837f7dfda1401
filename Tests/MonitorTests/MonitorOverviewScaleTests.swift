import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

/// The overview stays fast at scale because its queries use indexes and counts, never a scan of jobs or accounts.
/// Speed itself is measured by `psync-bench overview` (BENCHMARKS.md); this pins the plans that make it, so a change
/// that brings back a sequential scan fails `make test`. The statements are MonitorStore's (`throughput`, `overview`):
/// change them together.
@Suite("Monitor: the overview's counts are right at scale and its queries read jobs and accounts by index only")
struct MonitorOverviewScaleTests {
    static let statements: [SQL] = [
        """
        SELECT date_trunc('minute', finished_at) AS minute, count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE status IN ('failed', 'dead'))::int AS failed
        FROM jobs WHERE finished_at >= \(Date().addingTimeInterval(-3540)) GROUP BY 1
        """,
        "SELECT count(*)::int FROM broker_accounts WHERE status = 'reauth_required'",
        """
        (SELECT r.id FROM runs r WHERE r.status <> 'finished' ORDER BY r.id DESC LIMIT 10)
        UNION ALL (SELECT r.id FROM runs r WHERE r.status = 'finished' ORDER BY r.id DESC LIMIT 1)
        """,
    ]

    @Test("with 20,000 accounts and 200,000 jobs seeded: the counts are exact and no plan scans jobs or broker_accounts sequentially")
    func indexOnly() async throws {
        let stack = try await Stack.start()
        try await Stack.seedOverviewScale(stack.database, accounts: 20_000, runs: 10)
        try await stack.launch("psync-monitor")
        #expect(try await stack.count("SELECT count(*)::int FROM jobs") == 200_000)
        let reauth = try await stack.count("SELECT count(*)::int FROM broker_accounts WHERE status = 'reauth_required'")
        #expect(reauth == 20_000 / 97 + 1)
        let page = try await stack.monitorRequest("GET", "/", token: Stack.readToken)
        #expect(page.status == 200 && page.text.contains("id=\"reauth-accounts\">\(reauth)</div>"), "every account needing re-auth counted")
        let overview = try await stack.monitor(token: Stack.readToken).call(MonitorAPI.overview)
        #expect(overview.reauthAccounts == reauth)
        #expect(overview.runs.count == 2 && overview.runs[0].run.status == .running && overview.runs[0].total == 20_000)
        #expect(overview.runs[1].run.status == .finished && overview.runs[1].done == 20_000)
        #expect(overview.throughput.reduce(0) { $0 + $1.succeeded + $1.failed } > 10_000, "the running run's finished jobs")
        for (index, statement) in Self.statements.enumerated() {
            let plan = try await stack.database.query("EXPLAIN \(statement)").map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
            #expect(!plan.contains("Seq Scan on jobs") && !plan.contains("Seq Scan on broker_accounts"), "\(plan)")
            if index < 2 { #expect(plan.contains("Index"), "\(plan)") }
            if index == 0 { #expect(plan.contains("Index Only Scan using jobs_finished_status"), "status read from the index: \(plan)") }
        }
        await stack.stop()
    }
}
