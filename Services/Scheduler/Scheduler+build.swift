import Contracts
import CurlClient
import Logging
import RPC
import RedisClient
import ServiceKit

/// Builds psync-scheduler: the leader election and timer, and the schedule RPCs.
func buildScheduler(_ configuration: SchedulerConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    let redis = RedisPool(configuration: try configuration.service.redisConfiguration(), size: 4)
    let http = HTTPClient()
    let identity = ServiceIdentity(service: "psync-scheduler")
    var app = ServiceApp(
        identity: identity,
        configuration: configuration.service,
        metrics: metrics,
        readiness: [.redis(redis)],
        heartbeat: redis,
        logger: logger
    )
    let persistence = RPCClient(
        baseURL: configuration.persistenceURL, token: try configuration.service.tokens.ownToken(as: Principal(.scheduler)), client: http,
        timeout: .seconds(10))
    let lease = LeaderLease(redis: redis, instance: identity.instanceID, ttl: configuration.leaseTTL)
    let sender = FireSender(redis: redis)
    let status = LeaderStatus()
    SchedulerRoutes(persistence: persistence, sender: sender, lease: lease, status: status, instance: identity.instanceID)
        .register(on: app.router)
    app.addService(
        ScheduleTimer(lease: lease, sender: sender, persistence: persistence, configuration: configuration, status: status, logger: logger))
    app.onShutdown {
        http.shutdown()
        redis.close()
    }
    return app
}
