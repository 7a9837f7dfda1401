import ArgumentParser
import Contracts
import CurlClient

/// `psync status`: asks every service whether it is ready.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether each service is up and its dependencies reachable.",
        discussion: "Example: psync status --persistence-url http://127.0.0.1:7103"
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let allReady = try await AdminSession.run(connection) { session -> Bool in
            var states: [ServiceState] = []
            for service in [session.persistence, session.dispatcher, session.scheduler, session.monitor] {
                var state = ServiceState(service: service.name, url: service.baseURL, status: "down", checks: [:])
                // With a token, /readyz says which dependency is down; without one only whether the service is ready.
                var request = HTTPClientRequest(url: service.baseURL + "/readyz", timeout: .seconds(5))
                if let token = session.settings.token { request.headers.append(("Authorization", "Bearer \(token)")) }
                if let response = try? await session.http.execute(request) {
                    let report = try? JSONCoding.decode(HealthReport.self, from: response.body)
                    state.status = report?.status ?? "HTTP \(response.status)"
                    state.checks = report?.checks ?? [:]
                }
                states.append(state)
            }
            try Console.emit(states) { states in
                var table = Table("SERVICE", "STATE", "URL", "CHECKS")
                for state in states {
                    let checks = state.checks.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    table.append([state.service, state.status, state.url, checks.isEmpty ? "-" : checks])
                }
                return table.render()
            }
            return states.allSatisfy { $0.status == "ok" }
        }
        if !allReady { throw ExitCode(1) }
    }
}

/// One service's answer to `/readyz`, as `psync status --json` prints it.
struct ServiceState: Codable {
    var service: String
    var url: String
    var status: String
    var checks: [String: String]
}
