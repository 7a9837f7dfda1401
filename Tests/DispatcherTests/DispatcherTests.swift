import Contracts
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@Suite("Dispatcher: fan-out, completion, restarts")
struct DispatcherTests {
    @Test("10,000 jobs fan out to their brokers' streams once; inactive users, portfolios and accounts are skipped and counted")
    func fanOut() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-dispatcher")
        try await stack.seedAccounts(broker: "SANDBOX", count: 6_000)
        let kite = try await stack.seedAccounts(broker: "ZERODHA", count: 4_000)
        // Skipped: a disabled account, one needing re-login, an inactive portfolio (100 accounts), an inactive user.
        try await stack.database.execute("UPDATE broker_accounts SET status = 'disabled' WHERE id = (SELECT min(id) FROM broker_accounts)")
        try await stack.database.execute("UPDATE broker_accounts SET status = 'reauth_required' WHERE id = (SELECT max(id) FROM broker_accounts)")
        try await stack.database.execute("UPDATE portfolios SET active = false WHERE id = \(kite[0])")
        let inactive = try await stack.seedAccounts(broker: "SANDBOX", count: 5)
        try await stack.database.execute("UPDATE users SET active = false WHERE id = (SELECT user_id FROM portfolios WHERE id = \(inactive[0]))")

        let detail = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        #expect(detail.total == 9_898)
        #expect(detail.run.status == .running && detail.run.dispatchedAt != nil)
        #expect(detail.run.counts.skippedAccounts == 1 && detail.run.counts.skippedReauth == 1)
        #expect(detail.run.counts.skippedPortfolios == 1 && detail.run.counts.skippedUsers == 1)
        #expect(detail.brokers.map(\.brokerCode) == ["SANDBOX", "ZERODHA"])
        #expect(detail.brokers.map { $0.byStatus["queued"] } == [5_999, 3_899])
        #expect(try await stack.redis.xlen(StreamNames.jobs(broker: "SANDBOX")) == 5_999)
        #expect(try await stack.redis.xlen(StreamNames.jobs(broker: "ZERODHA")) == 3_899)

