import Contracts
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@testable import Gateway

/// The per-account cap of jobs in flight, against a real Redis: a batch's leases in one call.
@Suite("Account limiter: a batch's leases in one call")
struct AccountLimiterTests {
    @Test("one call grants each job whose account has room, in order; an account twice in a batch gets only its limit")
    func batch() async throws {
        let server = try await RedisServer()
        let redis = RedisPool(configuration: server.configuration)
        defer { redis.close() }
        let limiter = AccountLimiter(redis: redis, broker: "T1", limit: 1, lease: .seconds(60))
        let granted = try await limiter.tryAcquire([(1, "w:1-0"), (1, "w:2-0"), (2, "w:3-0"), (3, "w:4-0")])
        #expect(granted == [true, false, true, true])
        #expect(try await redis.send(["ZRANGE", .init(limiter.key(1)), "0", "-1"]).array?.compactMap(\.string) == ["w:1-0"])
        #expect(try await limiter.tryAcquire([(1, "w:5-0"), (2, "w:6-0")]) == [false, false], "leases are held until released")

        // Released with the job's result, the slot is free for the next batch.
        _ = try await redis.send(limiter.releaseCommand(1, holder: "w:1-0"))
        #expect(try await limiter.tryAcquire([(1, "w:5-0"), (2, "w:6-0")]) == [true, false])

        // A limit of two: the third job of one account in a batch waits.
        let two = AccountLimiter(redis: redis, broker: "T2", limit: 2, lease: .seconds(60))
        #expect(try await two.tryAcquire([(9, "a"), (9, "b"), (9, "c")]) == [true, true, false])
        // No limit: every job runs and nothing is written.
        let none = AccountLimiter(redis: redis, broker: "T3", limit: 0, lease: .seconds(60))
        #expect(try await none.tryAcquire([(9, "a"), (9, "b")]) == [true, true])
        #expect(try await redis.send(["EXISTS", .init(none.key(9))]).int == 0)
    }

    @Test("a lease whose holder died expires: the account is free again after the lease time")
    func expiry() async throws {
        let server = try await RedisServer()
        let redis = RedisPool(configuration: server.configuration)
        defer { redis.close() }
        let limiter = AccountLimiter(redis: redis, broker: "T1", limit: 1, lease: .seconds(1))
        #expect(try await limiter.tryAcquire([(1, "crashed")]) == [true])
        #expect(try await limiter.tryAcquire([(1, "next")]) == [false])
        try await eventually(timeout: .seconds(5), every: .milliseconds(100), "the crashed holder's lease to expire") {
            try await limiter.tryAcquire([(1, "next")]) == [true]
        }
    }
}

/// The cap in a running gateway: jobs of one account taken in one batch still run one at a time.
@Suite("Account limiter in a gateway")
struct AccountLimiterStackTests {
    @Test("with PSYNC_ACCOUNT_CONCURRENCY=1, three jobs of one account read in one batch never overlap; another account's run beside them")
    func oneAtATime() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "300ms"])
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_ACCOUNT_CONCURRENCY": "1", "PSYNC_CONCURRENCY": "8"])
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "cap-\($0)"] }
        // Three runs of account 1 queued while the queue is paused, so the gateway reads all their jobs in one batch.
        try await stack.redis.set(StreamNames.paused(broker: "SANDBOX"), "test")
        try await Task.sleep(for: .milliseconds(1200))  // the gateway looks at the flag every 200 ms, between reads of up to 500 ms
        var runs: [Int] = []
        for _ in 0..<3 {
            runs.append(try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .account(1), actions: [.holdings])).run.id)
        }
        runs.append(try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .account(2), actions: [.holdings])).run.id)
        try await eventually("the four jobs to be on the stream") { try await stack.redis.xlen(StreamNames.jobs(broker: "SANDBOX")) == 4 }
        try await stack.redis.delete([StreamNames.paused(broker: "SANDBOX")])
        try await eventually(timeout: .seconds(30), "the four runs to finish") {
            try await stack.count("SELECT count(*)::int FROM runs WHERE status = 'finished'") == 4
        }
        var spans: [Int: [(start: Date, end: Date)]] = [:]
        let jobs = try await stack.admin.call(PersistenceAPI.listJobs, ListJobs(limit: 10)).items
        #expect(jobs.count == 4 && jobs.allSatisfy { $0.status == .succeeded })
        for job in jobs {
            let detail = try await stack.admin.call(PersistenceAPI.getJob, ByID(id: job.id))
            for attempt in detail.attempts {
                guard let start = attempt.startedAt, let end = attempt.finishedAt else { continue }
                spans[job.accountID, default: []].append((start, end))
            }
        }
        // An attempt's start counts its wait for the lease; its end is when the broker answered, before the lease went.
        // So with one at a time, each of account 1's broker calls (300 ms) began after the one before had ended.
        let first = (spans[1] ?? []).sorted { $0.end < $1.end }
        #expect(first.count == 3)
        for index in first.indices.dropFirst() {
            #expect(first[index].end.timeIntervalSince(first[index - 1].end) >= 0.3, "account 1's broker calls overlapped: \(first)")
        }
        // Account 2 was not held up behind account 1: its job ran while account 1's first did.
        let other = try #require(spans[2]?.first)
        #expect(other.end < first[0].end + 0.2, "account 2 waited for account 1: \(other) vs \(first)")
        await stack.stop()
    }
}
