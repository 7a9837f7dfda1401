import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@Suite("Snapshot writes: atomic, idempotent, current = latest complete snapshot")
struct SnapshotWriteTests {
    @Test("the same result persisted three times makes one snapshot")
    func idempotent() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts()
        let (_, jobs) = try await fixture.makeRun(.account(accounts[0].id))
        let result = Sample.success(jobs[0], holdings: Sample.holdings(20))
        try await fixture.publish([result, result])
        try await fixture.waitForJob(jobs[0].id, .succeeded)
        try await fixture.publish([result])
        try await eventually("the third copy to be consumed") {
            let pending = try await fixture.redis.pendingSummary(StreamNames.results, group: StreamNames.Group.persistence).count
            let lag = try await fixture.redis.groupInfo(StreamNames.results).first?.lag ?? 1
            return pending == 0 && lag == 0
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM holding_snapshots") == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM holdings") == 20)
        #expect(try await fixture.count("SELECT count(*)::int FROM job_attempts") == 1)
        let holdings = try await fixture.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[0].id))
        // meta is the broker's item byte for byte, as sent (a json column since migration 0008; jsonb re-spaced and re-ordered it).
        #expect(holdings.holdings == result.snapshot!.holdings)
        #expect(holdings.account.lastSyncedAt != nil)
        await fixture.stop()
    }

    @Test("a position sold since the last sync disappears from current holdings but stays in history")
    func soldPositionDisappears() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts()
        let (_, first) = try await fixture.makeRun(.account(accounts[0].id))
        let before = Sample.holdings(5)
        try await fixture.publish([Sample.success(first[0], holdings: before, asOf: Date(timeIntervalSinceNow: -60))])
        try await fixture.waitForJob(first[0].id, .succeeded)
        let (_, second) = try await fixture.makeRun(.account(accounts[0].id))
        let after = Array(before.dropFirst(2))
        try await fixture.publish([Sample.success(second[0], holdings: after)])
        try await fixture.waitForJob(second[0].id, .succeeded)
        let current = try await fixture.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[0].id))
        #expect(current.holdings.map(\.symbol) == ["SYM2", "SYM3", "SYM4"])
        let history = try await fixture.admin.call(PersistenceAPI.accountSnapshots, ListSnapshots(id: accounts[0].id))
        #expect(history.items.count == 2)
        #expect(history.items.map(\.current) == [true, false])
        let old = try await fixture.admin.call(PersistenceAPI.snapshotHoldings, ByID(id: history.items[1].id))
        #expect(old.holdings.map(\.symbol) == ["SYM0", "SYM1", "SYM2", "SYM3", "SYM4"])
        await fixture.stop()
    }

    @Test("two results for one account in one batch: the later as_of wins")
    func laterAsOfWins() async throws {
        let fixture = try await PersistenceFixture.start(["PSYNC_RESULT_BATCH_WINDOW": "500ms", "PSYNC_RESULT_CONSUMERS": "1"])
        let (_, _, accounts) = try await fixture.makeAccounts()
        let (_, first) = try await fixture.makeRun(.account(accounts[0].id))
        let (_, second) = try await fixture.makeRun(.account(accounts[0].id))
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let newer = Sample.success(second[0], holdings: Sample.holdings(3, day: 100), asOf: now)
        let older = Sample.success(first[0], holdings: Sample.holdings(4), asOf: now.addingTimeInterval(-30))
        try await fixture.publish([newer, older])
        try await fixture.waitForJob(first[0].id, .succeeded)
        try await fixture.waitForJob(second[0].id, .succeeded)
        #expect(try await fixture.count("SELECT count(*)::int FROM holding_snapshots") == 2)
        let current = try await fixture.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[0].id))
        #expect(current.holdings.map(\.symbol) == ["SYM100", "SYM101", "SYM102"])
        #expect(current.snapshot!.asOf == now)
        await fixture.stop()
    }

    @Test("killed between commit and ack: the redelivered results change nothing")
    func crashBetweenCommitAndAck() async throws {
        let fixture = try await PersistenceFixture.start(["PSYNC_CLAIM_IDLE": "1s", "PSYNC_RESULT_BATCH_SIZE": "20"])
        let (_, _, accounts) = try await fixture.makeAccounts(200)
        let (run, jobs) = try await fixture.makeRun(.all)
        #expect(jobs.count == 200)
        // Committed but never acknowledged: the entry is delivered again, as after a crash right after the commit.
        let replayed = Sample.success(jobs[0], holdings: Sample.holdings(10))
        try await fixture.publish([replayed])
        try await fixture.waitForJob(jobs[0].id, .succeeded)
        try await fixture.publish([replayed])
        // And a real crash in the middle of the stream.
        try await fixture.publish(jobs.dropFirst().map { Sample.success($0, holdings: Sample.holdings(10)) })
        try await eventually("some results to be committed") {
            try await fixture.count("SELECT count(*)::int FROM holding_snapshots") > 20
        }
        await fixture.service.child.kill9()
        let restarted = try await fixture.relaunch(["PSYNC_CLAIM_IDLE": "1s"])
        try await eventually(timeout: .seconds(30), "every job to succeed") {
            try await fixture.count("SELECT count(*)::int FROM jobs WHERE status = 'succeeded'") == 200
        }
        try await eventually("the stream to drain") {
            try await fixture.redis.pendingSummary(StreamNames.results, group: StreamNames.Group.persistence).count == 0
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM holding_snapshots") == 200)
        #expect(try await fixture.count("SELECT count(*)::int FROM holdings") == 2000)
        #expect(try await fixture.count("SELECT count(*)::int FROM job_attempts") == 200)
        #expect(try await fixture.count("SELECT count(DISTINCT account_id)::int FROM holding_snapshots") == accounts.count)
        let detail = try await RPCClient(baseURL: restarted.baseURL, token: PersistenceFixture.adminToken, client: fixture.http)
            .call(PersistenceAPI.getRun, ByID(id: run.id))
        #expect(detail.run.counts.succeeded == 200)
        await restarted.child.stop()
        await fixture.stop()
    }

    @Test("a poison message is dead-lettered with its reason and the stream keeps flowing")
    func poisonMessages() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts(2)
        let (_, jobs) = try await fixture.makeRun(.all)
        let stream = StreamNames.results
        try await fixture.redis.xadd(stream, fields: [("garbage", "yes")])
        try await fixture.redis.xadd(stream, fields: [("type", "job.result"), ("v", "1"), ("body", "{truncated")])
        try await fixture.redis.xadd(stream, fields: [("type", "job.result"), ("v", "99"), ("body", "{}")])
        try await fixture.redis.xadd(stream, fields: [("type", "job.result"), ("v", "1"), ("body", #"{"jobID": "seven"}"#)])
        try await fixture.redis.xadd(
            stream, fields: [("type", "job.result"), ("v", "1"), ("body", .init(bytes: [UInt8](repeating: 0x7b, count: 9 << 20)))])
        var badCurrency = Sample.success(jobs[0], holdings: Sample.holdings(2, currency: "RUPEES"))
        badCurrency.snapshot!.holdings[1].currency = "RUPEES"
        try await fixture.publish([badCurrency])
        try await fixture.publish([Sample.success(jobs[1], holdings: Sample.holdings(2))])
        try await fixture.waitForJob(jobs[1].id, .succeeded)
        let letters = DeadLetterQueue(redis: fixture.redis)
        try await eventually("six dead letters") { try await letters.count() == 6 }
        let reasons = try await letters.list(count: 10).map(\.reason)
        #expect(reasons.contains("the entry has no 'type' field"))
        #expect(reasons.contains("the 'job.result' body is not valid JSON"))
        #expect(reasons.contains("version 99 of 'job.result' is not supported; this consumer reads versions 1 to 2"))
        #expect(reasons.contains { $0.contains("field 'jobID' must be an integer") })
        #expect(reasons.contains { $0.contains("over the 8 MiB limit") })
        #expect(reasons.contains { $0.contains("has currency 'RUPEES', not an ISO 4217 code") })
        #expect(try await fixture.admin.call(PersistenceAPI.getJob, ByID(id: jobs[0].id)).job.status == .queued)
        #expect(accounts.count == 2)
        #expect(try await fixture.redis.pendingSummary(stream, group: StreamNames.Group.persistence).count == 0)
        await fixture.stop()
    }

    @Test("an auth failure needs a new login; a retried job records every attempt")
    func failures() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts(2)
        let (run, jobs) = try await fixture.makeRun(.all)
        try await fixture.publish([
            Sample.failure(jobs[0], outcome: .failed, kind: .auth, error: "the broker refused the access token (TokenException)")
        ])
        try await fixture.publish([Sample.failure(jobs[1], outcome: .retrying, kind: .transient, error: "HTTP 502 from the broker")])
        try await fixture.waitForJob(jobs[0].id, .failed)
        try await fixture.waitForJob(jobs[1].id, .retrying)
        try await fixture.publish([Sample.success(jobs[1], holdings: Sample.holdings(3), attempt: 2)])
        try await fixture.waitForJob(jobs[1].id, .succeeded)
        let refused = try await fixture.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[0].id))
        #expect(refused.status == .reauthRequired)
        #expect(refused.lastError == "the broker refused the access token (TokenException)")
        let reauth = try await fixture.admin.call(PersistenceAPI.listAccounts, ListAccounts(status: .reauthRequired))
        #expect(reauth.items.map(\.id) == [accounts[0].id])
        let retried = try await fixture.admin.call(PersistenceAPI.getJob, ByID(id: jobs[1].id))
        #expect(retried.attempts.map(\.outcome) == ["retrying", "succeeded"])
        #expect(retried.job.attempts == 2 && retried.job.lastError == nil)
        let completion = try await fixture.client(as: Principal(.dispatcher)).call(PersistenceAPI.completeRun, ByID(id: run.id))
        #expect(completion.finishedNow)
        #expect(completion.run.counts == RunCounts(total: 2, succeeded: 1, failed: 1, reauthRequired: 1))
        await fixture.stop()
    }
    @Test("a result naming another account, portfolio, run or broker than its job's row is dead-lettered and changes nothing")
    func forgedResults() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts(2)
        let (run, jobs) = try await fixture.makeRun(.all)
        let victim = accounts.first { $0.id != jobs[0].accountID }!
        // Whoever can write to the results stream tries to put holdings into another account through a real job.
        var otherAccount = Sample.success(jobs[0], holdings: Sample.holdings(3))
        otherAccount.accountID = victim.id
        var otherPortfolio = Sample.success(jobs[0], holdings: Sample.holdings(3))
        otherPortfolio.portfolioID += 1000
        var otherRun = Sample.success(jobs[0], holdings: Sample.holdings(3))
        otherRun.runID = nil
        var otherBroker = Sample.success(jobs[0], holdings: Sample.holdings(3))
        otherBroker.brokerCode = "ZZZ"
        var noJob = Sample.success(jobs[0], holdings: Sample.holdings(3))
        noJob.jobID = 987_654
        try await fixture.publish([otherAccount, otherPortfolio, otherRun, otherBroker, noJob])
        let letters = DeadLetterQueue(redis: fixture.redis)
        try await eventually("five dead letters") { try await letters.count() == 5 }
        let reasons = try await letters.list(count: 10).map(\.reason)
        #expect(reasons.contains("the result for job \(jobs[0].id) names account \(victim.id), the job's is \(jobs[0].accountID)"), "\(reasons)")
        #expect(reasons.contains { $0.contains("names portfolio") } && reasons.contains { $0.contains("names run none") })
        #expect(reasons.contains { $0.contains("names broker ZZZ") } && reasons.contains("job 987654 does not exist"))
        #expect(try await fixture.count("SELECT count(*) FROM holding_snapshots") == 0)
        #expect(try await fixture.admin.call(PersistenceAPI.getJob, ByID(id: jobs[0].id)).job.status == .queued)
        // The job's own result still lands, in its own account.
        try await fixture.publish([Sample.success(jobs[0], holdings: Sample.holdings(3))])
        try await fixture.waitForJob(jobs[0].id, .succeeded)
        #expect(try await fixture.count("SELECT count(*) FROM holding_snapshots WHERE account_id = \(jobs[0].accountID)") == 1)
        #expect(try await fixture.count("SELECT count(*) FROM holding_snapshots WHERE account_id <> \(jobs[0].accountID)") == 0)
        #expect(try await fixture.admin.call(PersistenceAPI.getRun, ByID(id: run.id)).run.counts.succeeded == 1)
        await fixture.stop()
    }
}
