import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

/// Upstox accounts of every documented shape, synced through brokersim's Upstox module and compared with brokersim's
/// own expected answer (`GET /sim/expected?format=upstox`); the login through the gateway; per-user rate limits.
@Suite("Upstox accounts sync end to end")
struct UpstoxTests {
    static func expected(_ stack: Stack, token: String, what: String) async throws -> [[String: Any]] {
        let text = try await stack.simulator("GET", "/sim/expected?format=upstox&token=\(token)&what=\(what)")
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
    }

    static func decimal(_ value: Any?) -> Decimal? { (value as? String).flatMap { Decimal(string: $0) } }

    static func transactions(_ stack: Stack, _ account: Int) async throws -> [BrokerTransaction] {
        var items: [BrokerTransaction] = []
        var cursor: String?
        repeat {
            let page = try await stack.admin.call(PersistenceAPI.accountTransactions, ListTransactions(id: account, cursor: cursor, limit: 500))
            items += page.items.map(\.transaction)
            cursor = page.nextCursor
        } while cursor != nil
        return items
    }

    @Test("T+1, collateral, contracts with multipliers and pages of trade history store brokersim's expected answer")
    func everyShape() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("UPSTOX")
        let tokens = ["t1-pledged-fno-history-acct0", "fullpledge-acct1", "acct2"]
        let accounts = try await stack.makeAccounts(broker: "UPSTOX", count: tokens.count) { ["access_token": tokens[$0]] }
        let (run, _) = try await stack.enqueueRun(.all, actions: [.holdings, .positions, .transactions])
        let detail = try await stack.waitForRun(run.id)
        #expect(detail.run.counts.succeeded == 3 * tokens.count, "\(detail.failures) \(stack.logs())")
        for (account, token) in zip(accounts, tokens) {
            let expected = try await Self.expected(stack, token: token, what: "holdings")
            let stored = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: account.id)).holdings
            #expect(stored.count == expected.count && stored.count == 20, "\(token)")
            let bySymbol = Dictionary(stored.map { ($0.symbol, $0) }, uniquingKeysWith: { first, _ in first })
            for row in expected {
                let holding = try #require(bySymbol[row["symbol"] as! String])
                #expect(holding.quantity == Self.decimal(row["quantity"]) && holding.lastPrice == Self.decimal(row["lastPrice"]))
                #expect(holding.averagePrice == Self.decimal(row["averagePrice"]))
                #expect(
                    holding.split
                        == HeldQuantity(
                            free: Self.decimal(row["free"])!, unsettled: Self.decimal(row["unsettled"])!, pledged: Self.decimal(row["pledged"])!),
                    "\(token) \(holding.symbol)")
            }

            let positions = try await stack.admin.call(PersistenceAPI.accountPositions, ByID(id: account.id)).holdings
            let expectedPositions = try await Self.expected(stack, token: token, what: "positions")
            #expect(positions.count == expectedPositions.count, "\(token)")
            for row in expectedPositions {
                let position = try #require(positions.first { $0.symbol == row["symbol"] as? String })
                #expect(position.quantity == Self.decimal(row["quantity"]) && position.multiplier == Self.decimal(row["multiplier"]))
                #expect(position.averagePrice == Self.decimal(row["averagePrice"]), "\(position.symbol)")
            }

            let trades = try await Self.transactions(stack, account.id)
            let expectedTrades = try await Self.expected(stack, token: token, what: "transactions")
            #expect(trades.count == expectedTrades.count && !trades.isEmpty, "\(token)")
            let byID = Dictionary(trades.map { ($0.externalID, $0) }, uniquingKeysWith: { first, _ in first })
            for row in expectedTrades {
                let trade = try #require(byID[row["externalID"] as! String])
                #expect(trade.kind.rawValue == row["kind"] as? String && trade.quantity == Self.decimal(row["quantity"]))
                #expect(trade.price == Self.decimal(row["price"]) && trade.amount == Self.decimal(row["amount"]))
                #expect(trade.occurredAt == ISO8601.parse(row["occurredAt"] as! String))
            }
        }
        // The shapes are really there: the split, a wholly pledged holding, contracts with multipliers, several pages.
        let mixed = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[0].id)).holdings
        #expect(mixed.contains { ($0.split?.pledged ?? 0) > 0 } && mixed.contains { ($0.split?.unsettled ?? 0) > 0 })
        let fullyPledged = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[1].id)).holdings
        #expect(fullyPledged.contains { $0.split?.free == 0 && $0.split?.pledged == $0.quantity })
        let contracts = try await stack.admin.call(PersistenceAPI.accountPositions, ByID(id: accounts[0].id)).holdings
        let usd = try #require(contracts.first { $0.symbol == "USDINR26JANFUT" })
        #expect(usd.quantity == -3 && usd.multiplier == 1000 && usd.costValue == Decimal(string: "-255382.5")!, "a null average_price")
        let history = try await Self.transactions(stack, accounts[0].id).count
        #expect(history > 200, "more than two pages of 100")

        // A second sync starts from the cursor and stores nothing twice.
        let (again, _) = try await stack.enqueueRun(.account(accounts[0].id), actions: [.transactions])
        #expect(try await stack.waitForRun(again.id).run.counts.succeeded == 1)
        #expect(try await Self.transactions(stack, accounts[0].id).count == history)
        await stack.stop()
    }

    /// Logs account `id` in through the gateway: its login URL, brokersim's Authorize dialog, the code back.
    static func login(_ stack: Stack, _ id: Int) async throws -> (sealed: CredentialsSealed, code: String) {
        let gateway = try stack.gateway("UPSTOX")
        let login = try await gateway.call(GatewayAPI.loginURL, LoginURLRequest(id: id))
        #expect(login.redirectParameter == "code" && login.url.contains("/v2/login/authorization/dialog?response_type=code&client_id=upstox-app"))
        let dialog = try await stack.http.execute(HTTPClientRequest(url: login.url))
        let location = try #require(dialog.header("location"), "status \(dialog.status)")
        #expect(dialog.status == 302 && location.hasPrefix("http://127.0.0.1:9/callback?code="))
        let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
        return (try await gateway.call(GatewayAPI.completeLogin, CompleteLogin(id: id, code: code)), code)
    }

    static let app = [
        "access_token": "not-yet", "client_id": "upstox-app", "client_secret": "secret-upstox-app", "redirect_uri": "http://127.0.0.1:9/callback",
    ]

    @Test("the login flow through the gateway stores the token and the user; two users on one app never share a rate-limit bucket")
    func loginAndPerUserLimits() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        // Three calls per minute per bucket: each user's verify, holdings and positions pass at once; one shared
        // bucket would hold the fourth call for a minute.
        try await stack.launchGateway("UPSTOX", environment: ["PSYNC_UPSTOX_RATE_LIMIT": "3/m"])
        let accounts = try await stack.makeAccounts(broker: "UPSTOX", count: 2) { _ in Self.app }
        var users: [String] = []
        for account in accounts {
            let sealed = try await Self.login(stack, account.id).sealed
            #expect(sealed.fields.contains("user_id") && sealed.fields.contains("access_token"))
            let verified = try await stack.gateway("UPSTOX").call(GatewayAPI.verifyCredentials, ByID(id: account.id))
            #expect(verified.valid, "\(String(describing: verified.message))")
            users.append(verified.profile?.userID ?? "")
        }
        #expect(users[0] != users[1] && !users[0].isEmpty, "two people logged in: \(users)")
        let account = try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[0].id))
        #expect(account.loginExpiresAt.map { Int($0.timeIntervalSince1970) % 86_400 } == 79_200, "03:30 IST is 22:00 UTC")
        let started = ContinuousClock.now
        let (run, _) = try await stack.enqueueRun(.all, actions: [.holdings, .positions])
        let detail = try await stack.waitForRun(run.id, timeout: .seconds(90))
        #expect(detail.run.counts.succeeded == 4, "\(detail.failures)")
        #expect(ContinuousClock.now - started < .seconds(40), "two users, two buckets: \(ContinuousClock.now - started)")

        // Another account of the first user (a pasted token with its user_id) counts in that user's bucket, which the
        // login recorded: its call waits until the user's first call of the minute has left the window.
        let same = try await stack.makeAccounts(broker: "UPSTOX", count: 1) { _ in ["access_token": "acct-same", "user_id": users[0]] }
        let waited = ContinuousClock.now
        let (shared, _) = try await stack.enqueueRun(.account(same[0].id))
        #expect(try await stack.waitForRun(shared.id, timeout: .seconds(150)).run.counts.succeeded == 1)
        #expect(ContinuousClock.now - waited > .seconds(15), "one user, one bucket: \(ContinuousClock.now - waited)")
        await stack.stop()
    }

    @Test("an expired login fails as auth without calling Upstox; brokersim ends a login at the next simulated day")
    func loginExpiry() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("UPSTOX")
        let accounts = try await stack.makeAccounts(broker: "UPSTOX", count: 2) { _ in Self.app }
        try await stack.database.execute("UPDATE credentials SET expires_at = now() - interval '1 minute' WHERE account_id = \(accounts[0].id)")
        _ = try await stack.simulator("POST", "/sim/stats/reset")
        let (run, jobs) = try await stack.enqueueRun(.account(accounts[0].id))
        _ = try await stack.waitForRun(run.id)
        let job = try await stack.admin.call(PersistenceAPI.getJob, ByID(id: jobs[0].id))
        #expect(job.job.status == .failed && job.job.errorKind == .auth && job.attempts.count == 1)
        #expect(job.job.lastError?.contains("the broker was not called") == true)
        #expect(try await stack.simulatorStats()["requests"] as? Int == 0)
        #expect(try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[0].id)).status == .reauthRequired)

        // A login on simulated day 0 works that day and is refused (401 UDAPI100050) from day 1.
        let code = try await Self.login(stack, accounts[1].id).code
        // The code is single use: exchanging it again fails, and the login stored stays.
        let gateway = try stack.gateway("UPSTOX")
        await #expect(throws: (any Error).self) { try await gateway.call(GatewayAPI.completeLogin, CompleteLogin(id: accounts[1].id, code: code)) }
        let (first, _) = try await stack.enqueueRun(.account(accounts[1].id))
        #expect(try await stack.waitForRun(first.id).run.counts.succeeded == 1)
        _ = try await stack.simulator("PUT", "/sim/config", #"{"day":1}"#)
        let (second, secondJobs) = try await stack.enqueueRun(.account(accounts[1].id))
        _ = try await stack.waitForRun(second.id)
        let refused = try await stack.admin.call(PersistenceAPI.getJob, ByID(id: secondJobs[0].id)).job
        #expect(refused.status == .failed && refused.errorKind == .auth && refused.lastError?.contains("UDAPI100050") == true)
        await stack.stop()
    }

    @Test("brokersim counts Upstox calls per user in several windows and answers 429 UDAPI10005; the adapter calls it rate-limited")
    func windows() async throws {
        let stack = try await Stack.start()
        let sim = try await stack.launch("psync-brokersim")
        func call(_ token: String) async throws -> HTTPClientResponse {
            try await stack.http.execute(
                HTTPClientRequest(url: sim.baseURL + "/v2/user/profile", headers: [("Authorization", "Bearer \(token)"), ("Api-Version", "2.0")]))
        }
        // `tight`: 2/s, 3/min, 4 per 30 min for this user.
        let first = [try await call("tight-u1"), try await call("tight-u1"), try await call("tight-u1")].map(\.status)
        #expect(first == [200, 200, 429], "the per-second window")
        let limited = try await call("tight-u1")
        #expect(String(decoding: limited.body, as: UTF8.self).contains("UDAPI10005") && limited.header("Retry-After") == nil)
        #expect(try await call("tight-u2").status == 200, "another user has windows of its own")
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await call("tight-u1").status == 200)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await call("tight-u1").status == 429, "the per-minute window (3) is full though the second is new")
        await stack.stop()
    }
}
