import ArgumentParser
import FoundationEssentials
import ServiceKit

@main
struct BrokerSimMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-brokersim",
        abstract: "Sandbox broker: Kite, Alpaca, Upstox and SANDBOX wire formats with deterministic data and injectable faults."
    )

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        var configuration = try BrokerSimConfiguration(environment: EnvironmentReader(ProcessInfo.processInfo.environment))
        try configuration.service.apply(options)
        let (logger, metrics) = try ServiceBootstrap.bootstrap(service: "psync-brokersim", configuration: configuration.service)
        try await buildBrokerSim(configuration, metrics: metrics, logger: logger).run()
    }
}
