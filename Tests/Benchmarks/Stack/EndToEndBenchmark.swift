import ArgumentParser
import Contracts
import Foundation
import PostgresClient
import RPC
import RedisClient
import TestSupport

/// End-to-end sync throughput: a run started at the dispatcher until it is finished, every account
/// fetched from brokersim (50 ms per call, no rate limit), normalised, and stored as a snapshot.
struct EndToEndBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "e2e", abstract: "Run start to run finished over N accounts × 20 holdings.")

    @Option(help: "Account counts to measure, comma-separated.") var accounts = "1000,10000"
    @Flag(help: "Also the headline: 100,000 accounts (or set BENCH_SCALE=large).") var large = false
    @Option(help: "Gateway concurrency for the scaling figures.") var concurrency = 64
    @Option(help: "Gateway concurrency for the 100,000-account headline.") var headlineConcurrency = 256
    @Option(help: "Gateway replicas for the 100,000-account headline.") var headlineReplicas = 1
    @Option(help: "brokersim latency per call, ms.") var latency = 50
    @Option(help: "Accounts of the headline run.") var headlineAccounts = 100_000
    @Option(help: "Settings for a second, tuned headline run, KEY=VALUE (repeatable); none: no second run.") var tunedSetting: [String] = []
    @Option(help: "Repetitions at each scale up to 10,000 (the median is reported); 100,000 runs once.") var repeats = 3
    @Option(
        help:
            "SANDBOX, ZERODHA, ALPACA, UPSTOX (brokersim in that broker's format, rate limits off), or mixed: the four, a quarter of the accounts each, one gateway each."
    )
    var broker = "SANDBOX"

    /// How the benchmark runs one broker: its gateway's settings and an account's credentials.
    struct BrokerSetup {
        var code: String
        var gatewaySettings: [String: String]
        var credentials: @Sendable (Int) -> [String: String]

        static func named(_ code: String) -> BrokerSetup? {
            // Rate limits off: the broker's documented limits would measure the limit, not us (RateLimitBenchmark does that).
            let unlimited = ["PSYNC_\(code)_RATE_LIMIT": "0"]
            switch code {
            case "SANDBOX": return BrokerSetup(code: code, gatewaySettings: [:]) { ["token": "bench-\($0)"] }
            // One call per account, as SANDBOX: mutual funds off (with them Kite is two calls per account).
            case "ZERODHA":
                return BrokerSetup(code: code, gatewaySettings: unlimited.merging(["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"]) { $1 }) {
                    ["api_key": "bench-key", "access_token": "kite-\($0)"]
                }
            case "ALPACA": return BrokerSetup(code: code, gatewaySettings: unlimited) { ["key_id": "alpaca-\($0)", "secret_key": "bench"] }
            case "UPSTOX": return BrokerSetup(code: code, gatewaySettings: unlimited) { ["access_token": "upstox-\($0)"] }
            default: return nil
            }
        }
    }

    var setups: [BrokerSetup] {
        get throws {
            let codes = broker.lowercased() == "mixed" ? ["SANDBOX", "ZERODHA", "ALPACA", "UPSTOX"] : [broker.uppercased()]
            return try codes.map { code in
                guard let setup = BrokerSetup.named(code) else {
                    throw ValidationError("--broker must be SANDBOX, ZERODHA, ALPACA, UPSTOX or mixed, got '\(broker)'")
                }
                return setup
            }
        }
    }

    struct Scale {
        var accounts: Int
        var concurrency: Int
        var replicas: Int
        var seconds: [Double] = []
        var cpu: [String: Double] = [:]
        var peakRSS: [String: Double] = [:]
        /// Redis's own `used_memory_peak` over the stack's life, MB (seeding included).
        var redisPeak: Double = 0
        var sealing: Double = 0
        /// KEY=VALUE settings for every process; empty: the defaults.
        var settings: [String] = []
        var medianSeconds: Double { median(seconds) }
        /// `10,000`, or `100,000 tuned` for a run with settings.
        var name: String { accounts.formatted() + (settings.isEmpty ? "" : " tuned") }
        var accountsPerSecond: Double { Double(accounts) / medianSeconds }
    }

    func run() async throws {
        var counts = accounts.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let isLarge = large || ProcessInfo.processInfo.environment["BENCH_SCALE"] == "large"
        if isLarge && !counts.contains(headlineAccounts) { counts.append(headlineAccounts) }
        var scales: [Scale] = []
        for count in counts {
            let headline = count >= headlineAccounts
            var scale = Scale(
                accounts: count, concurrency: headline ? headlineConcurrency : concurrency, replicas: headline ? headlineReplicas : 1)
            try await measure(&scale, rounds: headline ? 1 : repeats)
            scales.append(scale)
        }
        if isLarge && !tunedSetting.isEmpty {
            var scale = Scale(accounts: headlineAccounts, concurrency: headlineConcurrency, replicas: headlineReplicas, settings: tunedSetting)
            try await measure(&scale, rounds: 1)
            scales.append(scale)
        }
        try report(scales)
    }

    /// Runs `rounds` syncs of every account on a fresh stack (after one warm-up below 100,000).
    private func measure(_ scale: inout Scale, rounds: Int) async throws {
        var settings: [String: String] = [:]
        for setting in scale.settings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { settings[parts[0]] = parts[1] }
        }
        let stack = try await Stack.start(settings)
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "\(latency)ms", "PSYNC_SIM_HOLDINGS": "20"])
        let setups = try setups
        for setup in setups {
            for _ in 0..<scale.replicas {
                try await stack.launchGateway(
                    setup.code, environment: setup.gatewaySettings.merging(["PSYNC_GATEWAY_CONCURRENCY": "\(scale.concurrency)"]) { $1 })
            }
        }
        try await stack.launch("psync-dispatcher")
        for (index, setup) in setups.enumerated() {
            let count = scale.accounts / setups.count + (index < scale.accounts % setups.count ? 1 : 0)
            let seeded = try await stack.seedAccountsWithCredentials(broker: setup.code, count: count, parallel: 32, credentials: setup.credentials)
            scale.sealing += seeded.sealing.seconds
        }
        print("\(scale.accounts.formatted()) accounts: credentials sealed in \(fixed(scale.sealing, 1)) s (not timed)")
        let probe = try await stack.probe()
        let dispatcher = try stack.dispatcher
        let clock = ContinuousClock()
        let warmUp = scale.accounts < headlineAccounts ? 1 : 0
        for round in 0..<(rounds + warmUp) {
            let before = probe.cpuSeconds()
            let start = clock.now
            let detail = try await dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
            try await stack.waitForFinishedRun(detail.run.id, timeout: .seconds(900))
            let seconds = (clock.now - start).seconds
            let after = probe.cpuSeconds()
            let succeeded: Int = try await stack.database.query("SELECT succeeded FROM runs WHERE id = \(detail.run.id)").scalar()
            guard succeeded == scale.accounts else {
                throw ValidationError("run \(detail.run.id): \(succeeded) of \(scale.accounts) jobs succeeded\n\(stack.logs())")
            }
            print(
                "  round \(round)\(round < warmUp ? " (warm-up)" : ""): \(fixed(seconds, 2)) s, \((Double(scale.accounts) / seconds).grouped) accounts/s, "
                    + "CPU \(fixed(after.values.reduce(0, +) - before.values.reduce(0, +), 1)) s")
            if round < warmUp { continue }
            scale.seconds.append(seconds)
            for (name, value) in after { scale.cpu[name, default: 0] += (value - (before[name] ?? 0)) / Double(rounds) }
        }
        scale.peakRSS = probe.peakRSS()
        scale.redisPeak = try await Self.redisPeakMegabytes(stack)
        await stack.stop()
    }

    /// `used_memory_peak` from `INFO memory`, in MB.
    static func redisPeakMegabytes(_ stack: Stack) async throws -> Double {
        let info = try await stack.redis.send(["INFO", "memory"]).string ?? ""
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("used_memory_peak:") {
            return (Double(line.dropFirst("used_memory_peak:".count)) ?? 0) / 1_048_576
        }
        return 0
    }

    private func report(_ scales: [Scale]) throws {
        let gateways = Double(try setups.count)
        let bound = Double(concurrency) * gateways / (Double(latency) / 1000)
        let code = broker.uppercased()
        let command =
            "make bench (psync-bench e2e --accounts \(accounts)\(scales.contains { $0.accounts >= headlineAccounts } ? " --large" : "") --concurrency \(concurrency)"
            + (code == "SANDBOX" ? ")" : " --broker \(broker))")
        let section =
            switch code {
            case "SANDBOX": "End to end: sync throughput"
            case "MIXED": "End to end: mixed brokers (SANDBOX, ZERODHA, ALPACA, UPSTOX formats, a quarter each)"
            default: "End to end: \(code) format"
            }
        var report = BenchmarkReport(section: section, command: command)
        report.add("| figure | value | limit |")
        report.add("| --- | --- | --- |")
        for scale in scales {
            var label = scale.accounts >= headlineAccounts ? "\(scale.replicas) × C=\(scale.concurrency)" : "C=\(scale.concurrency)"
            if !scale.settings.isEmpty { label += ", " + scale.settings.joined(separator: ", ") }
            let replicaBound = Double(scale.concurrency * scale.replicas) * gateways / (Double(latency) / 1000)
            report.add(
                "| \(scale.accounts.formatted()) accounts × 20 holdings, run start → run finished (\(label)) | \(fixed(scale.medianSeconds, 2)) s: "
                    + "**\(scale.accountsPerSecond.grouped) accounts/s**, \((scale.accountsPerSecond * 20).grouped) rows/s | Little's law "
                    + "\(replicaBound.grouped) accounts/s (\(Int((scale.accountsPerSecond / replicaBound * 100).rounded())) %"
                    + (scale.concurrency == 64 && scale.replicas == 1 ? "; target ≥ 85 %) |" : "; not the bound here, see the CPU ceiling) |"))
        }
        for scale in scales {
            let total = scale.cpu.values.reduce(0, +)
            let ours = total - (scale.cpu["psync-brokersim"] ?? 0)
            let parts = scale.cpu.sorted { $0.value > $1.value }.map { "\($0.key) \(fixed($0.value / Double(scale.accounts) * 1000, 2))" }
            report.add(
                "| CPU s per 1,000 accounts at \(scale.name) (our services + Redis + Postgres; brokersim apart) | "
                    + "**\(fixed(ours / Double(scale.accounts) * 1000, 2))** (\(parts.joined(separator: ", "))) | "
                    + "target ≤ 0.60 (100,000 in 30 s on 2 cores) |")
        }
        for scale in scales {
            let all = scale.cpu.values.reduce(0, +) / Double(scale.accounts)
            let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
            report.add(
                "| CPU ceiling at \(scale.name): \(Int(cores)) cores / CPU s per account of every process (brokersim too) | "
                    + "\((cores / all).grouped) accounts/s | what this machine can do at this CPU cost, whatever C |")
        }
        for scale in scales {
            let parts = scale.peakRSS.sorted { $0.key < $1.key }.map { "\($0.key) \(fixed($0.value, 0))" }
            report.add("| peak RSS, MB, at \(scale.name) accounts | \(parts.joined(separator: ", ")) | |")
        }
        for scale in scales {
            report.add(
                "| Redis peak memory (`used_memory_peak`) at \(scale.name) accounts | **\(fixed(scale.redisPeak, 1)) MB** | "
                    + "\(scale.accounts >= headlineAccounts ? "target ≤ 128 MB (issue 15 backpressure)" : "") |")
        }
        if let first = scales.first {
            for scale in scales.dropFirst() where scale.settings.isEmpty {
                let ratio = scale.medianSeconds / first.medianSeconds
                let expected = Double(scale.accounts) / Double(first.accounts)
                report.add(
                    "| growth \(first.accounts.formatted()) → \(scale.accounts.formatted()) accounts | time × \(fixed(ratio, 2)) "
                        + "(µs per account \(fixed(first.medianSeconds / Double(first.accounts) * 1e6, 0)) → \(fixed(scale.medianSeconds / Double(scale.accounts) * 1e6, 0))) "
                        + "| linear: × \(fixed(expected, 0)) |")
            }
        }
        let headline = scales.first { $0.accounts >= headlineAccounts && $0.settings.isEmpty }
        let base = scales.first { $0.accounts == 10_000 && $0.settings.isEmpty } ?? scales.last { $0.settings.isEmpty }
        for run in scales where run.accounts >= headlineAccounts {
            let settings = run.settings.isEmpty ? "defaults" : run.settings.joined(separator: ", ")
            report.add(
                "| **headline: \(run.accounts.formatted()) accounts × 20 holdings** (\(run.replicas) gateway × C=\(run.concurrency), \(settings)) | "
                    + "**\(fixed(run.medianSeconds, 1)) s** | target ≤ 30 s |")
        }
        if headline == nil, let base {
            report.add(
                "| headline: 100,000 accounts × 20 holdings — NOT RUN, EXTRAPOLATED from \(base.accounts.formatted()) accounts at C=\(base.concurrency) | "
                    + "≈ \(fixed(100_000 / base.accountsPerSecond, 0)) s (extrapolated; run with BENCH_SCALE=large) | target ≤ 30 s |")
        }
        report.add("")
        let gatewayText =
            code == "MIXED"
            ? "one gateway per broker (PSYNC_GATEWAY_CONCURRENCY=\(concurrency) each; ZERODHA with mutual funds off, one call per account)"
            : "one \(code) gateway (PSYNC_GATEWAY_CONCURRENCY=\(concurrency)\(code == "ZERODHA" ? ", mutual funds off: one call per account as SANDBOX" : "")) unless noted"
        report.add(
            "brokersim answers every call after \(latency) ms with no rate limit (the gateways' limits off too); \(gatewayText), "
                + "the dispatcher, persistence, Redis and Postgres all on this machine. The clock runs from the dispatcher's startRun RPC "
                + "(run and jobs created, jobs on the stream) until the run's row says finished (every snapshot committed, portfolio totals "
                + "recomputed), polled every 10 ms. Median of \(repeats) runs after one warm-up run below 100,000 accounts; 100,000 is one run. "
                + "Accounts get sealed credentials through the gateway's putCredentials RPC (32 in parallel) before the clock starts. "
                + "CPU is utime+stime from /proc of every process (Postgres: the postmaster with every backend), per run. Little's law: "
                + "C jobs in flight / \(latency) ms per call = \(bound.grouped) accounts/s at C=\(concurrency). The CPU ceiling is what "
                + "the measured CPU per account allows on this machine's cores. A tuned headline run, when listed, writes 500 results per "
                + "transaction instead of 200 and drops the per-account cap of jobs in flight (PSYNC_ACCOUNT_CONCURRENCY=0 saves a Lua call "
                + "and a ZREM per job; fine when an account has one job per run and runs do not overlap).")
        guard code == "SANDBOX" else {
            if let base {
                let prefix = "e2e_\(code.lowercased())"
                report.figures[prefix + "_accounts_per_s"] = base.accountsPerSecond
                report.figures[prefix + "_cpu_s_per_1000_accounts"] =
                    (base.cpu.values.reduce(0, +) - (base.cpu["psync-brokersim"] ?? 0)) / Double(base.accounts) * 1000
            }
            return try report.write()
        }
        if let base {
            report.figures["e2e_accounts_per_s"] = base.accountsPerSecond
            report.figures["e2e_rows_per_s"] = base.accountsPerSecond * 20
            report.figures["cpu_s_per_1000_accounts"] =
                (base.cpu.values.reduce(0, +) - (base.cpu["psync-brokersim"] ?? 0)) / Double(base.accounts) * 1000
        }
        if let largest = scales.last(where: { $0.settings.isEmpty }) { report.figures["redis_peak_mb"] = largest.redisPeak }
        report.figures["littles_law_bound_accounts_per_s"] = bound
        if let headline {
            report.figures["e2e_100k_s"] = headline.medianSeconds
        } else if let base {
            report.figures["e2e_100k_s"] = 100_000 / base.accountsPerSecond  // extrapolated, and labelled so in BENCHMARKS.md
        }
        try report.write()
    }
}
