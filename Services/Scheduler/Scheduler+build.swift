import Logging
import RedisClient
import ServiceKit

/// Builds psync-scheduler: its Redis pool, readiness check and heartbeat.
func buildScheduler(_ configuration: ServiceConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    let redis = RedisPool(configuration: try RedisConfiguration(url: configuration.redisURL))
    var app = ServiceApp(
        identity: ServiceIdentity(service: "psync-scheduler"),
        configuration: configuration,
        metrics: metrics,
        readiness: [.redis(redis)],
        heartbeat: redis,
        logger: logger
    )
    app.onShutdown { redis.close() }
    return app
}
