import Contracts
import CurlClient
import PostgresClient
import RPC
import RedisClient
import TestSupport
import Testing

/// The whole system with every service logged in to Redis as its own ACL user (compose/redis/users.acl).
@Suite("Redis ACL users, end to end")
struct RedisACLEndToEndTests {
    @Test("a whole sync under the ACL users: jobs end as they should, the monitor works, and Redis refused no service anything")
    func wholeSyncUnderACLs() async throws {
        let stack = try await Stack.start(["PSYNC_MAX_ATTEMPTS": "5", "PSYNC_RETRY_BASE": "20ms", "PSYNC_RETRY_MAX": "50ms"])
        do {
            try await stack.launch("psync-brokersim")
            try await stack.launch("psync-dispatcher")
            try await stack.launch("psync-scheduler")
            try await stack.launch("psync-monitor")
            try await stack.launchGateway("SANDBOX")
            try await stack.launchGateway("ZERODHA")
            // One expired token: the failure path (events, dead letters, account status) runs too.
            let sandbox = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": $0 == 2 ? "expired-acl" : "acl-\($0)"] }
            let kite = try await stack.makeAccounts(broker: "ZERODHA", count: 2) { ["api_key": "aclkey", "access_token": "acl-kite-\($0)"] }
            // 429s and 5xx before an answer: retries go through the delayed set and the rate limiter.
            _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"acl-0","responses":["429","429","503"]}"#)
            _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"acl-kite-0","responses":["503","429"]}"#)
            let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
            try await eventually(timeout: .seconds(60), "the run to finish") {
                try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail.run.status == .finished
            }
            let run = try await stack.waitForRun(started.run.id)
            #expect(run.run.counts.succeeded == sandbox.count + kite.count - 1, "\(run.run.counts)")
            let retried = try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(run.run.id) AND attempts > 1")
            #expect(retried == 2, "the two faulted accounts were retried")
            for account in sandbox.prefix(2) + kite {
                #expect(try await !stack.storedHoldings(account.id).isEmpty, "account \(account.id) has no holdings")
            }

            // The monitor reads everything it shows and acts on queues and sessions as its own user.
            let monitor = try stack.monitor()
            let workers = try await monitor.call(MonitorAPI.workers, ListWorkers())
            let services = Set(workers.map { $0.heartbeat.service + ($0.heartbeat.broker.map { " " + $0 } ?? "") })
            #expect(
                services.isSuperset(of: [
                    "psync-persistence", "psync-dispatcher", "psync-scheduler", "psync-monitor", "psync-gateway SANDBOX", "psync-gateway ZERODHA",
                ]), "\(services)")
            #expect(try await monitor.call(MonitorAPI.queues).contains { $0.broker == "ZERODHA" })
            #expect(try await monitor.call(MonitorAPI.pauseQueue, BrokerQueue(broker: "ZERODHA")).paused == true)
            #expect(try await monitor.call(MonitorAPI.resumeQueue, BrokerQueue(broker: "ZERODHA")).paused != true)
            _ = try await monitor.call(MonitorAPI.overview)
            _ = try await monitor.call(MonitorAPI.deadLetters, ListDeadLetters())
            let (cookie, _) = try await stack.monitorLogin(token: Stack.adminToken)
            #expect(try await stack.monitorRequest("GET", "/queues", cookie: cookie).status == 200)

            // Redis logs every refusal (ACL LOG): a service whose rules miss a command or key it uses shows here.
            let refusals = try await stack.redis.send(["ACL", "LOG"])
            #expect(refusals.array?.isEmpty == true, "Redis refused a service: \(refusals)")
            await stack.stop()
        } catch {
            await stack.stop()
            throw error
        }
    }
}
