import Logging
import PostgresClient
import RedisClient
import ServiceKit

/// Builds psync-persistence: pools, readiness checks, heartbeat.
func buildPersistence(_ configuration: PersistenceConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    let redis = RedisPool(configuration: try RedisConfiguration(url: configuration.service.redisURL))
    let postgres = PostgresPool(
        configuration: try PostgresConfiguration(url: configuration.service.postgresURL, applicationName: "psync-persistence"),
        size: configuration.postgresPoolSize
    )
    let postgresCheck = ReadinessCheck(name: "postgres") { try await postgres.query("SELECT 1") }
    var app = ServiceApp(
        identity: ServiceIdentity(service: "psync-persistence"),
        configuration: configuration.service,
        metrics: metrics,
        readiness: [.redis(redis), postgresCheck],
        heartbeat: redis,
        logger: logger
    )
    app.onShutdown {
        redis.close()
        postgres.close()
    }
    return app
}
