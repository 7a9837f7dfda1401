import Contracts
import Foundation
import PostgresClient
import RPC
import Streams
import TestSupport
import Testing

@Suite("Gateways sync accounts from brokersim end to end")
struct GatewaySyncTests {
    @Test("SANDBOX and ZERODHA accounts sync; stored holdings equal brokersim's data")
    func syncs() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("SANDBOX")
        try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        let sandbox = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": "sb-token-\($0)"] }
        let kite = try await stack.makeAccounts(broker: "ZERODHA", count: 2) { ["api_key": "kite-key", "access_token": "kite-token-\($0)"] }
        let (run, jobs) = try await stack.enqueueRun(.all)
        #expect(jobs.count == 5)
        let detail = try await stack.waitForRun(run.id)
        #expect(detail.run.counts.succeeded == 5, "\(detail.failures) \(stack.logs())")
        for (index, account) in sandbox.enumerated() {
            #expect(try await stack.storedHoldings(account.id) == Stack.expectedHoldings(token: "sb-token-\(index)"))
        }
        for (index, account) in kite.enumerated() {
            #expect(try await stack.storedHoldings(account.id) == Stack.expectedHoldings(token: "kite-token-\(index)"))
        }
        let meta = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: kite[0].id)).holdings[0].meta?.parsed()
        #expect(meta?["product"] == .string("CNC"))
        await stack.stop()
    }

    @Test("each failure class ends as it should: auth, rate-limited, permanent, transient")
    func failureClasses() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway(
            "ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false", "PSYNC_RETRY_BASE": "50ms", "PSYNC_RETRY_MAX": "200ms"])
        let tokens = ["expired-token", "limited-token", "html-token", "flaky-token"]
        let accounts = try await stack.makeAccounts(broker: "ZERODHA", count: 4) { ["api_key": "kite-key", "access_token": tokens[$0]] }
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"limited-token","responses":["429"]}"#)
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"html-token","responses":["200-html"]}"#)
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"flaky-token","responses":["502-html","502-html"]}"#)
        let (run, jobs) = try await stack.enqueueRun(.all)
        let detail = try await stack.waitForRun(run.id)
        func job(_ index: Int) async throws -> JobDetail {
            try await stack.admin.call(PersistenceAPI.getJob, ByID(id: jobs.first { $0.accountID == accounts[index].id }!.id))
        }
        let expired = try await job(0)
        #expect(expired.job.status == .failed && expired.job.errorKind == .auth && expired.attempts.count == 1)
        #expect(try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[0].id)).status == .reauthRequired)
        let limited = try await job(1)
        #expect(limited.job.status == .succeeded && limited.attempts.map(\.outcome) == ["retrying", "succeeded"])
        #expect(limited.attempts[0].errorKind == .rateLimited)
        let html = try await job(2)
        #expect(html.job.status == .failed && html.job.errorKind == .permanent)
        #expect(html.job.lastError == "ZERODHA answered holdings with an HTML page instead of JSON (HTTP 200)")
        let flaky = try await job(3)
        #expect(flaky.job.status == .succeeded && flaky.attempts.map(\.outcome) == ["retrying", "retrying", "succeeded"])
        #expect(flaky.attempts[0].error == "HTTP 502 from ZERODHA: an HTML error page")
        #expect(detail.run.counts.succeeded == 2 && detail.run.counts.failed == 2)
        await stack.stop()
    }

    @Test("transient failures beyond the last attempt are dead-lettered with the last error")
    func deadAfterMaxAttempts() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_MAX_ATTEMPTS": "3", "PSYNC_RETRY_BASE": "20ms", "PSYNC_RETRY_MAX": "50ms"])
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 1) { _ in ["token": "down-token"] }
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"down-token","responses":["503","503","503","503","503"]}"#)
        let (run, jobs) = try await stack.enqueueRun(.account(accounts[0].id))
        _ = try await stack.waitForRun(run.id)
        let job = try await stack.admin.call(PersistenceAPI.getJob, ByID(id: jobs[0].id))
        #expect(job.job.status == .dead && job.attempts.count == 3)
        #expect(job.job.lastError?.hasPrefix("gave up after 3 attempts: HTTP 503 from SANDBOX") == true)
        let letters = try await DeadLetterQueue(redis: stack.redis).list(count: 10)
        #expect(letters.count == 1 && letters[0].jobID == jobs[0].id && letters[0].reason.hasPrefix("gave up after 3 attempts"))
        await stack.stop()
    }
}
