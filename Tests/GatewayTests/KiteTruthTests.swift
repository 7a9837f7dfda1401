import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

/// Kite accounts of every documented shape, synced through brokersim and compared with brokersim's own
/// expected answer (`GET /sim/expected?format=kite`): what Kite's rules say a sync must store.
@Suite("Kite accounts store every share they hold")
struct KiteTruthTests {
    /// One stored holding as comparable text: identity, quantity, its split and lot, prices.
    static func line(
        _ symbol: String, _ exchange: String?, _ quantity: String, _ average: String, _ last: String?, _ type: String,
        _ split: [String?], _ lot: String?
    ) -> String {
        "\(symbol) \(exchange ?? "-") \(type) q=\(quantity) avg=\(average) last=\(last ?? "-") split=\(split.map { $0 ?? "-" }.joined(separator: "/")) lot=\(lot ?? "-")"
    }

    static func stored(_ stack: Stack, _ account: Int) async throws -> [String] {
        try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: account)).holdings.map { holding in
            line(
                holding.symbol, holding.exchange, holding.quantity.description, holding.averagePrice.description, holding.lastPrice?.description,
                holding.assetType.rawValue, [holding.split?.free, holding.split?.unsettled, holding.split?.pledged].map { $0?.description },
                holding.lot?.rawValue)
        }.sorted()
    }

    static func expected(_ stack: Stack, token: String, what: String = "holdings") async throws -> [[String: Any]] {
        let text = try await stack.simulator("GET", "/sim/expected?format=kite&token=\(token)&what=\(what)")
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
    }

    static func expectedLines(_ stack: Stack, token: String) async throws -> [String] {
        try await expected(stack, token: token).map { row in
            func text(_ key: String) -> String? {
                (row[key] as? String).map { Decimal(string: $0).map { "\($0)" } ?? $0 }
            }
            return line(
                row["symbol"] as! String, row["exchange"] as? String, text("quantity")!, text("averagePrice")!, text("lastPrice"),
                row["assetType"] as! String, [text("free"), text("unsettled"), text("pledged")], row["lot"] as? String)
        }.sorted()
    }

    @Test("pledged, unsettled, MTF, fully pledged and mutual-fund holdings store brokersim's expected answer, queued and with --now")
    func everyShape() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA")
        let tokens = ["pledged-t1-mtf-mf-acct0", "fullpledge-pledged-acct1", "t1-mtf-acct2", "plain-acct3"]
        let accounts = try await stack.makeAccounts(broker: "ZERODHA", count: tokens.count) { ["api_key": "kite-key", "access_token": tokens[$0]] }
        let (run, _) = try await stack.enqueueRun(.all)
        let detail = try await stack.waitForRun(run.id)
        #expect(detail.run.counts.succeeded == tokens.count, "\(detail.failures) \(stack.logs())")
        for (account, token) in zip(accounts, tokens) {
            let expected = try await Self.expectedLines(stack, token: token)
            #expect(expected.count >= 20)
            #expect(try await Self.stored(stack, account.id) == expected, "account \(account.id) (\(token))")
            let notes = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: account.id)).snapshot?.notes
            #expect(notes == [], "no note where Kite's P&L agrees: \(String(describing: notes))")
        }
        // The shapes are really there: the split, a wholly pledged holding, an MTF lot and the funds.
        let mixed = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[0].id)).holdings
        #expect(mixed.contains { ($0.split?.pledged ?? 0) > 0 } && mixed.contains { ($0.split?.unsettled ?? 0) > 0 })
        #expect(mixed.contains { $0.lot == .mtf } && mixed.filter { $0.assetType == .mutualFund }.count == 3)
        let fullyPledged = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[1].id)).holdings
        #expect(fullyPledged.contains { $0.split?.free == 0 && $0.split?.pledged == $0.quantity })

        // The synchronous path stores the same.
        let now = try await stack.gateway("ZERODHA").call(GatewayAPI.syncNow, SyncNow(id: accounts[0].id))
        let expectedCount = try await Self.expected(stack, token: tokens[0]).count
        #expect(now.snapshot?.current == true && now.holdings == expectedCount)
        #expect(try await Self.stored(stack, accounts[0].id) == (try await Self.expectedLines(stack, token: tokens[0])))
        await stack.stop()
    }

    @Test("a refused mutual-fund call stores the equity holdings and the job and snapshot say what is missing")
    func mutualFundsRefused() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA")
        let tokens = ["mfdenied-mf-acct0", "mf404-acct1"]
        let accounts = try await stack.makeAccounts(broker: "ZERODHA", count: 2) { ["api_key": "kite-key", "access_token": tokens[$0]] }
        let (run, jobs) = try await stack.enqueueRun(.all)
        let detail = try await stack.waitForRun(run.id)
        #expect(detail.run.counts.succeeded == 2, "\(detail.failures)")
        for (account, token) in zip(accounts, tokens) {
            #expect(try await Self.stored(stack, account.id) == (try await Self.expectedLines(stack, token: token)))
            let snapshot = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: account.id)).snapshot
            #expect(snapshot?.notes.map(\.kind) == [.partUnavailable])
            let job = try await stack.admin.call(PersistenceAPI.getJob, ByID(id: jobs.first { $0.accountID == account.id }!.id)).job
            #expect(
                job.status == .succeeded && job.note?.hasPrefix("mutual-fund holdings unavailable: HTTP") == true, "\(String(describing: job.note))")
        }
        let denied = try await stack.admin.call(PersistenceAPI.getJob, ByID(id: jobs.first { $0.accountID == accounts[0].id }!.id)).job
        #expect(denied.note?.contains("PermissionException") == true)
        await stack.stop()
    }

    @Test("the P&L note appears for the holding whose P&L does not match, and nowhere else")
    func pnlNote() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA")
        let accounts = try await stack.makeAccounts(broker: "ZERODHA", count: 2) {
            ["api_key": "kite-key", "access_token": ["pnlskew-acct0", "acct1"][$0]]
        }
        let (run, _) = try await stack.enqueueRun(.all)
        _ = try await stack.waitForRun(run.id)
        let skewed = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[0].id))
        let second = try await Self.expected(stack, token: "pnlskew-acct0")[1]["symbol"] as? String
        #expect(skewed.snapshot?.notes.count == 1)
        let note = try #require(skewed.snapshot?.notes.first)
        #expect(note.kind == .pnlMismatch && note.symbol == second)
        #expect(note.reported.flatMap { reported in note.computed.map { reported - $0 } } == 100)
        #expect(try await Self.stored(stack, accounts[0].id) == (try await Self.expectedLines(stack, token: "pnlskew-acct0")), "data stored as sent")
        #expect(try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[1].id)).snapshot?.notes == [])
        await stack.stop()
    }

    @Test("contract positions and fills keep lots and the multiplier: values are quantity × price × multiplier")
    func multipliers() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA")
        let accounts = try await stack.makeAccounts(broker: "ZERODHA", count: 1) { _ in ["api_key": "kite-key", "access_token": "fno-acct0"] }
        let (run, _) = try await stack.enqueueRun(.all, actions: [.positions, .transactions])
        let detail = try await stack.waitForRun(run.id)
        #expect(detail.run.counts.succeeded == 2, "\(detail.failures)")
        let rows = try await stack.database.query(
            """
            SELECT h.symbol, h.quantity::text AS quantity, h.multiplier::text AS multiplier, h.cost_value::text AS cost
            FROM broker_accounts a JOIN holdings h ON h.snapshot_id = a.current_positions_snapshot_id WHERE a.id = \(accounts[0].id)
            """)
        var stored: [String: (String, String?, String)] = [:]
        for row in rows {
            stored[try row.decode(named: "symbol")] = (
                try row.decode(named: "quantity"), try row.decode(named: "multiplier"), try row.decode(named: "cost")
            )
        }
        let expected = try await Self.expected(stack, token: "fno-acct0", what: "positions")
        #expect(stored.count == expected.count)
        for row in expected {
            let symbol = row["symbol"] as! String
            let quantity = Decimal(string: row["quantity"] as! String)!
            let multiplier = Decimal(string: row["multiplier"] as! String)!
            let cost = quantity * Decimal(string: row["averagePrice"] as! String)! * multiplier
            #expect(stored[symbol].map { Decimal(string: $0.0) } == quantity, "\(symbol)")
            #expect(stored[symbol].flatMap { $0.1.flatMap { Decimal(string: $0) } } == multiplier, "\(symbol)")
            #expect(stored[symbol].flatMap { Decimal(string: $0.2) } == cost, "\(symbol): cost \(String(describing: stored[symbol]?.2)) vs \(cost)")
        }
        #expect(stored["LEADMINI26JANFUT"]?.2 == "322100", "2 lots × 161.05 × 1000")
        let fills = try await stack.admin.call(PersistenceAPI.accountTransactions, ListTransactions(id: accounts[0].id)).items.map(\.transaction)
        let lead = try #require(fills.first { $0.symbol == "LEADMINI26JANFUT" })
        #expect(lead.quantity == 2 && lead.multiplier == 1000 && lead.amount == 322_100)
        let usd = try #require(fills.first { $0.symbol == "USDINR26JANFUT" })
        #expect(usd.kind == .sell && usd.quantity == 3 && usd.amount == Decimal(string: "218265")!)
        await stack.stop()
    }

    @Test("an expired login goes straight to reauth_required without calling the broker; a login ends with brokersim's next day")
    func loginExpiry() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        let accounts = try await stack.makeAccounts(broker: "ZERODHA", count: 2) {
            ["api_key": "kitekey", "access_token": ["stale-acct0", "acct1"][$0], "api_secret": "secret-kitekey"]
        }
        // A login sealed now ends at the next 06:00 IST; the account lists it.
        let account = try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[0].id))
        let expiry = try #require(account.loginExpiresAt)
        #expect(expiry > Date() && expiry <= Date().addingTimeInterval(86_400))
        #expect(Int(expiry.timeIntervalSince1970) % 86_400 == 1_800, "06:00 IST is 00:30 UTC")

        // Its login ended (as if sealed yesterday): the job fails as auth, the broker never hears of it.
        try await stack.database.execute("UPDATE credentials SET expires_at = now() - interval '1 minute' WHERE account_id = \(accounts[0].id)")
        _ = try await stack.simulator("POST", "/sim/stats/reset")
        let (run, jobs) = try await stack.enqueueRun(.account(accounts[0].id))
        _ = try await stack.waitForRun(run.id)
        let job = try await stack.admin.call(PersistenceAPI.getJob, ByID(id: jobs[0].id))
        #expect(job.job.status == .failed && job.job.errorKind == .auth && job.attempts.count == 1)
        #expect(job.job.lastError?.contains("expired") == true && job.job.lastError?.contains("the broker was not called") == true)
        #expect(try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[0].id)).status == .reauthRequired)
        #expect(try await stack.simulatorStats()["requests"] as? Int == 0)

        // A browser login on simulated day 0 works that day and is refused (TokenException) from day 1.
        let gateway = try stack.gateway("ZERODHA")
        _ = try await gateway.call(GatewayAPI.completeLogin, CompleteLogin(id: accounts[1].id, code: "req1"))
        let (first, _) = try await stack.enqueueRun(.account(accounts[1].id))
        #expect(try await stack.waitForRun(first.id).run.counts.succeeded == 1)
        _ = try await stack.simulator("PUT", "/sim/config", #"{"day":1}"#)
        let (second, secondJobs) = try await stack.enqueueRun(.account(accounts[1].id))
        _ = try await stack.waitForRun(second.id)
        let refused = try await stack.admin.call(PersistenceAPI.getJob, ByID(id: secondJobs[0].id)).job
        #expect(refused.status == .failed && refused.errorKind == .auth && refused.lastError?.contains("TokenException") == true)
        #expect(try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[1].id)).status == .reauthRequired)
        await stack.stop()
    }

    @Test("accounts whose login ends before their next scheduled run are listed")
    func loginEndsBeforeNextRun() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        try await stack.launchGateway("SANDBOX")
        let kite = try await stack.makeAccounts(broker: "ZERODHA", count: 1) { _ in ["api_key": "kitekey", "access_token": "acct0"] }
        let sandbox = try await stack.makeAccounts(broker: "SANDBOX", count: 1) { _ in ["token": "sb0"] }
        let soon = ListAccounts(loginExpiresBeforeNextRun: true)
        #expect(try await stack.admin.call(PersistenceAPI.listAccounts, soon).items.isEmpty, "no schedule, no next run")
        let definition = ScheduleDefinition(name: "later", kind: .interval, everySeconds: 3 * 86_400, scope: .all)
        _ = try await stack.persistence(as: Principal(.scheduler)).call(
            PersistenceAPI.createSchedule, SaveSchedule(definition: definition, nextRunAt: Date().addingTimeInterval(2 * 86_400)))
        let listed = try await stack.admin.call(PersistenceAPI.listAccounts, soon).items
        #expect(listed.map(\.id) == [kite[0].id], "the Kite login ends first; SANDBOX credentials do not expire")
        #expect(listed.first?.loginExpiresBeforeNextRun == true && listed.first?.nextScheduledRunAt != nil)
        #expect(try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: sandbox[0].id)).loginExpiresAt == nil)
        await stack.stop()
    }
}
