import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

/// Faults of our own — Postgres away, a replica without the key its boxes were sealed with — are never charged to
/// a job's attempts or an account's status.
@Suite("Faults of our own never consume attempts or change an account")
struct OwnFaultTests {
    /// Settings under which a fault charged to the broker would kill a job within a second.
    /// A fresh 256-bit key as hex (a repeated pattern would be refused as a placeholder).
    static func randomKey() -> String {
        (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    static let impatient = ["PSYNC_MAX_ATTEMPTS": "2", "PSYNC_RETRY_BASE": "10ms", "PSYNC_RETRY_MAX": "20ms", "PSYNC_OWN_FAULT_DELAY": "300ms"]

    @Test("Postgres away mid-run: jobs wait with their attempts unchanged, nothing is dead-lettered, then each syncs once")
    func postgresAway() async throws {
        let postgres = try await PostgresServer()
        let stack = try await Stack.start(postgres: postgres)
        try await stack.launch("psync-brokersim")
        let first = try await stack.launchGateway("SANDBOX")
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 5) { ["token": "own-fault-\($0)"] }
        await first.child.stop()
        let (run, jobs) = try await stack.enqueueRun(.all)
        await postgres.stop()
        // A new replica has no credentials cached: every job needs persistence, which cannot reach Postgres.
        try await stack.launchGateway("SANDBOX", environment: Self.impatient)
        try await Task.sleep(for: .seconds(4))
        #expect(try await stack.redis.xlen(StreamNames.deadLetters) == 0, "\(stack.logs().suffix(3000))")
        try await postgres.start()
        let detail = try await stack.waitForRun(run.id, timeout: .seconds(60))
        #expect(detail.run.counts.succeeded == jobs.count, "\(detail.failures)")
        #expect(try await stack.count("SELECT count(*)::int FROM jobs WHERE attempts <> 1") == 0, "no attempt was spent on our outage")
        #expect(try await stack.count("SELECT count(*)::int FROM broker_accounts WHERE status <> 'active' OR last_error IS NOT NULL") == 0)
        #expect(try await stack.redis.xlen(StreamNames.deadLetters) == 0)
        #expect(accounts.count == 5)
        await stack.stop()
        await postgres.stop()
    }

    @Test("a replica without the key id of the boxes says it is not ready and changes no account; one with the key syncs them")
    func unknownKeyID() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        let sealer = try await stack.launchGateway("SANDBOX")
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": "keyed-\($0)"] }
        await sealer.child.stop()
        let (run, jobs) = try await stack.enqueueRun(.all)
        var wrong = Self.impatient
        wrong["PSYNC_MASTER_KEY"] = Self.randomKey()
        wrong["PSYNC_MASTER_KEY_ID"] = "k9"
        let misconfigured = try await stack.launchGateway("SANDBOX", environment: wrong)
        try await eventually("the replica to report its key problem") {
            let ready = try await stack.http.execute(
                HTTPClientRequest(url: misconfigured.baseURL + "/readyz", headers: [("Authorization", "Bearer \(Stack.readToken)")]))
            let report = try JSONCoding.decode(HealthReport.self, from: ready.body)
            return ready.status == 503 && report.checks["credential keys"]?.contains("does not hold") == true
        }
        let anonymous = try await stack.http.execute(HTTPClientRequest(url: misconfigured.baseURL + "/readyz"))
        #expect(anonymous.status == 503 && !anonymous.text.contains("key"), "\(anonymous.text)")
        try await Task.sleep(for: .seconds(2))
        #expect(try await stack.count("SELECT count(*)::int FROM jobs WHERE status IN ('failed', 'dead')") == 0)
        #expect(try await stack.count("SELECT count(*)::int FROM broker_accounts WHERE status <> 'active'") == 0)
        try await stack.launchGateway("SANDBOX", environment: Self.impatient)
        let detail = try await stack.waitForRun(run.id, timeout: .seconds(60))
        #expect(detail.run.counts.succeeded == jobs.count, "\(detail.failures)")
        #expect(try await stack.count("SELECT count(*)::int FROM jobs WHERE attempts <> 1") == 0)
        await stack.stop()
    }

