import ArgumentParser
public import Logging

/// The start-up every service `main` shares: logging and metrics bootstrapped once, from the settings.
public enum ServiceBootstrap {
    /// Installs the log handler and the Prometheus metrics factory; returns the process logger and registry.
    public static func bootstrap(service: String, configuration: ServiceConfiguration) throws -> (Logger, MetricsRegistry) {
        try configuration.tokens.validate()
        MallocTuning.apply()
        LineLogHandler.bootstrap(service: service, format: configuration.logFormat, level: configuration.logLevel)
        let metrics = MetricsRegistry.bootstrap()
        var logger = Logger(label: service)
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return (logger, metrics)
    }
}
