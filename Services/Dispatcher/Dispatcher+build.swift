import Logging
import RedisClient
import ServiceKit

/// Builds psync-dispatcher: its Redis pool, readiness check and heartbeat.
func buildDispatcher(_ configuration: ServiceConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    let redis = RedisPool(configuration: try RedisConfiguration(url: configuration.redisURL))
    var app = ServiceApp(
        identity: ServiceIdentity(service: "psync-dispatcher"),
        configuration: configuration,
        metrics: metrics,
        readiness: [.redis(redis)],
        heartbeat: redis,
        logger: logger
    )
    app.onShutdown { redis.close() }
    return app
}
