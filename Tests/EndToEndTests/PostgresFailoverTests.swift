import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

/// Losing the Postgres primary mid-sync: a streaming standby with synchronous replication, every service connecting
/// with libpq's multi-host URL (`host1,host2 … target_session_attrs=read-write`). The primary crashes while results
/// are being committed; the standby is promoted; persistence reconnects to it and the run finishes.
@Suite("Postgres failover to a promoted standby")
struct PostgresFailoverTests {
    @Test("the primary crashed mid-run and the standby promoted: persistence reconnects, no acknowledged result is lost, the run finishes")
    func primaryCrashedMidRun() async throws {
        let primary = try await PostgresServer(synchronousStandby: true)
        let standby = try await PostgresServer(standbyOf: primary)
        primary.useFailover(to: standby)
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "500ms"], postgres: primary)
        #expect(stack.databaseURL.contains(",127.0.0.1:\(standby.port)/") && stack.databaseURL.hasSuffix("target_session_attrs=read-write"))
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "40ms"])
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_CONCURRENCY": "8"])
        let accounts = 300
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: accounts) { ["token": "pg-failover-\($0)"] }
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        let run = started.run.id
        try await eventually(timeout: .seconds(60), "a third of the jobs to succeed before the primary dies") {
            try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(run) AND status = 'succeeded'") >= accounts / 3
        }
        let doneAtCrash = try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(run) AND status = 'succeeded'")
        await primary.crash()
        let crashedAt = ContinuousClock.now
        try await standby.promote()
        let promotedAfter = ContinuousClock.now - crashedAt
        try await eventually(timeout: .seconds(120), every: .milliseconds(250), "the run to finish on the promoted standby") {
            try await stack.count("SELECT count(*)::int FROM runs WHERE id = \(run) AND status = 'finished'") == 1
        }
        #expect(doneAtCrash < accounts, "the run had finished before the primary crashed: the test proves nothing")
        let succeeded = try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(run) AND status = 'succeeded'")
        let synced = try await stack.count("SELECT count(DISTINCT account_id)::int FROM holding_snapshots WHERE run_id = \(run)")
        let snapshots = try await stack.count("SELECT count(*)::int FROM holding_snapshots WHERE run_id = \(run)")
        // Every job that had succeeded when the primary died is still succeeded on the standby: synchronous replication
        // kept every commit persistence had acknowledged (and so every result it had taken off the stream).
        #expect(succeeded == accounts, "jobs succeeded: \(succeeded) of \(accounts)")
        #expect(synced == accounts, "lost: \(accounts - synced) accounts without a snapshot")
        #expect(snapshots == synced, "duplicated: \(snapshots - synced) extra snapshots")
        print(
            "postgres failover: \(accounts) accounts, \(doneAtCrash) synced when the primary crashed, promoted after \(promotedAfter), "
                + "lost: \(accounts - synced), duplicated: \(snapshots - synced)")
        await stack.stop()
        await standby.stop()
    }
}