        // A dispatcher that died mid-way leaves the run `dispatching`; the sweep finishes it without queuing anything twice.
        try await stack.database.execute(
            "UPDATE runs SET status = 'dispatching', created_at = now() - interval '1 minute' WHERE id = \(detail.run.id)")
        try await eventually("the sweep to finish the fan-out") {
            try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: detail.run.id)).detail.run.status == .running
        }
        #expect(try await stack.redis.xlen(StreamNames.jobs(broker: "SANDBOX")) == 5_999)
        #expect(try await stack.redis.xlen(StreamNames.jobs(broker: "ZERODHA")) == 3_899)
        let messages = try await stack.redis.xrange(StreamNames.jobs(broker: "ZERODHA"), count: 5)
        let first = try StreamEnvelope.decode(JobMessage.self, from: messages[0].fields).0
        #expect(first.runID == detail.run.id && first.brokerCode == "ZERODHA" && first.attempt == 1 && first.action == .holdings)
        await stack.stop()
    }

    @Test("a run with mixed outcomes finishes with the right counts and recomputes each portfolio's totals exactly once")
    func mixedOutcomes() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "300ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_MAX_ATTEMPTS": "2", "PSYNC_RETRY_BASE": "20ms", "PSYNC_RETRY_MAX": "50ms"])
        for portfolio in 0..<3 {
            _ = try await stack.makeAccounts(broker: "SANDBOX", count: 4) { ["token": "p\(portfolio)-t\($0)"] }
        }
        // Portfolio 0: one expired token (auth); portfolio 1: one HTML page (permanent); portfolio 2: one broker that stays down (dead).
        try await stack.database.execute("UPDATE broker_accounts SET status = 'disabled' WHERE label = 'A3'")
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"p1-t1","responses":["200-html"]}"#)
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"p2-t2","responses":["503","503","503","503"]}"#)
        let expiredAccount: Int = try await stack.database.query("SELECT id FROM broker_accounts ORDER BY id LIMIT 1").scalar()
        _ = try await stack.gateway("SANDBOX").call(
            GatewayAPI.putCredentials, PutCredentials(id: expiredAccount, credentials: ["token": "expired-p0"]))

        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        #expect(started.total == 9 && started.run.counts.skippedAccounts == 3)
        var progress: RunProgress?
        try await eventually(timeout: .seconds(60), "the run to finish") {
            progress = try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id))
            return progress?.detail.run.status == .finished
        }
        let counts = progress!.detail.run.counts
        #expect(counts.succeeded == 6 && counts.failed == 2 && counts.dead == 1 && counts.reauthRequired == 1, "\(progress!.detail.failures)")
        #expect(progress!.detail.done == 9 && !progress!.stuck)
        let recomputed = try await stack.database.query(
            "SELECT portfolio_id, count(*)::int AS n FROM portfolio_totals WHERE run_id = \(started.run.id) GROUP BY 1 ORDER BY 1")
        #expect(recomputed.count == 3)
        #expect(try recomputed.allSatisfy { try $0.decode(Int.self, named: "n") == 1 })
        let events = try await stack.redis.xrange(StreamNames.events).compactMap { try? StreamEnvelope.decode(Event.self, from: $0.fields).0 }
        #expect(events.filter { $0.kind == .runFinished && $0.runID == started.run.id }.count == 1)
        #expect(events.first { $0.kind == .runFinished && $0.runID == started.run.id }?.counts?.succeeded == 6)
        try await Task.sleep(for: .seconds(1))  // more sweeps: still exactly once
        #expect(try await stack.count("SELECT count(*)::int FROM portfolio_totals WHERE run_id = \(started.run.id)") == 3)
        await stack.stop()
    }

    @Test("the dispatcher killed mid-run: the run still completes after it restarts")
    func restartMidRun() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "300ms", "PSYNC_CLAIM_IDLE": "1s"])
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "100ms"])
        let dispatcher = try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_GATEWAY_CONCURRENCY": "4"])
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 40) { ["token": "restart-\($0)"] }
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings, .transactions]))
        #expect(started.total == 80)
        try await eventually("some jobs to end") { try await stack.count("SELECT count(*)::int FROM jobs WHERE status = 'succeeded'") >= 10 }
        await dispatcher.child.kill9()
        try await eventually(timeout: .seconds(60), "every job to end while the dispatcher is down") {
            try await stack.count("SELECT count(*)::int FROM jobs WHERE status = 'succeeded'") == 80
        }
        #expect(try await stack.admin.call(PersistenceAPI.getRun, ByID(id: started.run.id)).run.status == .running)
        try await stack.launch("psync-dispatcher")
        try await eventually("the restarted dispatcher to finish the run") {
            try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail.run.status == .finished
        }
        let run = try await stack.admin.call(PersistenceAPI.getRun, ByID(id: started.run.id)).run
        #expect(run.counts.succeeded == 80)
        #expect(try await stack.count("SELECT count(DISTINCT portfolio_id)::int FROM portfolio_totals WHERE run_id = \(run.id)") == 1)
        await stack.stop()
    }

    @Test("jobs for a broker with no gateway stay queued, the run is reported stuck past its deadline, and it runs when a gateway appears")
    func noGatewayYet() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms", "PSYNC_RUN_DEADLINE": "1s"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        _ = try await stack.makeAccounts(broker: "ZERODHA", count: 3) { ["api_key": "k", "access_token": "kite-\($0)"] }
        await stack.running("psync-gateway", arguments: ["--broker", "ZERODHA"])[0].child.stop()
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all))
        #expect(started.brokers.first?.byStatus == ["queued": 3])
        var progress: RunProgress?
        try await eventually("the run to be reported stuck") {
            progress = try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id))
            return progress!.stuck
        }
        #expect(progress!.waitingFor.count == 3 && progress!.waitingFor.allSatisfy { $0.status == .queued })
        try await eventually("a run.stuck event naming the jobs") {
            try await stack.redis.xrange(StreamNames.events).compactMap { try? StreamEnvelope.decode(Event.self, from: $0.fields).0 }
                .contains { $0.kind == .runStuck && $0.runID == started.run.id && ($0.message ?? "").contains("3 of 3 jobs unfinished") }
        }
        try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        try await eventually("the run to finish once a gateway is up") {
            try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail.run.status == .finished
        }
        await stack.stop()
    }

    @Test("a fire becomes a run once even if delivered twice; a fire whose scope is gone is dead-lettered with the reason")
    func fires() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-dispatcher")
        let portfolios = try await stack.seedAccounts(broker: "SANDBOX", count: 5)
        let schedule = try await stack.persistence(as: Principal(.scheduler)).call(
            PersistenceAPI.createSchedule,
            SaveSchedule(
                definition: ScheduleDefinition(name: "hourly", kind: .interval, everySeconds: 3600, scope: .portfolio(portfolios[0])), nextRunAt: nil)
        )
        let fireTime = Date(timeIntervalSince1970: 1_900_000_000)
        let fire = FireMessage(scheduleID: schedule.id, fireTime: fireTime, scope: .portfolio(portfolios[0]), actions: [.holdings])
        let publisher = StreamPublisher(redis: stack.redis)
        try await publisher.publish(fire, to: StreamNames.dispatch)
        try await publisher.publish(fire, to: StreamNames.dispatch)
        try await publisher.publish(
            FireMessage(scheduleID: schedule.id, fireTime: fireTime.addingTimeInterval(3600), scope: .user(999_999), actions: [.holdings]),
            to: StreamNames.dispatch)
        try await eventually("the bad fire to be dead-lettered") { try await DeadLetterQueue(redis: stack.redis).count() == 1 }
        let letter = try await DeadLetterQueue(redis: stack.redis).list(count: 1)[0]
        #expect(letter.reason.contains("user 999999 does not exist"), "\(letter.reason)")
        let runs = try await stack.admin.call(PersistenceAPI.listRuns, ListRuns(scheduleID: schedule.id)).items
        #expect(runs.count == 1 && runs[0].fireTime == fireTime && runs[0].trigger == .schedule)
        #expect(try await stack.redis.xlen(StreamNames.jobs(broker: "SANDBOX")) == 5)
        await stack.stop()
    }
}
