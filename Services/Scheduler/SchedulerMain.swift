import ArgumentParser
import FoundationEssentials
import ServiceKit

@main
struct SchedulerMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-scheduler",
        abstract: "Fires schedules (interval, cron with a time zone, one-off) onto the dispatch stream; replicas elect one leader."
    )

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        var configuration = try SchedulerConfiguration(environment: EnvironmentReader(ProcessInfo.processInfo.environment))
        try configuration.service.apply(options)
        let (logger, metrics) = try ServiceBootstrap.bootstrap(service: "psync-scheduler", configuration: configuration.service)
        try await buildScheduler(configuration, metrics: metrics, logger: logger).run()
    }
}
