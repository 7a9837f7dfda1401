import Contracts
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

/// Losing the Redis primary mid-sync: a replica and three sentinels on loopback, every service finding the primary
/// through the sentinels (`redis-sentinel://…`). The primary is killed while jobs flow; the sentinels promote the
/// replica; the services reconnect to it and the run finishes with every account synced exactly once.
@Suite("Redis failover through Sentinel")
struct RedisFailoverTests {
    @Test("the primary killed mid-run, a replica promoted: the run finishes, 0 accounts lost, 0 duplicated")
    func primaryKilledMidRun() async throws {
        let primary = try await RedisServer()
        try await primary.addGateway(broker: "SANDBOX")  // before the replica starts, so it loads the same users
        let replica = try await RedisServer(replicaOf: primary)
        let sentinels = try await RedisSentinels(watching: primary, replicas: 1)
        primary.useSentinels(sentinels)
        replica.useSentinels(sentinels)
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "500ms"], redis: primary)
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "40ms"])
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_CONCURRENCY": "8"])
        let accounts = 300
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: accounts) { ["token": "failover-\($0)"] }
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        let run = started.run.id
        try await eventually(timeout: .seconds(60), "a third of the jobs to succeed before the primary dies") {
            try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(run) AND status = 'succeeded'") >= accounts / 3
        }
        await primary.kill()
        let killedAt = ContinuousClock.now
        let doneAtKill = try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(run) AND status = 'succeeded'")
        #expect(doneAtKill < accounts, "the run had finished before the primary died: the test proves nothing")
        try await eventually(timeout: .seconds(30), every: .milliseconds(200), "the sentinels to promote the replica") {
            try await sentinels.primaryPort() == replica.port
        }
        let promotedAfter = ContinuousClock.now - killedAt
        try await eventually(timeout: .seconds(120), every: .milliseconds(250), "the run to finish on the new primary") {
            try await stack.count("SELECT count(*)::int FROM runs WHERE id = \(run) AND status = 'finished'") == 1
        }
        let succeeded = try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(run) AND status = 'succeeded'")
        let synced = try await stack.count("SELECT count(DISTINCT account_id)::int FROM holding_snapshots WHERE run_id = \(run)")
        let snapshots = try await stack.count("SELECT count(*)::int FROM holding_snapshots WHERE run_id = \(run)")
        #expect(succeeded == accounts, "jobs succeeded: \(succeeded) of \(accounts)")
        #expect(synced == accounts, "lost: \(accounts - synced) accounts without a snapshot")
        #expect(snapshots == synced, "duplicated: \(snapshots - synced) extra snapshots")
        // What the failover cost, for RELIABILITY.md: jobs run more than once (their result or acknowledgement was
        // written to the old primary and not yet replicated, or their gateway's connection broke mid-write).
        let rerun = try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(run) AND attempts > 1")
        let attempts = try await stack.count("SELECT count(*)::int FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE j.run_id = \(run)")
        print(
            "redis failover: \(accounts) accounts, \(doneAtKill) synced when the primary died, replica promoted after \(promotedAfter), "
                + "jobs run again: \(rerun), attempts recorded: \(attempts), lost: \(accounts - synced), duplicated: \(snapshots - synced)")
        await stack.stop()
        await sentinels.stop()
        await replica.stop()
    }
}
