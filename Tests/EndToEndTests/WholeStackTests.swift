import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import SandboxData
import TestSupport
import Testing

/// The whole system as processes against brokersim, driven the way a person drives it: through `psync`.
/// The CLI finds gateways through the monitor's worker registry (no gateway URL is configured).
@Suite("The whole stack, end to end, through the CLI")
struct WholeStackTests {
    @Test("create through the CLI, sync, a new day sells and buys, an expired token asks for re-auth, a schedule fires, two replicas share the work")
    func wholeStack() async throws {
        let stack = try await Stack.start()
        do {
            try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "20ms"])
            try await stack.launch("psync-dispatcher")
            try await stack.launch("psync-scheduler", environment: ["PSYNC_SCHEDULE_POLL": "200ms"])
            let monitor = try await stack.launch("psync-monitor")
            // Small concurrency, so one replica cannot take the whole queue before the other asks.
            for _ in 0..<2 { try await stack.launchGateway("SANDBOX", environment: ["PSYNC_GATEWAY_CONCURRENCY": "2"]) }
            try await stack.launchGateway("ZERODHA")
            let cli = try CLI(stack, ["PSYNC_MONITOR_URL": monitor.baseURL], gatewayURLs: false)

            // People, portfolios and accounts, with credentials sealed by gateways found through the registry.
            let user = try #require(try await cli.json("user", "add", "--email", "e2e@example.com", "--name", "End To End")["id"].int)
            let long = try #require(
                try await cli.json("portfolio", "add", "--user", "\(user)", "--name", "Long term", "--currency", "INR")["id"].int)
            let trading = try #require(
                try await cli.json("portfolio", "add", "--user", "\(user)", "--name", "Trading", "--currency", "INR")["id"].int)
            var tokens: [Int: String] = [:]
            for index in 1...8 {
                let id = try #require(
                    try await cli.json("account", "add", "--portfolio", "\(long)", "--broker", "SANDBOX", "--label", "Sandbox \(index)")["id"].int)
                tokens[id] = "e2e-sandbox-\(index)"
                let set = try await cli.run("credentials", "set", "\(id)", stdin: #"{"token": "\#(tokens[id]!)"}"#)
                #expect(set.status == 0 && !set.stdout.contains(tokens[id]!), "\(set)")
            }
            for index in 1...2 {
                let id = try #require(
                    try await cli.json("account", "add", "--portfolio", "\(trading)", "--broker", "ZERODHA", "--label", "Kite \(index)")["id"].int)
                tokens[id] = "e2e-kite-\(index)"
                let set = try await cli.run("credentials", "set", "\(id)", stdin: #"{"api_key": "e2ekey", "access_token": "\#(tokens[id]!)"}"#)
                #expect(set.status == 0, "\(set)")
            }

            // Day 0: a sync through the CLI; holdings and totals equal brokersim's deterministic data.
            let first = try await cli.run("sync", "--all", "--wait")
            #expect(first.status == 0, "\(first)")
            try await Self.expectHoldings(stack, tokens, day: 0)
            try await Self.expectTotals(stack, cli, portfolio: long, tokens: tokens.filter { $0.value.contains("sandbox") }, day: 0)
            let firstRun = try #require(try await cli.json("runs", "list")["items"][0]["id"].int)
            let workers = Set(try await cli.json("jobs", "list", "--run", "\(firstRun)")["items"].array.compactMap { $0["worker"].string })
            #expect(workers.filter { $0.contains("sandbox") }.count == 2, "both SANDBOX replicas should have worked: \(workers)")

            // Day 1: positions are sold and bought; the current holdings follow and history keeps both days.
            let (sold, bought) = Self.changes(token: "e2e-sandbox-1", from: 0, to: 1)
            #expect(!sold.isEmpty && !bought.isEmpty, "day 1 should sell and buy something")
            _ = try await stack.simulator("PUT", "/sim/config", #"{"day": 1}"#)
            let second = try await cli.run("sync", "--all", "--wait")
            #expect(second.status == 0, "\(second)")
            try await Self.expectHoldings(stack, tokens, day: 1)
            try await Self.expectTotals(stack, cli, portfolio: long, tokens: tokens.filter { $0.value.contains("sandbox") }, day: 1)
            for account in tokens.keys {
                let snapshots = try await stack.count("SELECT count(*) FROM holding_snapshots WHERE account_id = \(account)")
                #expect(snapshots == 2, "account \(account) has \(snapshots) snapshots, expected one per day")
            }
            let history = try await cli.run("holdings", "--account", "\(tokens.first { $0.value == "e2e-sandbox-1" }!.key)", "--history")
            #expect(history.status == 0, "\(history)")

            // An expired token: the job fails as auth, the account needs re-auth, and the monitor lists it with the fix.
            let expired = try #require(
                try await cli.json("account", "add", "--portfolio", "\(trading)", "--broker", "ZERODHA", "--label", "Kite expired")["id"].int)
            #expect(
                try await cli.run("credentials", "set", "\(expired)", stdin: #"{"api_key": "e2ekey", "access_token": "expired-e2e"}"#).status == 0)
            let refused = try await cli.run("sync", "--account", "\(expired)", "--wait")
            #expect(refused.status != 0, "a failed job must fail the command: \(refused)")
            #expect(try await cli.json("account", "show", "\(expired)")["status"].string == "reauth_required")
            let monitorClient = RPCClient(baseURL: monitor.baseURL, token: Stack.readToken, client: stack.http, timeout: .seconds(10))
            let reauth = try await monitorClient.call(MonitorAPI.reauthAccounts, Empty())
            #expect(reauth.contains { $0.account.id == expired && $0.fix.contains("\(expired)") }, "\(reauth)")
            // The fix it names works: new credentials make the account active again, and it syncs.
            #expect(
                try await cli.run("credentials", "set", "\(expired)", stdin: #"{"api_key": "e2ekey", "access_token": "renewed-e2e"}"#).status == 0)
            #expect(try await cli.json("account", "show", "\(expired)")["status"].string == "active")
            let renewed = try await cli.run("sync", "--account", "\(expired)", "--wait")
            #expect(renewed.status == 0, "\(renewed)")
            #expect(try await stack.storedHoldings(expired) == Stack.expectedHoldings(token: "renewed-e2e", day: 1))

            // A schedule every 2 s fires and syncs, through the scheduler and the dispatcher.
            let schedule = try #require(
                try await cli.json(
                    "schedule", "add", "--name", "e2e every 2s", "--every", "2s", "--account", "\(tokens.keys.min()!)", "--action", "holdings"
                )["schedule"]["id"].int)
            try await eventually(timeout: .seconds(30), "two scheduled runs to finish") {
                let runs = try await cli.json("runs", "list")["items"].array
                return runs.filter { $0["scheduleID"].int == schedule && $0["status"].string == "finished" }.count >= 2
            }
            #expect(try await cli.run("schedule", "delete", "\(schedule)").status == 0)
        } catch {
            Issue.record("\(error)\n\(stack.logs())")
        }
        await stack.stop()
    }

    static func expectHoldings(_ stack: Stack, _ tokens: [Int: String], day: Int) async throws {
        for (account, token) in tokens.sorted(by: { $0.key < $1.key }) {
            #expect(try await stack.storedHoldings(account) == Stack.expectedHoldings(token: token, day: day), "account \(account), day \(day)")
        }
    }

    /// The portfolio's INR market value is the sum over its accounts of quantity × last price as brokersim serves them.
    static func expectTotals(_ stack: Stack, _ cli: CLI, portfolio: Int, tokens: [Int: String], day: Int) async throws {
        var expected = Decimal(0)
        for token in tokens.values {
            for holding in SimulatedPortfolio(token: token, day: day, count: 20, market: .india).holdings {
                expected += holding.quantity * holding.lastPrice
            }
        }
        let stored: Decimal = try await stack.database.query(
            "SELECT market_value FROM portfolio_totals WHERE portfolio_id = \(portfolio) AND currency = 'INR' ORDER BY as_of DESC, id DESC LIMIT 1"
        ).scalar()
        #expect(stored == expected, "portfolio \(portfolio) day \(day): stored \(stored), brokersim's data says \(expected)")
        let shown = try await cli.run("totals", "--portfolio", "\(portfolio)")
        #expect(shown.status == 0 && shown.stdout.contains("INR"), "\(shown)")
    }

    /// Symbols sold and bought between two days of one token's portfolio.
    static func changes(token: String, from: Int, to: Int) -> (sold: Set<String>, bought: Set<String>) {
        let before = Set(SimulatedPortfolio(token: token, day: from, count: 20, market: .india).holdings.map(\.symbol))
        let after = Set(SimulatedPortfolio(token: token, day: to, count: 20, market: .india).holdings.map(\.symbol))
        return (before.subtracting(after), after.subtracting(before))
    }
}
