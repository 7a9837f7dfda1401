import ArgumentParser
import FoundationEssentials
import ServiceKit

@main
struct MonitorMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-monitor",
        abstract: "Dashboard and JSON API over workers, queues, runs, jobs, dead letters and account health."
    )

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        var configuration = try MonitorConfiguration(environment: EnvironmentReader(ProcessInfo.processInfo.environment))
        try configuration.service.apply(options)
        let (logger, metrics) = try ServiceBootstrap.bootstrap(service: "psync-monitor", configuration: configuration.service)
        try await buildMonitor(configuration, metrics: metrics, logger: logger).run()
    }
}
