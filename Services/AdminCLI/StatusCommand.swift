import ArgumentParser
import Contracts
import CurlClient
import FoundationEssentials

/// `psync status`: asks every service whether it is ready.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether each service is up and its dependencies reachable.",
        discussion: "Example: psync status --persistence-url http://127.0.0.1:7103"
    )

    @OptionGroup var endpoints: ServiceEndpoints

    func run() async throws {
        let client = HTTPClient(
            configuration: {
                var c = HTTPClient.Configuration()
                c.timeout = .seconds(5)
                return c
            }())
        defer { client.shutdown() }
        var allReady = true
        for (name, url) in endpoints.resolved(environment: ProcessInfo.processInfo.environment) {
            do {
                let response = try await client.execute(HTTPClientRequest(url: url + "/readyz"))
                let report = try? JSONCoding.decode(HealthReport.self, from: response.body)
                let state = report?.status ?? "HTTP \(response.status)"
                allReady = allReady && state == "ok"
                print("\(name.padding(to: 12)) \(state.padding(to: 12)) \(url)")
            } catch {
                allReady = false
                print("\(name.padding(to: 12)) \("down".padding(to: 12)) \(url)")
            }
        }
        if !allReady { throw ExitCode(1) }
    }
}

/// Where the services listen: flags, then `PSYNC_*_URL`, then the local defaults.
struct ServiceEndpoints: ParsableArguments {
    @Option(help: "psync-persistence base URL (PSYNC_PERSISTENCE_URL).") var persistenceURL: String?
    @Option(help: "psync-dispatcher base URL (PSYNC_DISPATCHER_URL).") var dispatcherURL: String?
    @Option(help: "psync-scheduler base URL (PSYNC_SCHEDULER_URL).") var schedulerURL: String?
    @Option(help: "psync-monitor base URL (PSYNC_MONITOR_URL).") var monitorURL: String?

    func resolved(environment: [String: String]) -> [(String, String)] {
        [
            ("persistence", persistenceURL ?? environment["PSYNC_PERSISTENCE_URL"] ?? "http://127.0.0.1:7103"),
            ("dispatcher", dispatcherURL ?? environment["PSYNC_DISPATCHER_URL"] ?? "http://127.0.0.1:7102"),
            ("scheduler", schedulerURL ?? environment["PSYNC_SCHEDULER_URL"] ?? "http://127.0.0.1:7101"),
            ("monitor", monitorURL ?? environment["PSYNC_MONITOR_URL"] ?? "http://127.0.0.1:7104"),
        ]
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
