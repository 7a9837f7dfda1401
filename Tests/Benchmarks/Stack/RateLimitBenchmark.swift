import ArgumentParser
import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport

/// How close three gateway replicas sharing one API key get to the broker's limit without a 429.
struct RateLimitBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratelimit", abstract: "Achieved rate / limit and 429s: 3 replicas, 300 accounts on one API key.")

    @Option(help: "Accounts, all on one API key.") var accounts = 300
    @Option(help: "Requests per second per API key (brokersim and gateways).") var limit = 10
    @Option(help: "Gateway replicas.") var replicas = 3
    @Option(help: "Repetitions; the median is reported.") var repeats = 3

    func run() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_RATE_LIMIT": "\(limit)", "PSYNC_SIM_HOLDINGS": "20"])
        let settings = ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false", "PSYNC_ZERODHA_RATE_LIMIT": "\(limit)/s"]
        for _ in 0..<replicas { try await stack.launchGateway("ZERODHA", environment: settings) }
        try await stack.launch("psync-dispatcher")
        _ = try await stack.seedAccountsWithCredentials(broker: "ZERODHA", count: accounts) {
            ["api_key": "one-shared-key", "access_token": "kite-\($0)"]
        }
        let dispatcher = try stack.dispatcher
        var utilisations: [Double] = []
        var rejected: [Int] = []
        var elapsed: [Double] = []
        let clock = ContinuousClock()
        for round in 1...repeats {
            _ = try await stack.simulator("POST", "/sim/stats/reset")
            // The key's bucket starts full in brokersim and in the gateways' shared limiter: wait it out so bursts do not flatter the rate.
            try await Task.sleep(for: .seconds(2))
            let start = clock.now
            let detail = try await dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
            try await stack.waitForFinishedRun(detail.run.id, timeout: .seconds(Double(accounts) / Double(limit) * 3 + 30))
            let seconds = (clock.now - start).seconds
            let stats = try await stack.simulatorStats()
            let requests = stats["requests"] as? Int ?? 0
            let limited = stats["rateLimited"] as? Int ?? -1
            let succeeded: Int = try await stack.database.query("SELECT succeeded FROM runs WHERE id = \(detail.run.id)").scalar()
            guard succeeded == accounts else { throw ValidationError("run \(detail.run.id): \(succeeded) of \(accounts) jobs succeeded") }
            let utilisation = Double(requests) / seconds / Double(limit)
            print(
                "round \(round): \(requests) requests in \(fixed(seconds, 2)) s = \(fixed(Double(requests) / seconds, 2)) req/s, "
                    + "utilisation \(fixed(utilisation, 3)), 429s \(limited), busiest second \(stats["maxPerSecond"] ?? "?")")
            utilisations.append(utilisation)
            rejected.append(limited)
            elapsed.append(seconds)
        }
        await stack.stop()
        var report = BenchmarkReport(
            section: "Rate limit: one API key over three replicas",
            command: "make bench (psync-bench ratelimit --accounts \(accounts) --limit \(limit) --replicas \(replicas))")
        report.add("| figure | value | limit |")
        report.add("| --- | --- | --- |")
        report.add(
            "| achieved rate / limit (\(accounts) accounts on one API key, \(replicas) ZERODHA gateways, \(limit) req/s) | "
                + "**\(fixed(median(utilisations), 3))** (\(fixed(Double(accounts) / median(elapsed), 2)) req/s over \(fixed(median(elapsed), 1)) s) "
                + "| target ≥ 0.95 |")
        report.add("| 429s received (brokersim /sim/stats, all runs) | **\(rejected.reduce(0, +))** | target 0 |")
        report.add("")
        report.add(
            "Median of \(repeats) runs. brokersim refuses more than \(limit) requests per second per api_key (token bucket, burst \(limit)); "
                + "every gateway has PSYNC_ZERODHA_RATE_LIMIT=\(limit)/s, enforced across replicas in Redis. Each account is one holdings "
                + "call (mutual funds off). Utilisation = requests brokersim served / seconds from the dispatcher's startRun to the run "
                + "finished / \(limit): the run's start and finish overhead count against us. The gateways' limiter (GCRA in Redis) "
                + "spaces calls evenly and does not use brokersim's initial burst of \(limit).")
        report.figures["ratelimit_utilisation"] = median(utilisations)
        report.figures["ratelimit_429s"] = Double(rejected.reduce(0, +))
        try report.write()
    }
}
