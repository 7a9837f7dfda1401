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
            var allReady = true
            var table = Table("SERVICE", "STATE", "URL")
            for service in [session.persistence, session.dispatcher, session.scheduler, session.monitor] {
                var state = "down"
                if let response = try? await session.http.execute(HTTPClientRequest(url: service.baseURL + "/readyz", timeout: .seconds(5))) {
                    state = (try? JSONCoding.decode(HealthReport.self, from: response.body))?.status ?? "HTTP \(response.status)"
                }
                allReady = allReady && state == "ok"
                table.append([service.name, state, service.baseURL])
            }
            Console.write(table.render())
            return allReady
        }
        if !allReady { throw ExitCode(1) }
    }
}
