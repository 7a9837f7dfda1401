import Contracts
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@Suite("Gateways: global rate limit, replicas dying, graceful shutdown")
struct GatewayReliabilityTests {
    @Test("three replicas under a 10 req/s limit over 300 accounts: no 429, at least 9 req/s")
    func globalRateLimit() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_RATE_LIMIT": "10", "PSYNC_SIM_HOLDINGS": "5"])
        let settings = ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false", "PSYNC_ZERODHA_RATE_LIMIT": "10/s"]
        for _ in 0..<3 { try await stack.launchGateway("ZERODHA", environment: settings) }
        _ = try await stack.makeAccounts(broker: "ZERODHA", count: 300) { ["api_key": "one-shared-key", "access_token": "kite-\($0)"] }
        _ = try await stack.simulator("POST", "/sim/stats/reset")
        let clock = ContinuousClock()
        let start = clock.now
        let (run, _) = try await stack.enqueueRun(.all)
        let detail = try await stack.waitForRun(run.id, timeout: .seconds(90))
        let elapsed = clock.now - start
        let stats = try await stack.simulatorStats()
        #expect(detail.run.counts.succeeded == 300, "\(detail.failures)")
        #expect((stats["rateLimited"] as? Int) == 0, "\(stats)")
        let rate = 300 / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        #expect(rate >= 9, "achieved \(rate) req/s")
        await stack.stop()
    }

    @Test("a replica killed mid-run: every job still completes exactly once")
    func replicaKilled() async throws {
        let stack = try await Stack.start(["PSYNC_CLAIM_IDLE": "2s"])
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "100ms"])
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_GATEWAY_CONCURRENCY": "8"])
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_GATEWAY_CONCURRENCY": "8"])
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 200) { ["token": "t-\($0)"] }
        let (run, jobs) = try await stack.enqueueRun(.all)
        try await eventually("some jobs to finish") { try await stack.count("SELECT count(*)::int FROM jobs WHERE status = 'succeeded'") > 20 }
        await stack.running("psync-gateway", arguments: ["--broker", "SANDBOX"])[0].child.kill9()
        let detail = try await stack.waitForRun(run.id, timeout: .seconds(90))
        #expect(detail.run.counts.succeeded == jobs.count, "\(detail.failures)")
        #expect(try await stack.count("SELECT count(*)::int FROM holding_snapshots") == jobs.count)
        #expect(try await stack.count("SELECT count(DISTINCT job_id)::int FROM holding_snapshots") == jobs.count)
        #expect(try await stack.count("SELECT count(*)::int FROM jobs WHERE status <> 'succeeded'") == 0)
        await stack.stop()
    }

    @Test("SIGTERM mid-run: in-flight jobs finish or are handed back, never failed")
    func gracefulShutdown() async throws {
        let stack = try await Stack.start(["PSYNC_CLAIM_IDLE": "2s", "PSYNC_DRAIN_TIMEOUT": "300ms"])
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "1s"])
        let first = try await stack.launchGateway("SANDBOX", environment: ["PSYNC_GATEWAY_CONCURRENCY": "10"])
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 20) { ["token": "t-\($0)"] }
        let (run, jobs) = try await stack.enqueueRun(.all)
        try await eventually("the first replica to take jobs") {
            try await stack.redis.pendingSummary(StreamNames.jobs(broker: "SANDBOX"), group: StreamNames.Group.gateway).count >= 10
        }
        let took = await first.child.stop()
        #expect(took < .seconds(10))
        #expect(first.child.exitStatus == 0)
        try await stack.launchGateway("SANDBOX")
        let detail = try await stack.waitForRun(run.id, timeout: .seconds(60))
        #expect(
            detail.run.counts.succeeded == jobs.count && detail.run.counts.failed == 0, "\(detail.run.counts) \(detail.brokers) \(detail.failures)")
        await stack.stop()
    }
}

