import Logging
import RedisClient
import ServiceKit

/// Builds psync-gateway for one broker: its Redis pool, readiness check and heartbeat.
func buildGateway(_ configuration: GatewayConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    var logger = logger
    logger[metadataKey: "broker.code"] = .string(configuration.broker)
    let redis = RedisPool(configuration: try RedisConfiguration(url: configuration.service.redisURL))
    var app = ServiceApp(
        identity: ServiceIdentity(service: "psync-gateway", broker: configuration.broker),
        configuration: configuration.service,
        metrics: metrics,
        readiness: [.redis(redis)],
        heartbeat: redis,
        logger: logger
    )
    app.onShutdown { redis.close() }
    return app
}
