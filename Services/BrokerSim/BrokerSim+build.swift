import Logging
import ServiceKit

/// Builds psync-brokersim; it needs neither Redis nor Postgres.
func buildBrokerSim(_ configuration: ServiceConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    ServiceApp(identity: ServiceIdentity(service: "psync-brokersim"), configuration: configuration, metrics: metrics, logger: logger)
}
