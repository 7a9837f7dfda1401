import Logging
import RedisClient
import ServiceKit

/// Builds psync-monitor: its Redis pool, readiness check and heartbeat.
func buildMonitor(_ configuration: ServiceConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    let redis = RedisPool(configuration: try RedisConfiguration(url: configuration.redisURL))
    var app = ServiceApp(
        identity: ServiceIdentity(service: "psync-monitor"),
        configuration: configuration,
        metrics: metrics,
        readiness: [.redis(redis)],
        heartbeat: redis,
        logger: logger
    )
    app.onShutdown { redis.close() }
    return app
}
