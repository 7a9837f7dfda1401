import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@Suite("Monitor: pausing queues and retrying dead letters")
struct MonitorActionTests {
    @Test("a paused broker queue stops its gateway taking jobs; resuming lets the run finish; both are audited")
    func pauseResume() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX")
        try await stack.launch("psync-monitor")
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 4) { ["token": "pause-\($0)"] }
        let monitor = try stack.monitor()
        let paused = try await monitor.call(MonitorAPI.pauseQueue, BrokerQueue(broker: "SANDBOX"))
        #expect(paused.paused == true && paused.broker == "SANDBOX")
        try await Task.sleep(for: .milliseconds(1200))  // the gateway looks at the flag every 500 ms, between reads of up to 500 ms
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        try await eventually("the jobs to be on the stream") { try await stack.redis.xlen(StreamNames.jobs(broker: "SANDBOX")) == 4 }
        try await Task.sleep(for: .seconds(2))  // a paused gateway takes nothing in this time
        let waiting = try await monitor.call(MonitorAPI.queues).first { $0.broker == "SANDBOX" }
        #expect(waiting?.groups.first?.lag == 4 && waiting?.paused == true)
        #expect(try await stack.count("SELECT count(*)::int FROM jobs WHERE status = 'succeeded'") == 0)
        let page = try await stack.monitorRequest("GET", "/queues", token: Stack.adminToken)
        #expect(page.text.contains("action=\"/queues/SANDBOX/resume\"") && page.text.contains("badge warn\">paused"))

        #expect(try await monitor.call(MonitorAPI.resumeQueue, BrokerQueue(broker: "SANDBOX")).paused == false)
        try await eventually(timeout: .seconds(30), "the run to finish after the resume") {
            try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail.run.status == .finished
        }
        #expect(try await stack.count("SELECT count(*)::int FROM jobs WHERE status = 'succeeded'") == 4)
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "queue", entityID: "SANDBOX"))
        #expect(audit.items.map(\.action) == ["resume", "pause"])
        await stack.stop()
    }

    @Test("retrying a dead job's letter reopens it and runs it again: the run finishes again with the job succeeded")
    func retryDeadJob() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_MAX_ATTEMPTS": "2", "PSYNC_RETRY_BASE": "20ms", "PSYNC_RETRY_MAX": "50ms"])
        try await stack.launch("psync-monitor")
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "dead-\($0)"] }
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"dead-1","responses":["503","503"]}"#)
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        try await eventually(timeout: .seconds(30), "the run to finish with one dead job") {
            try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail.run.status == .finished
        }
        let monitor = try stack.monitor()
        let letters = try await monitor.call(MonitorAPI.deadLetters, ListDeadLetters())
        #expect(letters.total == 1)
        let letter = try #require(letters.letters.first)
        let jobID = try #require(letter.jobID)
        #expect(letter.reason.contains("gave up after 2 attempts") && letter.originStream == StreamNames.jobs(broker: "SANDBOX"))
        #expect(try await monitor.call(MonitorAPI.deadLetter, DeadLetterID(id: letter.id)) == letter)
        let html = try await stack.monitorRequest("GET", "/dead-letters", token: Stack.adminToken).text
        #expect(html.contains("action=\"/dead-letters/\(letter.id)/retry\"") && html.contains("id=\"dead-letter-total\">1<"))
        #expect(try await monitor.call(MonitorAPI.overview).deadLetters == 1)

        let readOnly = try stack.monitor(token: Stack.readToken)
        await #expect(throws: RPCError.self) { try await readOnly.call(MonitorAPI.retryDeadLetter, DeadLetterID(id: letter.id)) }
        let retried = try await monitor.call(MonitorAPI.retryDeadLetter, DeadLetterID(id: letter.id))
        #expect(retried == DeadLettersRetried(retried: 1, refused: [:]))
        #expect(try await stack.redis.xlen(StreamNames.deadLetters) == 0)
        try await eventually(timeout: .seconds(30), "the reopened job to succeed and the run to finish again") {
            let progress = try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id))
            return progress.detail.run.status == .finished && progress.detail.run.counts.succeeded == 2
        }
        let run = try await monitor.call(MonitorAPI.run, ByID(id: started.run.id)).detail.run
        #expect(run.counts.dead == 0 && run.counts.failed == 0)
        let job = try await monitor.call(MonitorAPI.job, ByID(id: jobID))
        #expect(job.job.status == .succeeded && job.job.attempts == 1)
        #expect(job.attempts.map(\.outcome) == ["retrying", "dead", "succeeded"], "\(job.attempts)")
        #expect(job.attempts.map(\.attempt) == [-1, 0, 1])
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "job", entityID: "\(jobID)"))
        #expect(audit.items.first?.action == "reopen" && audit.items.first?.actor == "monitor for admin")
        #expect(try await stack.count("SELECT count(*)::int FROM portfolio_totals WHERE run_id = \(run.id)") == 2, "totals recomputed again")

        // Retrying again: nothing left; a job that succeeded cannot be reopened.
        #expect(try await monitor.call(MonitorAPI.retryAllDeadLetters) == DeadLettersRetried(retried: 0, refused: [:]))
        let again = try await stack.persistence(as: Principal(.monitor)).call(PersistenceAPI.reopenJobs, ReopenJobs(jobIDs: [jobID, 999_999]))
        #expect(again.jobs.isEmpty && again.refused["\(jobID)"]?.contains("already succeeded") == true && again.refused["999999"] != nil)

        // Any other letter goes back to the stream it came from, as it was, if the monitor's Redis user may write
        // there: a result may not (only gateways append results), so it is refused and stays.
        try await stack.redis.xadd(StreamNames.results, fields: [("type", "job.result"), ("v", "1"), ("body", "{truncated")])
        var poison: DeadLetter?
        try await eventually("persistence to dead-letter the malformed result") {
            poison = try await monitor.call(MonitorAPI.deadLetters, ListDeadLetters()).letters.first
            return poison != nil
        }
        #expect(poison?.originStream == StreamNames.results && poison?.jobID == nil)
        let resultsBefore = try await stack.redis.xlen(StreamNames.results)
        let refused = try await monitor.call(MonitorAPI.retryAllDeadLetters)
        #expect(refused.retried == 0 && refused.refused[poison!.id]?.contains("may not put a letter back on psync:results") == true, "\(refused)")
        #expect(try await monitor.call(MonitorAPI.deadLetters, ListDeadLetters()).letters.map(\.id) == [poison!.id], "the letter stays")
        #expect(try await stack.redis.xlen(StreamNames.results) <= resultsBefore, "nothing appended to the results")
        // A letter from a stream the monitor may write goes back there, as it was.
        let fire = try await stack.redis.xadd(
            StreamNames.deadLetters, fields: [("origin", .init(StreamNames.dispatch)), ("type", "fire"), ("v", "1"), ("body", "{truncated")])
        #expect(try await monitor.call(MonitorAPI.retryDeadLetter, DeadLetterID(id: fire.description)).retried == 1)
        let retriedAudit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "dead_letter", entityID: fire.description))
        #expect(retriedAudit.items.map(\.action) == ["retry"])
        await stack.stop()
    }
}

