import Contracts
import CurlClient
import RPC

/// Finds a running gateway of a broker the way `psync` does through the monitor: live heartbeats name their addresses,
/// and an address gets the monitor's token (and the credentials that follow it) only after it proves it holds that
/// token (`WorkerVerifier`). No gateway, or none that proves itself, is a 503 that says so.
struct GatewayLocator: Sendable {
    let workers: WorkerDirectory
    let verifier: WorkerVerifier
    let http: HTTPClient
    /// The monitor's own token, sent with the person's identity as the actor.
    let token: String

    func gateway(_ broker: String) async throws -> RPCClient<CurlTransport> {
        let code = try MonitorActions.brokerCode(broker)
        let live = try await workers.list(ListWorkers(service: "psync-gateway", broker: code, includeLost: false))
        let addresses = Set(live.filter { $0.state == "alive" && $0.heartbeat.broker == code }.compactMap(\.heartbeat.rpcAddress)).shuffled()
        guard !addresses.isEmpty else {
            throw APIError.unavailable("no \(code) gateway is running, so nothing was sent; start one (psync-gateway --broker \(code)) and try again")
        }
        var refusals: [String] = []
        for address in addresses {
            do {
                try await verifier.verify(address, token: token)
                return RPCClient(baseURL: address, token: token, client: http, timeout: .seconds(60))
            } catch {
                refusals.append(error.message)
            }
        }
        throw APIError.unavailable("no \(code) gateway could be trusted, so nothing was sent: \(refusals.joined(separator: "; "))")
    }
}

extension GatewayLocator {
    /// Calls a gateway, passing its own refusals on as they are (they name fields, never values); no answer is a 503.
    static func call<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            if let apiError = error.apiError { throw apiError }
            throw APIError.unavailable(
                "the broker's gateway did not answer (\(error.kind == .unreachable ? "unreachable" : "error \(error.status ?? 0)"))")
        }
    }
}
