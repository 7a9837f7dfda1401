import Contracts
import Foundation
import RPC
import TestSupport
import Testing

@Suite("psync: sync, holdings, totals, transactions, runs and jobs")
struct SyncCommandTests {
    @Test("sync --wait on a non-terminal prints plain progress lines and a summary; exit 0, or 2 when a job failed")
    func syncAndQueries() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_MAX_ATTEMPTS": "2", "PSYNC_RETRY_BASE": "20ms", "PSYNC_RETRY_MAX": "50ms"])
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": "cli-sync-\($0)"] }
        let portfolio = accounts[0].portfolioID
        let cli = try CLI(stack)

        let synced = try await cli.run("sync", "--portfolio", "\(portfolio)", "--wait")
        #expect(synced.status == 0, "\(synced)")
        let lines = synced.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("run ") == true && lines.first?.contains("started: 3 jobs (SANDBOX 3)") == true, "\(synced)")
        #expect(lines.contains { $0.contains(": 3/3 done") && $0.contains("succeeded 3") && $0.contains("finished") }, "\(synced)")
        #expect(!synced.stdout.contains("\r") && !synced.stdout.contains("\u{1B}"), "no terminal control codes on a pipe")
        #expect(synced.stdout.contains("finished in") && synced.stdout.contains("3 succeeded, 0 failed, 0 dead of 3 jobs"), "\(synced)")

        // Holdings of the portfolio: a table with exact decimals, and the JSON as persistence sends it.
        let expected = Stack.expectedHoldings(token: "cli-sync-0")
        let holdings = try await cli.run("holdings", "--portfolio", "\(portfolio)")
        #expect(holdings.status == 0 && holdings.stdout.contains("SYMBOL") && holdings.stdout.contains("UNREALISED P&L"), "\(holdings)")
        #expect(holdings.stdout.contains(String(expected[0].split(separator: " ")[0])))
        let json = try await cli.json("holdings", "--portfolio", "\(portfolio)")
        #expect(json["accounts"].array.count == 3 && json["accounts"][0]["holdings"].array.count == expected.count)
        #expect(json["accounts"][0]["holdings"][0]["quantity"].string != nil && json["totals"][0]["costValue"].string != nil, "decimals are strings")
        let account = try await cli.run("holdings", "--account", "\(accounts[0].id)")
        #expect(account.status == 0 && account.stdout.contains("account \(accounts[0].id)") && account.stdout.contains("snapshot"), "\(account)")
        let history = try await cli.run("holdings", "--account", "\(accounts[0].id)", "--history")
        #expect(history.status == 0 && history.stdout.contains("SNAPSHOT") && history.stdout.contains("yes"), "\(history)")

        let totals = try await cli.run("totals", "--portfolio", "\(portfolio)")
        #expect(totals.status == 0 && totals.stdout.contains("INR") && totals.stdout.contains("MARKET VALUE"), "\(totals)")
        let totalsJSON = try await cli.json("totals", "--portfolio", "\(portfolio)")
        #expect(totalsJSON["items"][0]["total"]["marketValue"].string != nil && totalsJSON["items"][0]["asOf"].string?.hasSuffix("Z") == true)

        // The synchronous path, and the transactions it stored.
        let now = try await cli.run("sync", "--account", "\(accounts[1].id)", "--now", "--action", "holdings,transactions")
        #expect(now.status == 0 && now.stdout.contains("saved \(expected.count) holdings and") && now.stdout.contains("snapshot"), "\(now)")
        let transactions = try await cli.run("transactions", "--account", "\(accounts[1].id)")
        #expect(transactions.status == 0 && transactions.stdout.contains("KIND"), "\(transactions)")
        let transactionsJSON = try await cli.json("transactions", "--account", "\(accounts[1].id)")
        #expect(transactionsJSON["items"].array.allSatisfy { $0["accountID"].int == accounts[1].id })

        // A broker answering with an HTML page fails one job: exit status 2 and the reason in the summary.
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"cli-sync-1","responses":["200-html"]}"#)
        let failed = try await cli.run("sync", "--portfolio", "\(portfolio)", "--wait")
        #expect(failed.status == 2, "\(failed)")
        #expect(failed.stdout.contains("2 succeeded, 1 failed, 0 dead of 3 jobs") && failed.stdout.contains("  1 × "), "\(failed)")
        let runID = try #require(Int(failed.stdout.split(separator: " ")[1].trimmingCharacters(in: .punctuationCharacters)))

        let runs = try await cli.run("runs", "list")
        #expect(runs.status == 0 && runs.stdout.contains("portfolio \(portfolio)") && runs.stdout.contains("finished"), "\(runs)")
        let run = try await cli.json("runs", "show", "\(runID)")
        #expect(run["run"]["id"].int == runID && run["run"]["counts"]["failed"].int == 1 && run["total"].int == 3)
        let shownRun = try await cli.run("runs", "show", "\(runID)")
        #expect(shownRun.stdout.contains("SUCCEEDED") && shownRun.stdout.contains("failures:"), "\(shownRun)")
        let jobs = try await cli.json("jobs", "list", "--run", "\(runID)", "--status", "failed")
        let jobID = try #require(jobs["items"][0]["id"].int)
        let job = try await cli.run("jobs", "show", "\(jobID)")
        #expect(job.status == 0 && job.stdout.contains("status:") && job.stdout.contains("failed") && job.stdout.contains("OUTCOME"), "\(job)")

        // --json with --wait: the progress goes to stderr, stdout is the run's final progress as JSON.
        let quiet = try await cli.json("sync", "--account", "\(accounts[0].id)", "--wait")
        #expect(quiet["detail"]["run"]["status"].string == "finished" && quiet["stuck"].bool == false)

        let noScope = try await cli.run("sync", "--wait")
        #expect(noScope.status == 1 && noScope.stderr.contains("--all, --user U, --portfolio P or --account A"), "\(noScope)")
        await stack.stop()
    }
}

@Suite("psync: a run that cannot finish")
struct StuckRunTests {
    @Test("sync --wait reports a run past its deadline with what it waits for, and gives up at --timeout with exit status 3")
    func stuck() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-dispatcher")
        try await stack.seedAccounts(broker: "ZERODHA", count: 1)  // no ZERODHA gateway runs: the job stays queued
        let cli = try CLI(stack)
        let waited = try await cli.run("sync", "--all", "--wait", "--deadline", "1s", "--timeout", "4s")
        #expect(waited.status == 3, "\(waited)")
        #expect(waited.stdout.contains("is past its deadline; waiting for 1 job(s)") && waited.stdout.contains("(ZERODHA, queued)"), "\(waited)")
        #expect(waited.stdout.contains("is still running after") && waited.stdout.contains("0/1 done"), "\(waited)")

        var noToken = cli
        noToken.environment["PSYNC_ADMIN_TOKEN"] = nil
        let refused = try await noToken.run("user", "list")
        #expect(refused.status == 1 && refused.stderr.contains("no admin token is configured"), "\(refused)")
        await stack.stop()
    }
}
