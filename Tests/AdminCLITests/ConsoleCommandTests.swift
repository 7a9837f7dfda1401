import Contracts
import Foundation
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@Suite("psync: audit, runs cancel and retry-failed, dead discard and retry by filter")
struct ConsoleCommandTests {
    @Test("the audit log filtered; a run cancelled; dead letters counted, discarded and retried by filter")
    func consoleCommands() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX")
        let monitor = try await stack.launch("psync-monitor")
        let cli = try CLI(stack, ["PSYNC_MONITOR_URL": monitor.baseURL])
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "cli-\($0)"] }

        #expect(try await cli.run("queues", "pause", "--broker", "SANDBOX").status == 0)
        try await Task.sleep(for: .milliseconds(1200))
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        try await eventually("the run to be dispatched") {
            try await cli.json("runs", "show", "\(started.run.id)")["run"]["status"].string == "running"
        }
        let cancelled = try await cli.run("runs", "cancel", "\(started.run.id)")
        #expect(cancelled.status == 0 && cancelled.stdout == "run \(started.run.id) finished: 2 job(s) cancelled\n", "\(cancelled)")
        let again = try await cli.run("runs", "cancel", "\(started.run.id)")
        #expect(again.status == 1 && again.stderr.contains("has finished"), "\(again)")
        let retry = try await cli.run("runs", "retry-failed", "\(started.run.id)")
        #expect(retry.status == 0 && retry.stdout.hasPrefix("0 job(s) of run \(started.run.id) queued again"), "\(retry)")

        let audit = try await cli.run("audit", "--actor", "admin", "--entity", "run")
        #expect(audit.status == 0 && audit.stdout.contains("monitor for admin") && audit.stdout.contains("cancel"), "\(audit)")
        let queues = try await cli.json("audit", "--entity", "queue", "--action", "pause")
        #expect(queues["items"].array.count == 1 && queues["items"][0]["actor"].string == "monitor for admin", "\(queues)")
        let none = try await cli.json("audit", "--since", "2099-01-01 00:00")
        #expect(none["items"].array.isEmpty)
        let badTime = try await cli.run("audit", "--since", "yesterday")
        #expect(badTime.status != 0 && badTime.stderr.contains("--since must be a time"), "\(badTime)")

        for reason in ["stale fire A", "stale fire B", "keep me"] {
            _ = try await stack.redis.xadd(
                StreamNames.deadLetters,
                fields: [("origin", .init(StreamNames.dispatch)), ("reason", .init(reason)), ("type", "fire"), ("v", "1"), ("body", "{")])
        }
        let counted = try await cli.run("dead", "discard", "--reason", "stale", "--dry-run")
        #expect(counted.status == 0 && counted.stdout.hasPrefix("2 letter(s) match"), "\(counted)")
        #expect(try await stack.redis.xlen(StreamNames.deadLetters) == 3)
        let discarded = try await cli.run("dead", "discard", "--reason", "stale", "--origin", StreamNames.dispatch)
        #expect(discarded.status == 0 && discarded.stdout == "2 letter(s) discarded\n", "\(discarded)")
        let noFilter = try await cli.run("dead", "discard")
        #expect(noFilter.status != 0 && noFilter.stderr.contains("give letter ids, --all, or a filter"), "\(noFilter)")
        let retried = try await cli.run("dead", "retry", "--reason", "keep", "--before", "2099-01-01T00:00:00Z")
        #expect(retried.status == 0 && retried.stdout.hasPrefix("1 letter(s) put back"), "\(retried)")
        let left = try await cli.json("dead", "list")["letters"].array.compactMap { $0["reason"].string }
        #expect(!left.contains("keep me") && !left.contains { $0.hasPrefix("stale") }, "\(left)")
        await stack.stop()
    }
}
