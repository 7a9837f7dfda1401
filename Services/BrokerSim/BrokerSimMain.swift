import ArgumentParser
import FoundationEssentials
import ServiceKit

@main
struct BrokerSimMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-brokersim",
        abstract: "Sandbox broker: the Kite Connect v3 wire format (and others) with deterministic data and injectable faults."
    )

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        var configuration = try ServiceConfiguration(defaultPort: 7190, environment: EnvironmentReader(ProcessInfo.processInfo.environment))
        try configuration.apply(options)
        let (logger, metrics) = try ServiceBootstrap.bootstrap(service: "psync-brokersim", configuration: configuration)
        try await buildBrokerSim(configuration, metrics: metrics, logger: logger).run()
    }
}