    @Test("a broker key given directly rotates like a derived one: previous keys open old boxes, rotation re-seals them")
    func directKeyRotation() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        let oldKey = Self.randomKey()
        let newKey = Self.randomKey()
        let old = try await stack.launchGateway("SANDBOX", environment: ["PSYNC_SANDBOX_KEY": oldKey, "PSYNC_SANDBOX_KEY_ID": "d1"])
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "direct-\($0)"] }
        #expect(try await stack.count("SELECT count(*)::int FROM credentials WHERE key_id = 'd1'") == 2)
        await old.child.stop()
        let rotating = try await stack.launchGateway(
            "SANDBOX", environment: ["PSYNC_SANDBOX_KEY": newKey, "PSYNC_SANDBOX_KEY_ID": "d2", "PSYNC_SANDBOX_PREVIOUS_KEYS": "d1:\(oldKey)"])
        let rotated = try await stack.gateway("SANDBOX").call(GatewayAPI.rotateKeys)
        #expect(rotated.resealed == 2 && rotated.failed.isEmpty && rotated.currentKeyID == "d2")
        await rotating.child.stop()
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_SANDBOX_KEY": newKey, "PSYNC_SANDBOX_KEY_ID": "d2"])
        let (run, _) = try await stack.enqueueRun(.all)
        #expect(try await stack.waitForRun(run.id).run.counts.succeeded == 2)
        #expect(try await stack.storedHoldings(accounts[1].id) == Stack.expectedHoldings(token: "direct-1"))
        await stack.stop()
    }
}

/// Backpressure: results wait in Redis' memory while persistence is behind; gateways stop taking jobs above a limit.
@Suite("Gateways slow down when persistence falls behind")
struct BackpressureTests {
    @Test("with persistence frozen the results stream stops near its limit and jobs wait in their stream; thawed, the run completes")
    func resultsBacklog() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "100ms"])
        try await stack.launchGateway(
            "SANDBOX",
            environment: ["PSYNC_RESULTS_BACKLOG_MAX": "20", "PSYNC_GATEWAY_CONCURRENCY": "4", "PSYNC_CREDENTIALS_CACHE_TTL": "10m"])
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 60) { ["token": "backlog-\($0)"] }
        // A first run warms the gateway's credential cache, so it needs no persistence while persistence is frozen.
        let (first, _) = try await stack.enqueueRun(.all)
        #expect(try await stack.waitForRun(first.id).run.counts.succeeded == 60)
        let (run, jobs) = try await stack.enqueueRun(.all, publish: false)
        let messages = try await stack.jobMessages(run, jobs)
        try await eventually("acknowledged results to be trimmed") { try await stack.redis.xlen(StreamNames.results) == 0 }
        let persistence = try #require(stack.first("psync-persistence"))
        persistence.child.signal(19)  // SIGSTOP: persistence stops reading results.
        try await StreamPublisher(redis: stack.redis).publish(messages)
        try await Task.sleep(for: .seconds(3))
        let backlog = try await stack.redis.xlen(StreamNames.results)
        let stream = StreamNames.jobs(broker: "SANDBOX")
        let read = try await stack.redis.groupInfo(stream).first { $0.name == StreamNames.Group.gateway }
        #expect(backlog >= 20 && backlog <= 36, "results held in Redis: \(backlog)")
        #expect(try await stack.redis.xlen(stream) > 0 && backlog < 60, "jobs wait in their stream")
        #expect(read != nil)
        persistence.child.signal(18)  // SIGCONT
        let detail = try await stack.waitForRun(run.id, timeout: .seconds(60))
        #expect(detail.run.counts.succeeded == 60, "\(detail.failures)")
        #expect(stack.logs().contains("results backlog over its limit") && stack.logs().contains("results backlog drained"))
        await stack.stop()
    }
}
