import ArgumentParser
import FoundationEssentials
import ServiceKit

@main
struct DispatcherMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-dispatcher",
        abstract: "Turns fires and sync requests into runs, fans jobs out to broker streams and tracks runs to completion."
    )

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        var configuration = try DispatcherConfiguration(environment: EnvironmentReader(ProcessInfo.processInfo.environment))
        try configuration.service.apply(options)
        let (logger, metrics) = try ServiceBootstrap.bootstrap(service: "psync-dispatcher", configuration: configuration.service)
        try await buildDispatcher(configuration, metrics: metrics, logger: logger).run()
    }
}
