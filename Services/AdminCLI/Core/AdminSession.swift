import Contracts
import CurlClient
import Foundation
import RPC

/// One command's connection to the services: resolved settings, one HTTP client, one request id, the actor.
struct AdminSession: Sendable {
    let settings: Settings
    let http: HTTPClient

    /// Resolves the settings, runs `body` with the command's request id and actor, and closes the connections.
    static func run<T: Sendable>(_ options: ConnectionOptions, _ body: (AdminSession) async throws -> T) async throws -> T {
        // The config and token files are read on a thread of their own, off the cooperative pool.
        let settings = try await InputReader.onThread {
            try Settings.resolve(options, environment: ProcessInfo.processInfo.environment) { Console.error($0) }
        }
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .seconds(120)
        configuration.userAgent = "psync/\(PSyncVersion.current)"
        let http = HTTPClient(configuration: configuration)
        defer { http.shutdown() }
        let session = AdminSession(settings: settings, http: http)
        // No actor header: services audit the identity the token proves, not what a person's request says.
        return try await RequestID.$current.withValue(RequestID.make()) { try await body(session) }
    }

    var persistence: ServiceClient {
        client("psync-persistence", settings.persistenceURL, "PSYNC_PERSISTENCE_URL or --persistence-url")
    }
    var dispatcher: ServiceClient { client("psync-dispatcher", settings.dispatcherURL, "PSYNC_DISPATCHER_URL or --dispatcher-url") }
    var scheduler: ServiceClient { client("psync-scheduler", settings.schedulerURL, "PSYNC_SCHEDULER_URL or --scheduler-url") }
    var monitor: ServiceClient { client("psync-monitor", settings.monitorURL, "PSYNC_MONITOR_URL or --monitor-url") }
    var webhooks: ServiceClient { client("psync-webhooks", settings.webhooksURL, "PSYNC_WEBHOOKS_URL or --webhooks-url") }

    private func client(_ name: String, _ url: String, _ setting: String) -> ServiceClient {
        ServiceClient(name: name, baseURL: url, setting: setting, token: settings.token, http: http)
    }

    /// The gateway of `broker`: `--gateway-url`, `PSYNC_GATEWAY_<BROKER>_URL`, else a live one the monitor knows.
    func gateway(_ broker: String) async throws -> ServiceClient {
        let setting = "PSYNC_GATEWAY_\(broker)_URL or --gateway-url"
        if let url = settings.gatewayURL ?? settings.gatewayURLs[broker] {
            return client("the \(broker) gateway", url, setting)
        }
        let workers: [WorkerView]
        do {
            workers = try await monitor.call(MonitorAPI.workers, ListWorkers(service: "psync-gateway", broker: broker, includeLost: false))
        } catch let error as CLIError {
            throw CLIError("cannot find the \(broker) gateway: \(error.message); or set \(setting)")
        }
        let live = workers.filter { $0.state != "lost" && $0.heartbeat.broker == broker }
        let addresses = Set(live.compactMap(\.heartbeat.rpcAddress)).shuffled()
        guard !addresses.isEmpty else {
            throw CLIError("no \(broker) gateway is running (the monitor knows none); start one, or set \(setting)")
        }
        // The monitor only repeats heartbeats from Redis: the token goes to a gateway once it proves it holds it.
        let verifier = WorkerVerifier(policy: settings.trustedWorkers, http: http)
        var refusals: [String] = []
        for address in addresses {
            do {
                try await verifier.verify(address, token: settings.token ?? "")
                return client("the \(broker) gateway", address, setting)
            } catch {
                refusals.append(error.message)
            }
        }
        throw CLIError("no \(broker) gateway the monitor names could be trusted: \(refusals.joined(separator: "; ")); or set \(setting)")
    }
}
