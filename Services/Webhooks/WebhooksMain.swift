import ArgumentParser
import FoundationEssentials
import ServiceKit

@main
struct WebhooksMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-webhooks",
        abstract: "Sends the change feed's events to webhook subscriptions, signed, retried, in order per account; checks and stores new ones."
    )

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        var configuration = try WebhooksConfiguration(environment: EnvironmentReader(ProcessInfo.processInfo.environment))
        try configuration.service.apply(options)
        let (logger, metrics) = try ServiceBootstrap.bootstrap(service: "psync-webhooks", configuration: configuration.service)
        try await buildWebhooks(configuration, metrics: metrics, logger: logger).run()
    }
}
