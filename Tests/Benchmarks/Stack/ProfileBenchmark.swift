import ArgumentParser
import Contracts
import Foundation
import RPC
import TestSupport

/// Profiles the hot path through a small end-to-end sync: `perf record` on the gateway and
/// persistence (default), or one service under `valgrind --tool=callgrind`. Writes no figures.
struct ProfileBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "callgrind profile of the gateway or persistence during an e2e run.")

    @Option(help: "gateway or persistence.") var service = "gateway"
    @Option(help: "Accounts × 20 holdings synced while profiled.") var accounts = 1000
    @Option(help: "Where the profiles go.") var output = "/tmp/psync-profile"
    @Option(help: "perf (sample the running gateway and persistence) or callgrind (replace one service by itself under valgrind).")
    var tool = "perf"

    func run() async throws {
        if tool == "perf" { return try await sample() }
        let valgrind = try locateExecutable("valgrind", install: "apt-get install -y valgrind")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "50ms", "PSYNC_SIM_HOLDINGS": "20"])
        let gateway = try await stack.launchGateway("SANDBOX")
        try await stack.launch("psync-dispatcher")
        _ = try await stack.seedAccountsWithCredentials(broker: "SANDBOX", count: accounts) { ["token": "profile-\($0)"] }
        // Replace the service by the same executable under callgrind, on the same port where others call it.
        let replaced = service == "gateway" ? gateway : stack.first("psync-persistence")!
        let port = replaced.baseURL.split(separator: ":").last.map(String.init) ?? "0"
        var environment = stack.environment(["PSYNC_HTTP_PORT": port, "PSYNC_LOG_FORMAT": "json", "PSYNC_GATEWAY_CONCURRENCY": "64"])
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        await replaced.child.stop()
        let product = service == "gateway" ? "psync-gateway" : "psync-persistence"
        let outFile = "\(output)/callgrind.out.\(service)"
        // valgrind 3.19 cannot read the DWARF 5 that Swift 6 emits: profile a copy without debug info (the symbol table stays).
        let binary = "\(output)/\(product)"
        try? FileManager.default.removeItem(atPath: binary)
        let strip = try ChildProcess(
            executable: try locateExecutable("objcopy", install: "apt-get install -y binutils"),
            arguments: ["--strip-debug", try BuiltProducts.path(product), binary], logPath: "\(output)/objcopy.log")
        guard await strip.waitForExit(timeout: .seconds(120)), strip.exitStatus == 0 else { throw HarnessError("objcopy failed: \(strip.output())") }
        let profiled = try ChildProcess(
            executable: valgrind,
            arguments: ["--tool=callgrind", "--callgrind-out-file=\(outFile)", binary]
                + (service == "gateway" ? ["--broker", "SANDBOX"] : []),
            environment: environment, logPath: "\(output)/\(service).log")
        try await eventually(timeout: .seconds(180), "\(product) under valgrind to log that it is ready") {
            guard profiled.isRunning else { throw HarnessError("\(product) under valgrind exited: \(profiled.output().suffix(1500))") }
            return profiled.output().contains("\"message\":\"ready\"")
        }
        let clock = ContinuousClock()
        let start = clock.now
        let detail = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        try await stack.waitForFinishedRun(detail.run.id, timeout: .seconds(1200), interval: .milliseconds(200))
        print("run of \(accounts) accounts with \(product) under callgrind: \(fixed((clock.now - start).seconds, 1)) s")
        await profiled.stop(timeout: .seconds(120))
        await stack.stop()
        print("callgrind output: \(outFile); log: \(output)/\(service).log")
        print("read it with: callgrind_annotate --inclusive=no \(outFile) | head -60")
    }

    /// `perf record` attached to the gateway and persistence for one run (valgrind 3.19 crashes on Swift 6.3 binaries).
    private func sample() async throws {
        let perf = try locateExecutable("perf", install: "apt-get install -y linux-perf")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_LATENCY": "50ms", "PSYNC_SIM_HOLDINGS": "20"])
        let gateway = try await stack.launchGateway("SANDBOX")
        try await stack.launch("psync-dispatcher")
        _ = try await stack.seedAccountsWithCredentials(broker: "SANDBOX", count: accounts) { ["token": "profile-\($0)"] }
        var recorders: [ChildProcess] = []
        for (name, pid) in [("gateway", gateway.child.pid), ("persistence", stack.first("psync-persistence")!.child.pid)] {
            recorders.append(
                try ChildProcess(
                    executable: perf, arguments: ["record", "-F", "1999", "-g", "-p", "\(pid)", "-o", "\(output)/perf.\(name).data"],
                    logPath: "\(output)/perf.\(name).log"))
        }
        try await Task.sleep(for: .seconds(1))
        let clock = ContinuousClock()
        let start = clock.now
        let detail = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        try await stack.waitForFinishedRun(detail.run.id, timeout: .seconds(600))
        print("run of \(accounts) accounts, sampled: \(fixed((clock.now - start).seconds, 1)) s")
        for recorder in recorders {
            recorder.signal(SIGINT)
            _ = await recorder.waitForExit(timeout: .seconds(60))
        }
        await stack.stop()
        print("profiles: \(output)/perf.gateway.data, \(output)/perf.persistence.data")
        print("read with: perf report --no-children --sort symbol --stdio -i \(output)/perf.gateway.data | swift demangle --simplified | head -80")
    }
}
