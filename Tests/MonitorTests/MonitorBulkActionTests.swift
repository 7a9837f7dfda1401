import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@Suite("Monitor: bulk actions (cancel a run, retry its failed jobs, retry or discard dead letters by filter)")
struct MonitorBulkActionTests {
    @Test("cancelling a run with queued jobs ends them as cancelled, takes them off the stream and finishes the run; audited")
    func cancelRun() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX")
        try await stack.launch("psync-monitor")
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": "cancel-\($0)"] }
        let monitor = try stack.monitor()
        _ = try await monitor.call(MonitorAPI.pauseQueue, BrokerQueue(broker: "SANDBOX"))
        try await Task.sleep(for: .milliseconds(1200))  // the gateway looks at the flag every 500 ms
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        let runID = started.run.id
        try await eventually("the run's jobs to be queued") {
            let queued = try await stack.redis.xlen(StreamNames.jobs(broker: "SANDBOX"))
            let status = try await monitor.call(MonitorAPI.run, ByID(id: runID)).detail.run.status
            return queued == 3 && status == .running
        }
        let session = try await stack.monitorLogin(token: Stack.adminToken)
        let page = try await stack.monitorRequest("GET", "/runs/\(runID)", cookie: session.cookie)
        #expect(page.text.contains("id=\"cancel-run\"") && page.text.contains("href=\"/runs/\(runID)/cancel\""))
        let confirm = try await stack.monitorRequest("GET", "/runs/\(runID)/cancel", cookie: session.cookie)
        #expect(confirm.status == 200 && confirm.text.contains("id=\"confirm-cancel\"") && confirm.text.contains("action=\"/runs/\(runID)/cancel\""))
        let cancelled = try await stack.monitorRequest("POST", "/runs/\(runID)/cancel", cookie: session.cookie, form: ["csrf": session.csrf])
        #expect(cancelled.status == 303 && cancelled.header("Location") == "/runs/\(runID)", "\(cancelled.text.prefix(300))")

