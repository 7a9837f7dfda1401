import ArgumentParser
import Contracts
import Foundation
import RPC
import RedisClient
import Streams
import TestSupport

/// Resident memory of every service when idle, and of a gateway holding 256 jobs in flight.
struct MemoryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "memory", abstract: "Idle RSS of every service; gateway RSS at 256 in flight.")

    @Option(help: "Jobs in flight in the gateway.") var inFlight = 256
    @Option(help: "brokersim latency, ms, long enough to hold every job in flight.") var latency = 3000
    @Option(help: "Seconds every service is left idle before its RSS is read.") var idle = 5

    func run() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_HOLDINGS": "20"])
        try await stack.launchGateway("SANDBOX", environment: ["PSYNC_GATEWAY_CONCURRENCY": "\(inFlight)"])
        try await stack.launch("psync-dispatcher")
        try await stack.launch("psync-scheduler")
        try await stack.launch("psync-monitor")
        let accounts = inFlight + inFlight / 4
        _ = try await stack.seedAccountsWithCredentials(broker: "SANDBOX", count: accounts) { ["token": "memory-\($0)"] }
        try await Task.sleep(for: .seconds(idle))
        let fresh = try await stack.probe().rss().filter { $0.key.hasPrefix("psync-") }
        // Then one small run, so idle also means "has worked and is now waiting", not only "never did anything".
        let dispatcher = try stack.dispatcher
        let warm = try await dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        try await stack.waitForFinishedRun(warm.run.id, timeout: .seconds(120))
        try await Task.sleep(for: .seconds(idle))
        let probe = try await stack.probe()
        let idleRSS = probe.rss().filter { $0.key.hasPrefix("psync-") }
        var split: [String: (anonymous: Double, file: Double)] = [:]
        for process in probe.processes where process.name.hasPrefix("psync-") {
            split[process.name] = (ProcessProbe.status(process.pid, "RssAnon"), ProcessProbe.status(process.pid, "RssFile"))
        }

        _ = try await stack.simulator("PUT", "/sim/config", #"{"latencyMs": \#(latency)}"#)
        let detail = try await dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        let stream = StreamNames.jobs(broker: "SANDBOX")
        var held = 0
        var gatewayRSS = 0.0
        let deadline = ContinuousClock.now + .seconds(Double(latency) / 1000 + 10)
        while ContinuousClock.now < deadline {
            held = max(held, try await stack.redis.pendingSummary(stream, group: StreamNames.Group.gateway).count)
            gatewayRSS = max(gatewayRSS, probe.rss()["psync-gateway"] ?? 0)
            if held >= inFlight { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Keep sampling while the jobs are held (they are mid-call until brokersim answers).
        for _ in 0..<Int(Double(latency) / 1000 * 10) {
            gatewayRSS = max(gatewayRSS, probe.rss()["psync-gateway"] ?? 0)
            try await Task.sleep(for: .milliseconds(100))
        }
        try await stack.waitForFinishedRun(detail.run.id, timeout: .seconds(120))
        let gatewayPeak = probe.peakRSS()["psync-gateway"] ?? 0
        await stack.stop()

        var report = BenchmarkReport(section: "Memory", command: "make bench (psync-bench memory --in-flight \(inFlight))")
        report.add("| figure | value | limit |")
        report.add("| --- | --- | --- |")
        for (name, megabytes) in idleRSS.sorted(by: { $0.key < $1.key }) {
            let parts = split[name].map { "heap and stacks \(fixed($0.anonymous)) MB + mapped code \(fixed($0.file)) MB" } ?? ""
            report.add(
                "| \(name) idle RSS: just started / after a run | \(fixed(fresh[name] ?? 0)) MB / **\(fixed(megabytes)) MB** (\(parts)) | under 40 MB |"
            )
        }
        report.add(
            "| psync-gateway RSS with \(held) jobs in flight (PSYNC_GATEWAY_CONCURRENCY=\(inFlight)) | **\(fixed(gatewayRSS))** MB "
                + "(peak VmHWM over the whole run \(fixed(gatewayPeak)) MB) | no target; idle gateway \(fixed(idleRSS["psync-gateway"] ?? 0)) MB |")
        report.add("")
        report.add(
            "Idle: every service started and left \(idle) s (just started), then one run of \(accounts) accounts and \(idle) s of nothing "
                + "(after a run; the figure in results.json); VmRSS from /proc, split into RssAnon and RssFile. In flight: "
                + "brokersim answers after \(latency) ms, one run of \(accounts) accounts; the figure is the largest VmRSS sampled while the "
                + "gateway's pending list held \(held) jobs (every 20–100 ms).")
        report.figures["max_idle_rss_mb"] = idleRSS.values.max() ?? 0
        report.figures["gateway_rss_mb_256_inflight"] = gatewayRSS
        try report.write()
    }
}
