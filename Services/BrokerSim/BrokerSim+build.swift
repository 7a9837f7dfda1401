import Contracts
import Logging
import ServiceKit

/// Builds psync-brokersim; it needs neither Redis nor Postgres.
func buildBrokerSim(_ configuration: BrokerSimConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    let app = ServiceApp(
        identity: ServiceIdentity(service: "psync-brokersim"), configuration: configuration.service, metrics: metrics, logger: logger)
    let simulator = BrokerSimulator(settings: configuration.simulator, cacheSize: configuration.cacheSize)
    KiteRoutes(simulator: simulator).register(on: app.router)
    AlpacaRoutes(simulator: simulator).register(on: app.router)
    UpstoxRoutes(simulator: simulator).register(on: app.router)
    SandboxRoutes(simulator: simulator).register(on: app.router)
    DhanRoutes(simulator: simulator).register(on: app.router)
    ControlRoutes(simulator: simulator, requiresAdmin: configuration.service.tokens.accepts(.admin)).register(on: app.router)
    return app
}
