import ArgumentParser
import FoundationEssentials
import ServiceKit

@main
struct PersistenceMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-persistence",
        abstract: "The only process with a Postgres connection: migrations, admin RPCs, snapshot writes."
    )

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        var configuration = try PersistenceConfiguration(environment: EnvironmentReader(ProcessInfo.processInfo.environment))
        try configuration.service.apply(options)
        let (logger, metrics) = try ServiceBootstrap.bootstrap(service: "psync-persistence", configuration: configuration.service)
        try await buildPersistence(configuration, metrics: metrics, logger: logger).run()
    }
}