@Suite("The credential vault")
struct VaultTests {
    @Test("ciphertext in Postgres never holds the token; a box moved to another account does not open")
    func sealedBoxes() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("SANDBOX")
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "very-secret-token-\($0)"] }
        let rows = try await stack.database.query("SELECT account_id, key_id, sealed_box FROM credentials ORDER BY account_id")
        #expect(rows.count == 2)
        for row in rows {
            let box = try row.decode(PostgresBytes.self, named: "sealed_box").bytes
            #expect(!String(decoding: box, as: UTF8.self).contains("very-secret"))
            #expect(try row.decode(String.self, named: "key_id") == "k1")
        }
        let dump = try await stack.database.query("SELECT string_agg(sealed_box::text, ',') FROM credentials").scalar(String.self)
        #expect(!dump.contains(Array("very-secret".utf8).map { String(format: "%02x", $0) }.joined()))
        try await stack.database.execute(
            "UPDATE credentials SET sealed_box = (SELECT sealed_box FROM credentials WHERE account_id = \(accounts[0].id)) WHERE account_id = \(accounts[1].id)"
        )
        let verified = try await stack.gateway("SANDBOX").call(GatewayAPI.verifyCredentials, ByID(id: accounts[0].id))
        #expect(verified.valid && verified.profile?.userID != nil)
        await #expect { try await stack.gateway("SANDBOX").call(GatewayAPI.verifyCredentials, ByID(id: accounts[1].id)) } throws: { error in
            (error as? RPCError)?.message.contains("cannot be opened") == true
        }
        let (run, _) = try await stack.enqueueRun(.account(accounts[1].id))
        let detail = try await stack.waitForRun(run.id)
        #expect(detail.run.counts.failed == 1 && detail.failures.first?.kind == .auth)
        await stack.stop()
    }

    @Test("rotation re-seals every box under the new key; accounts keep syncing with only the new key")
    func rotation() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        let old = try await stack.launchGateway("SANDBOX")
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": "rotating-\($0)"] }
        await old.child.stop()
        let newKey = "29004257b041cb9150b087db1c1a5171b4f0f8f4b9a55463127ffded8b43e86b"
        let rotating = try await stack.launchGateway(
            "SANDBOX", environment: ["PSYNC_MASTER_KEY": newKey, "PSYNC_MASTER_KEY_ID": "k2", "PSYNC_PREVIOUS_MASTER_KEYS": "k1:\(Stack.masterKey)"]
        )
        let rotated = try await stack.gateway("SANDBOX").call(GatewayAPI.rotateKeys)
        #expect(rotated.resealed == 3 && rotated.failed.isEmpty && rotated.currentKeyID == "k2")
        #expect(try await stack.count("SELECT count(*)::int FROM credentials WHERE key_id = 'k2'") == 3)
        await rotating.child.stop()
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_MASTER_KEY": newKey, "PSYNC_MASTER_KEY_ID": "k2"])
        let (run, _) = try await stack.enqueueRun(.all)
        let detail = try await stack.waitForRun(run.id)
        #expect(detail.run.counts.succeeded == 3, "\(detail.failures)")
        #expect(try await stack.storedHoldings(accounts[2].id) == Stack.expectedHoldings(token: "rotating-2"))
        await stack.stop()
    }
}

@Suite("Gateway RPCs")
struct GatewayRPCTests {
    @Test("sync now, Kite's daily login, and a Vested statement import")
    func synchronousPaths() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        try await stack.launchGateway("VESTED")
        let kite = try await stack.makeAccounts(broker: "ZERODHA", count: 1) { _ in
            ["api_key": "kitekey", "access_token": "expired-old", "api_secret": "secret-kitekey"]
        }
        let gateway = try stack.gateway("ZERODHA")
        await #expect { try await gateway.call(GatewayAPI.syncNow, SyncNow(id: kite[0].id)) } throws: { error in
            let error = error as? RPCError
            return error?.status == 502 && error?.code == "broker_auth" && error?.message.contains("psync login \(kite[0].id)") == true
        }
        let login = try await gateway.call(GatewayAPI.loginURL, LoginURLRequest(id: kite[0].id))
        #expect(login.url.hasSuffix("?v=3&api_key=kitekey") && login.redirectParameter == "request_token")
        let sealed = try await gateway.call(GatewayAPI.completeLogin, CompleteLogin(id: kite[0].id, code: "abc123"))
        #expect(sealed.fields == ["access_token", "api_key", "api_secret"])
        let synced = try await gateway.call(GatewayAPI.syncNow, SyncNow(id: kite[0].id))
        #expect(synced.holdings == 20 && synced.snapshot?.current == true)
        await #expect { try await gateway.call(GatewayAPI.putCredentials, PutCredentials(id: kite[0].id, credentials: ["api_key": "k"])) } throws: {
            error in
            (error as? RPCError)?.message == "ZERODHA credentials need 'access_token'"
        }
        let user = try await stack.admin.call(PersistenceAPI.createUser, CreateUser(email: "v@example.com", name: "V"))
        let portfolio = try await stack.admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: user.id, name: "US", baseCurrency: "USD"))
        let vested = try await stack.admin.call(
            PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio.id, brokerCode: "VESTED", label: "Vested"))
        let importer = try stack.gateway("VESTED")
        let imported = try await importer.call(
            GatewayAPI.importStatement,
            ImportStatement(id: vested.id, csv: "symbol,quantity,average_price,currency\nAAPL,2.5,150.10,USD\nMSFT,1,300,USD\n")
        )
        #expect(imported.holdings == 2)
        await #expect {
            try await importer.call(
                GatewayAPI.importStatement, ImportStatement(id: vested.id, csv: "symbol,quantity,average_price,currency\nAAPL,x,1,USD\n"))
        } throws: {
            error in
            (error as? RPCError)?.message == "the statement has 1 problem(s): line 2: quantity must be a decimal number such as 1234.50, got 'x'"
        }
        await stack.stop()
    }
}
