import Contracts
import Foundation
import TestSupport
import Testing

@Suite("psync: workers, queues and dead letters through psync-monitor")
struct MonitorCommandTests {
    @Test("gateways are found through the monitor's heartbeats; workers and queues tables; a dead letter listed, shown and retried")
    func monitorCommands() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_MAX_ATTEMPTS": "2", "PSYNC_RETRY_BASE": "20ms", "PSYNC_RETRY_MAX": "50ms"])
        let monitor = try await stack.launch("psync-monitor")
        var cli = try CLI(stack, ["PSYNC_MONITOR_URL": monitor.baseURL])
        cli.environment["PSYNC_GATEWAY_SANDBOX_URL"] = nil

        try await eventually(timeout: .seconds(20), "the gateway's heartbeat to reach the monitor") {
            try await cli.json("workers", "--service", "psync-gateway").array.contains {
                $0["heartbeat"]["broker"].string == "SANDBOX" && $0["state"].string == "alive" && $0["heartbeat"]["rpcAddress"].string != nil
            }
        }
        let workers = try await cli.run("workers")
        #expect(workers.status == 0 && workers.stdout.contains("psync-gateway") && workers.stdout.contains("SANDBOX"), "\(workers)")
        #expect(workers.stdout.contains("alive") && workers.stdout.contains("IN FLIGHT"), "\(workers)")

        // Accounts whose credentials go through the gateway the monitor names.
        let user = try #require(try await cli.json("user", "add", "--email", "m@example.com", "--name", "M")["id"].int)
        let portfolio = try #require(try await cli.json("portfolio", "add", "--user", "\(user)", "--name", "P")["id"].int)
        for index in 0..<2 {
            let account = try #require(
                try await cli.json("account", "add", "--portfolio", "\(portfolio)", "--broker", "SANDBOX", "--label", "A\(index)")["id"].int)
            let set = try await cli.run("credentials", "set", "\(account)", stdin: #"{"token":"dead-\#(index)"}"#)
            #expect(set.status == 0, "\(set)")
        }

        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"dead-1","responses":["503","503"]}"#)
        let synced = try await cli.run("sync", "--all", "--wait")
        #expect(synced.status == 2 && synced.stdout.contains("1 succeeded, 0 failed, 1 dead of 2 jobs"), "\(synced)")
        let runID = try #require(Int(synced.stdout.split(separator: " ")[1]))

        let queues = try await cli.run("queues")
        #expect(queues.status == 0 && queues.stdout.contains("psync:{broker:SANDBOX}:jobs") && queues.stdout.contains("PENDING"), "\(queues)")
        let paused = try await cli.json("queues", "pause", "--broker", "SANDBOX")
        #expect(paused["paused"].bool == true, "\(paused)")
        let resumed = try await cli.run("queues", "resume", "--broker", "SANDBOX")
        #expect(resumed.status == 0 && resumed.stdout.contains("SANDBOX"), "\(resumed)")

        let dead = try await cli.run("dead", "list")
        #expect(dead.status == 0 && dead.stdout.hasPrefix("1 dead letter(s)") && dead.stdout.contains("gave up after 2 attempts"), "\(dead)")
        let letters = try await cli.json("dead", "list")
        let letter = try #require(letters["letters"][0]["id"].string)
        #expect(letters["total"].int == 1)
        let shown = try await cli.run("dead", "show", letter)
        #expect(shown.status == 0 && shown.stdout.contains("reason:") && shown.stdout.contains("psync:{broker:SANDBOX}:jobs"), "\(shown)")
        let missing = try await cli.run("dead", "show", "1-0")
        #expect(missing.status == 1 && missing.stderr.hasPrefix("psync: "), "\(missing)")
        let retried = try await cli.run("dead", "retry", letter)
        #expect(retried.status == 0 && retried.stdout == "1 letter(s) put back\n", "\(retried)")
        try await eventually(timeout: .seconds(30), "the retried job to succeed") {
            try await cli.json("runs", "show", "\(runID)")["run"]["counts"]["succeeded"].int == 2
        }
        await stack.stop()
    }
}