@Suite("Monitor: lost workers, accounts needing re-auth, Redis away")
struct MonitorHealthTests {
    @Test("a killed gateway shows as lost, a cleanly stopped one is gone; re-auth accounts come with their fix; Redis away is a 503")
    func lostReauthOutage() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        let gateway = try await stack.launchGateway("SANDBOX")
        try await stack.launch("psync-monitor")
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": $0 == 0 ? "fine-0" : "expired-1"] }
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        try await eventually(timeout: .seconds(30), "the run to finish") {
            try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail.run.status == .finished
        }
        let monitor = try stack.monitor(token: Stack.readToken)
        let reauth = try await monitor.call(MonitorAPI.reauthAccounts)
        #expect(reauth.map(\.account.id) == [accounts[1].id])
        #expect(reauth.first?.fix == "psync credentials set \(accounts[1].id)")
        #expect(try await monitor.call(MonitorAPI.overview).reauthAccounts == 1)
        let page = try await stack.monitorRequest("GET", "/accounts/reauth", token: Stack.readToken)
        #expect(page.text.contains("data-reauth=\"\(accounts[1].id)\"") && page.text.contains("<code>psync credentials set \(accounts[1].id)</code>"))
        let runPage = try await stack.monitorRequest("GET", "/runs/\(started.run.id)", token: Stack.readToken)
        #expect(runPage.text.contains("<h2>Failures by reason</h2>") && runPage.text.contains("auth"))

        let instance = try #require(try await monitor.call(MonitorAPI.workers, ListWorkers(service: "psync-gateway")).first?.heartbeat.instanceID)
        await gateway.child.kill9()
        try await eventually(timeout: .seconds(15), "the killed gateway to show as lost") {
            try await monitor.call(MonitorAPI.workers, ListWorkers(service: "psync-gateway")).first { $0.heartbeat.instanceID == instance }?.state
                == "lost"
        }
        let lost = try await monitor.call(MonitorAPI.workers, ListWorkers(service: "psync-gateway")).first { $0.heartbeat.instanceID == instance }
        #expect(lost?.heartbeat.broker == "SANDBOX" && lost?.heartbeat.pid == gateway.child.pid)
        #expect(try await monitor.call(MonitorAPI.workers, ListWorkers(includeLost: false)).allSatisfy { $0.state == "alive" })
        let workersPage = try await stack.monitorRequest("GET", "/workers", token: Stack.readToken)
        #expect(workersPage.text.contains("data-worker=\"\(instance)\"") && workersPage.text.contains("badge bad\">lost"))
        #expect(try await monitor.call(MonitorAPI.overview).workers.contains { $0.state == "lost" })

        await stack.running("psync-dispatcher")[0].child.stop()
        #expect(try await monitor.call(MonitorAPI.workers, ListWorkers(service: "psync-dispatcher")).isEmpty, "a clean stop is not a loss")

        await stack.redisServer.stop()
        let api = try await stack.monitorRequest("GET", "/api/v1/queues", token: Stack.readToken)
        #expect(api.status == 503 && api.text.contains("\"code\":\"unavailable\""), "\(api.status) \(api.text)")
        let queues = try await stack.monitorRequest("GET", "/queues", token: Stack.readToken)
        #expect(queues.status == 503 && queues.header("Content-Type")?.hasPrefix("text/html") == true)
        await stack.stop()
    }
}
