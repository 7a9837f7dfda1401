import Contracts
import CurlClient
import Hummingbird
import Logging
import RPC
import RedisClient
import ServiceKit

/// Builds psync-monitor: Redis, clients for persistence and the dispatcher, the pages, the JSON API, live events and metrics.
func buildMonitor(_ configuration: MonitorConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    let redis = RedisPool(configuration: try configuration.service.redisConfiguration(), size: 16)
    let http = HTTPClient()
    let token = try configuration.service.tokens.ownToken(as: Principal(.monitor))
    let persistence = RPCClient(baseURL: configuration.persistenceURL, token: token, client: http, timeout: .seconds(30))
    let dispatcher = RPCClient(baseURL: configuration.dispatcherURL, token: token, client: http, timeout: .seconds(10))
    let scheduler = RPCClient(baseURL: configuration.schedulerURL, token: token, client: http, timeout: .seconds(10))
    var app = ServiceApp(
        identity: ServiceIdentity(service: "psync-monitor"),
        configuration: configuration.service,
        metrics: metrics,
        readiness: [.redis(redis)],
        heartbeat: redis,
        logger: logger
    )
    let signer: SessionSigner
    if let secret = configuration.sessionSecret {
        signer = SessionSigner(secret: Array(secret.utf8))
    } else {
        signer = .ephemeral()
        logger.notice("PSYNC_MONITOR_SESSION_SECRET is not set: sessions are signed with a random key and end when the monitor restarts")
    }
    let sessions = SessionStore(
        redis: redis, signer: signer, tokens: configuration.service.tokens, ttl: configuration.sessionTTL,
        idleTimeout: configuration.sessionIdleTimeout, secure: configuration.secureCookie)
    let throttle = LoginThrottle(limit: configuration.loginAttempts, window: configuration.loginWindow)
    let queues = QueueInspector(redis: redis)
    let workers = WorkerDirectory(redis: redis, lostAfter: configuration.lostAfter, forgetAfter: configuration.forgetAfter)
    let data = MonitorData(redis: redis, persistence: persistence, dispatcher: dispatcher, scheduler: scheduler, workers: workers, queues: queues)
    let actions = MonitorActions(redis: redis, persistence: persistence, queues: queues, logger: logger)
    let feed = EventFeed(redis: redis, logger: logger)
    app.router.add(middleware: RedisErrorMiddleware())
    app.router.add(middleware: SessionMiddleware(sessions: sessions))
    APIRoutes(data: data, actions: actions, sessions: sessions).register(on: app.router)
    PageRoutes(
        data: data, actions: actions, sessions: sessions, tokens: configuration.service.tokens, throttle: throttle,
        proxies: configuration.trustedProxies, logger: logger
    )
    .register(on: app.router)
    ScheduleRoutes(data: data).register(on: app.router)
    AuditRoutes(data: data).register(on: app.router)
    OperationsRoutes(actions: actions).register(on: app.router)
    PortfolioViewRoutes(data: PortfolioData(persistence: persistence)).register(on: app.router)
    EventsRoute(feed: feed, sessions: sessions, recheck: configuration.eventsRecheck).register(on: app.router)
    let gateways = GatewayLocator(
        workers: workers, verifier: WorkerVerifier(policy: configuration.service.trustedWorkers, http: http), http: http, token: token)
    UserRoutes(data: data).register(on: app.router)
    WebhookRoutes(data: data, webhooks: configuration.webhooksURL.map { RPCClient(baseURL: $0, token: token, client: http, timeout: .seconds(30)) })
        .register(on: app.router)
    PortfolioRoutes(data: data).register(on: app.router)
    AccountRoutes(data: data, gateways: gateways, publicURL: configuration.publicURL).register(on: app.router)
    BrokerLoginRoutes(data: data, gateways: gateways, states: BrokerLoginStates(redis: redis, signer: signer)).register(on: app.router)
    app.addService(feed)
    app.addService(
        SystemMetrics(
            data: data, http: http, registry: metrics, token: token,
            verifier: WorkerVerifier(policy: configuration.service.trustedWorkers, http: http), interval: configuration.metricsInterval,
            logger: logger))
    app.onShutdown {
        http.shutdown()
        redis.close()
    }
    return app
}
