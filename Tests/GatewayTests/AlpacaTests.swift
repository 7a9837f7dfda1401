import Contracts
import Foundation
import RPC
import ServiceKit
import TestSupport
import Testing

@testable import Gateway

/// Alpaca accounts, paper and live, synced end to end through brokersim's Alpaca hosts on two simulated days and compared
/// with brokersim's expected answer (`GET /sim/expected?format=alpaca`); a VESTED account in the same runs is skipped.
@Suite("Alpaca accounts sync end to end")
struct AlpacaTests {
    static func expected(_ stack: Stack, _ key: String, _ what: String) async throws -> [[String: Any]] {
        let text = try await stack.simulator("GET", "/sim/expected?format=alpaca&token=\(key)&what=\(what)")
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
    }

    static func storedTransactions(_ stack: Stack, _ account: Int) async throws -> [BrokerTransaction] {
        var items: [BrokerTransaction] = []
        var cursor: String?
        repeat {
            let page = try await stack.admin.call(PersistenceAPI.accountTransactions, ListTransactions(id: account, cursor: cursor, limit: 200))
            items += page.items.map(\.transaction)
            cursor = page.nextCursor
        } while cursor != nil
        return items.sorted { $0.externalID < $1.externalID }
    }

    /// One transaction as comparable text.
    static func line(_ id: String, _ kind: String, _ symbol: String?, _ quantity: Decimal?, _ amount: Decimal?, _ time: Date?) -> String {
        "\(id) \(kind) \(symbol ?? "-") q=\(quantity.map { "\($0)" } ?? "-") a=\(amount.map { "\($0)" } ?? "-") t=\(time.map(ISO8601.format) ?? "-")"
    }

    static func expectedLines(_ stack: Stack, _ key: String) async throws -> [String] {
        try await expected(stack, key, "transactions").map { row in
            line(
                row["id"] as! String, row["kind"] as! String, row["symbol"] as? String, (row["quantity"] as? String).flatMap { Decimal(string: $0) },
                (row["amount"] as? String).flatMap { Decimal(string: $0) }, ISO8601.parse(row["occurredAt"] as! String))
        }.sorted()
    }

    static func storedLines(_ stack: Stack, _ account: Int) async throws -> [String] {
        try await storedTransactions(stack, account).map {
            line($0.externalID, $0.kind.rawValue, $0.symbol, $0.quantity, $0.amount, $0.occurredAt)
        }.sorted()
    }