        let run = try await monitor.call(MonitorAPI.run, ByID(id: runID)).detail.run
        #expect(run.status == .finished && run.counts.cancelled == 3 && run.counts.succeeded == 0, "\(run.counts)")
        #expect(try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(runID) AND status = 'cancelled'") == 3)
        #expect(try await stack.redis.xlen(StreamNames.jobs(broker: "SANDBOX")) == 0, "the cancelled jobs are off the stream")
        _ = try await monitor.call(MonitorAPI.resumeQueue, BrokerQueue(broker: "SANDBOX"))
        try await Task.sleep(for: .seconds(2))
        #expect(try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(runID) AND status = 'cancelled'") == 3, "none was worked")
        let again = try await stack.monitorRequest("POST", "/api/v1/runs/\(runID)/cancel", token: Stack.adminToken)
        #expect(again.status == 409, "a finished run has nothing to cancel")
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "run", entityID: "\(runID)")).items
        #expect(audit.map(\.action) == ["cancel"] && audit.first?.actor == "monitor for admin", "\(audit)")
        let after = try await stack.monitorRequest("GET", "/runs/\(runID)", cookie: session.cookie).text
        #expect(after.contains("id=\"run-cancelled\">3<") && !after.contains("id=\"cancel-run\""))
        await stack.stop()
    }

    @Test("retrying a run's failed jobs reopens the dead one, drops its letter, and it succeeds; audited")
    func retryFailed() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_MAX_ATTEMPTS": "2", "PSYNC_RETRY_BASE": "20ms", "PSYNC_RETRY_MAX": "50ms"])
        try await stack.launch("psync-monitor")
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "retry-\($0)"] }
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"retry-1","responses":["503","503"]}"#)
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        let runID = started.run.id
        let monitor = try stack.monitor()
        try await eventually(timeout: .seconds(30), "the run to finish with one dead job") {
            try await monitor.call(MonitorAPI.run, ByID(id: runID)).detail.run.status == .finished
        }
        #expect(try await stack.redis.xlen(StreamNames.deadLetters) == 1)
        let page = try await stack.monitorRequest("GET", "/runs/\(runID)", token: Stack.adminToken)
        #expect(page.text.contains("action=\"/runs/\(runID)/retry-failed\""))

        let readOnly = try stack.monitor(token: Stack.readToken)
        await #expect(throws: RPCError.self) { try await readOnly.call(MonitorAPI.retryFailedJobs, ByID(id: runID)) }
        let retried = try await monitor.call(MonitorAPI.retryFailedJobs, ByID(id: runID))
        #expect(retried.retried.count == 1 && retried.refused.isEmpty, "\(retried)")
        #expect(try await stack.redis.xlen(StreamNames.deadLetters) == 0, "the dead job's letter is stale and gone")
        try await eventually(timeout: .seconds(30), "the reopened job to succeed and the run to finish again") {
            let run = try await monitor.call(MonitorAPI.run, ByID(id: runID)).detail.run
            return run.status == .finished && run.counts.succeeded == 2
        }
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "job", entityID: "\(retried.retried[0])")).items
        #expect(audit.first?.action == "reopen" && audit.first?.actor == "monitor for admin")
        #expect(try await monitor.call(MonitorAPI.retryFailedJobs, ByID(id: runID)).retried.isEmpty, "nothing left to retry")
        #expect(try await stack.monitorRequest("POST", "/api/v1/runs/999999/retry-failed", token: Stack.adminToken).status == 404)
        await stack.stop()
    }

    @Test("a filter counts the matching dead letters; discard removes only those, retry puts back only its matches; audited")
    func deadLettersByFilter() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        var ids: [String] = []
        for (origin, reason) in [(StreamNames.dispatch, "bad fire A"), (StreamNames.dispatch, "bad fire B"), (StreamNames.dispatch, "other")] {
            let id = try await stack.redis.xadd(
                StreamNames.deadLetters,
                fields: [("origin", .init(origin)), ("reason", .init(reason)), ("type", "fire"), ("v", "1"), ("body", "{truncated")])
            ids.append(id.description)
        }
        let monitor = try stack.monitor()
        #expect(try await monitor.call(MonitorAPI.matchingDeadLetters, DeadLetterFilter(reason: "BAD FIRE")).count == 2)
        #expect(try await monitor.call(MonitorAPI.matchingDeadLetters, DeadLetterFilter(origin: StreamNames.dispatch)).count == 3)
        #expect(try await monitor.call(MonitorAPI.matchingDeadLetters, DeadLetterFilter(broker: "SANDBOX")).count == 0)
        do {
            _ = try await monitor.call(MonitorAPI.discardDeadLetters, DeadLetterFilter())
            Issue.record("a filter with no criterion discarded")
        } catch let error as RPCError {
            #expect(error.status == 422, "\(error)")
        }

        let session = try await stack.monitorLogin(token: Stack.adminToken)
        let filtered = try await stack.monitorRequest("GET", "/dead-letters?reason=bad+fire", cookie: session.cookie)
        #expect(filtered.text.contains("id=\"dead-letter-matches\">2<") && filtered.text.contains("id=\"discard-matching\""), "\(filtered.text)")
        #expect(filtered.text.contains("action=\"/dead-letters/retry-matching\""))
        let confirm = try await stack.monitorRequest("GET", "/dead-letters/discard?reason=bad%20fire", cookie: session.cookie)
        #expect(confirm.status == 200 && confirm.text.contains("id=\"discard-count\">2<") && confirm.text.contains("id=\"confirm-discard\""))
        let discarded = try await stack.monitorRequest(
            "POST", "/dead-letters/discard", cookie: session.cookie, form: ["csrf": session.csrf, "reason": "bad fire"])
        #expect(discarded.status == 303 && discarded.header("Location") == "/dead-letters")
        let left = try await monitor.call(MonitorAPI.deadLetters, ListDeadLetters()).letters
        #expect(left.map(\.id) == [ids[2]], "only the matching letters went")
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "dead_letter", action: "discard")).items
        #expect(audit.count == 1 && audit[0].actor == "monitor for admin")

        let retried = try await monitor.call(MonitorAPI.retryMatchingDeadLetters, DeadLetterFilter(reason: "other"))
        #expect(retried.retried == 1)
        #expect(try await stack.redis.xlen(StreamNames.deadLetters) == 0)
        #expect(try await stack.monitorRequest("GET", "/dead-letters?before=yesterday", cookie: session.cookie).status == 400)
        await stack.stop()
    }

    @Test("a read-only session sees no bulk buttons and gets 403 on every bulk POST")
    func readOnly() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        _ = try await stack.redis.xadd(
            StreamNames.deadLetters, fields: [("origin", .init(StreamNames.dispatch)), ("reason", "r"), ("type", "fire"), ("v", "1"), ("body", "{")])
        let session = try await stack.monitorLogin(token: Stack.readToken)
        let page = try await stack.monitorRequest("GET", "/dead-letters?reason=r", cookie: session.cookie)
        #expect(page.status == 200 && page.text.contains("id=\"dead-letter-matches\">1<"))
        #expect(
            !page.text.contains("retry-matching") && !page.text.contains("discard-matching") && !page.text.contains("method=\"post\" action=\"/dead"))
        #expect(try await stack.monitorRequest("GET", "/dead-letters/discard?reason=r", cookie: session.cookie).status == 403)
        for path in ["/runs/1/cancel", "/runs/1/retry-failed", "/dead-letters/discard", "/dead-letters/retry-matching"] {
            let response = try await stack.monitorRequest("POST", path, cookie: session.cookie, form: ["csrf": session.csrf, "reason": "r"])
            #expect(response.status == 403, "\(path)")
        }
        for path in ["/api/v1/runs/1/cancel", "/api/v1/runs/1/retry-failed", "/api/v1/dead-letters/discard", "/api/v1/dead-letters/retry-matching"] {
            #expect(try await stack.monitorRequest("POST", path, token: Stack.readToken).status == 403, "\(path)")
        }
        #expect(try await stack.redis.xlen(StreamNames.deadLetters) == 1)
        await stack.stop()
    }
}
