import ArgumentParser
import Contracts
import Foundation
import RPC
import TestSupport

/// Runs one service under `valgrind --tool=callgrind` through a small end-to-end sync, then prints
/// the functions that cost the most instructions (callgrind counts instructions, so the profile is
/// steady on a busy machine). Writes no figures.
struct ProfileBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "callgrind profile of the gateway or persistence during an e2e run.")

    @Option(help: "gateway or persistence.") var service = "gateway"
    @Option(help: "Accounts × 20 holdings synced while profiled.") var accounts = 1000
    @Option(help: "Where callgrind writes its output.") var output = "/tmp/psync-callgrind"

    func run() async throws {
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
        let profiled = try ChildProcess(
            executable: valgrind,
            arguments: ["--tool=callgrind", "--callgrind-out-file=\(outFile)", try BuiltProducts.path(product)]
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
}