    /// Starts a run over every broker through the dispatcher and waits for it to finish.
    static func run(_ stack: Stack) async throws -> RunDetail {
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings, .transactions]))
        #expect(started.run.counts.skippedAccounts == 1, "the VESTED account is skipped: \(started.run.counts)")
        var detail: RunDetail?
        try await eventually(timeout: .seconds(60), "the run to finish") {
            detail = try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail
            return detail?.run.status == .finished
        }
        return detail!
    }

    @Test("a live URL set alone leaves the gateway without a paper URL: paper keys are refused, never sent to it")
    func paperURLSetting() throws {
        let live = try GatewayConfiguration(
            environment: EnvironmentReader(["PSYNC_ALPACA_BASE_URL": "https://api.alpaca.markets"]), broker: "ALPACA")
        #expect(live.baseURL == "https://api.alpaca.markets" && live.variantURLs.isEmpty)
        let both = try GatewayConfiguration(
            environment: EnvironmentReader(["PSYNC_ALPACA_BASE_URL": "http://sim", "PSYNC_ALPACA_PAPER_BASE_URL": "http://sim/alpaca-paper"]),
            broker: "ALPACA")
        #expect(both.variantURLs == ["paper": "http://sim/alpaca-paper"])
        #expect(
            try GatewayConfiguration(environment: EnvironmentReader([:]), broker: "ALPACA").variantURLs["paper"] == "https://paper-api.alpaca.markets"
        )
    }

    @Test("paper and live accounts store brokersim's expected positions (shorts signed) and activities, a late dividend included")
    func paperLiveAndLateDividend() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("ALPACA")
        try await stack.launchGateway("VESTED")
        let keys = ["paper-latediv-alltypes-short-acct0", "latediv-short-acct1", "paper-acct2"]
        let environments: [String?] = ["paper", "live", nil]
        let accounts = try await stack.makeAccounts(broker: "ALPACA", count: 3) { index in
            var fields = ["key_id": keys[index], "secret_key": "secret-\(index)"]
            fields["environment"] = environments[index]
            return fields
        }
        let vested = try await stack.admin.call(
            PersistenceAPI.createAccount, CreateAccount(portfolioID: accounts[0].portfolioID, brokerCode: "VESTED", label: "statements"))

        var firstRun = 0
        for day in 0...1 {
            if day > 0 { _ = try await stack.simulator("PUT", "/sim/config", #"{"day":\#(day)}"#) }
            let detail = try await Self.run(stack)
            if day == 0 { firstRun = detail.run.id }
            #expect(detail.run.counts.succeeded == 4, "day \(day): \(detail.run.counts) \(detail.failures)")
            for (account, key) in zip(accounts.prefix(2), keys) {
                let stored = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: account.id)).holdings
                let rows = try await Self.expected(stack, key, "holdings")
                #expect(stored.count == rows.count && stored.count == 20, "day \(day) \(key)")
                let quantities = Dictionary(stored.map { ($0.symbol, $0.quantity) }, uniquingKeysWith: { first, _ in first })
                for row in rows {
                    #expect(quantities[row["symbol"] as! String] == Decimal(string: row["quantity"] as! String), "\(key) \(row["symbol"]!)")
                }
                #expect(stored.filter { $0.quantity < 0 }.count == 5, "every fourth position is short")
                #expect(try await Self.storedLines(stack, account.id) == (try await Self.expectedLines(stack, key)), "day \(day) \(key)")
            }
        }
        // The portfolio's USD total follows the stored positions, shorts counting negative.
        var stored: [Holding] = []
        for account in accounts.prefix(2) {
            stored += try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: account.id)).holdings
        }
        let totals = try await stack.admin.call(PersistenceAPI.portfolioTotals, ListTotals(id: accounts[0].portfolioID)).items
        let usd = try #require(totals.filter { $0.total.currency == "USD" }.max { $0.asOf < $1.asOf })
        let marketValue = stored.reduce(Decimal(0)) { $0 + ($1.marketValue ?? 0) }
        #expect(usd.total.holdingsCount == 40 && usd.total.marketValue == marketValue, "\(usd.total) vs \(marketValue)")

        // The late dividend (booked on day 1, dated day 0, before what day 0's sync read) and its withholding are stored.
        let live = try await Self.storedTransactions(stack, accounts[1].id)
        let dividend = try #require(live.first { $0.kind == .dividend })
        #expect(ISO8601.format(dividend.occurredAt) == "2026-01-01T00:00:00.000Z")
        let tax = try #require(live.first { $0.kind == .withholdingTax })
        #expect(tax.amount == -(dividend.amount! / 4))
        let paper = try await Self.storedTransactions(stack, accounts[0].id)
        let kinds = Set(paper.map(\.kind))
        #expect(kinds.isSuperset(of: [.buy, .dividend, .withholdingTax, .fee, .interest, .split, .spinOff, .merger, .transfer, .journal]))

        // A paper key saved without "environment": "paper" goes to the live host, which refuses it as Alpaca does.
        let refused = try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[2].id))
        #expect(refused.status == .reauthRequired)
        let jobs = try await stack.admin.call(PersistenceAPI.runJobs, ListRunJobs(id: firstRun, limit: 50)).items
        let failed = jobs.filter { $0.accountID == accounts[2].id }
        #expect(failed.contains { $0.errorKind == .auth && $0.lastError?.contains(#""environment": "paper""#) == true })
        #expect(!jobs.contains { $0.accountID == vested.id }, "no job for the VESTED account")

        // The VESTED account takes a statement instead: Excel's byte-order mark and CRLF, holdings and transactions.
        let statement =
            "\u{FEFF}record,id,date,kind,symbol,quantity,average_price,amount,currency\r\n"
            + "holding,,,,AAPL,2,150,,USD\r\ntransaction,V-1,2026-11-20,dividend,AAPL,,,0.48,USD\r\n"
            + "transaction,V-2,2026-11-20,withholding_tax,AAPL,,,-0.12,USD\r\n"
        let imported = try await stack.gateway("VESTED").call(GatewayAPI.importStatement, ImportStatement(id: vested.id, csv: statement))
        #expect(imported.holdings == 1)
        let statementTransactions = try await Self.storedTransactions(stack, vested.id)
        #expect(statementTransactions.map(\.kind) == [.dividend, .withholdingTax])
        await #expect {
            try await stack.gateway("VESTED").call(
                GatewayAPI.importStatement, ImportStatement(id: vested.id, csv: "symbol,quantity,average_price,currency\nA,1,1,USD\nA,2,1,USD\n"))
        } throws: { error in
            (error as? RPCError)?.message.contains("line 3: symbol 'A' is already on line 2") == true
        }
        await stack.stop()
    }
}
