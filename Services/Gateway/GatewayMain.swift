import ArgumentParser
import FoundationEssentials
import ServiceKit

@main
struct GatewayMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-gateway",
        abstract: "Serves one broker: consumes its job stream, calls its API under a global rate limit, hands results on."
    )

    @Option(name: .long, help: "The broker this gateway serves, e.g. ZERODHA or SANDBOX (PSYNC_BROKER).")
    var broker: String?

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        try CoreDumps.disable()
        let environment = EnvironmentReader(ProcessInfo.processInfo.environment)
        var configuration = try GatewayConfiguration(environment: environment, broker: broker)
        try configuration.service.apply(options)
        let (logger, metrics) = try ServiceBootstrap.bootstrap(service: "psync-gateway", configuration: configuration.service)
        try await buildGateway(configuration, metrics: metrics, logger: logger).run()
    }
}
