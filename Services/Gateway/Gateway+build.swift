import Brokers
import Contracts
import CurlClient
import Logging
import Metrics
import RPC
import RedisClient
import ServiceKit
import Streams

/// Builds psync-gateway for one broker: adapter, vault, limits, the job worker, retries, events and RPCs.
func buildGateway(_ configuration: GatewayConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    var logger = logger
    logger[metadataKey: "broker.code"] = .string(configuration.broker)
    let broker = configuration.broker
    let redis = RedisPool(configuration: try configuration.service.redisConfiguration(), size: 16)
    let http = HTTPClient(
        configuration: {
            var http = HTTPClient.Configuration()
            http.timeout = configuration.brokerTimeout
            return http
        }())
    let identity = ServiceIdentity(service: "psync-gateway", broker: broker)
    let keyHealth = KeyHealth()
    var app = ServiceApp(
        identity: identity,
        configuration: configuration.service,
        metrics: metrics,
        readiness: [.redis(redis), ReadinessCheck(name: "credential keys") { try keyHealth.check() }],
        heartbeat: redis,
        logger: logger
    )
    let persistence = RPCClient(
        baseURL: configuration.persistenceURL, token: try configuration.service.tokens.ownToken(as: Principal(.gateway, broker: broker)),
        client: http, timeout: .seconds(30))
    let limiter = RateLimiter(redis: redis, broker: broker, rule: configuration.rateLimit)
    var environment = BrokerEnvironment(
        baseURL: configuration.baseURL,
        http: http,
        timeout: configuration.brokerTimeout,
        options: configuration.adapterOptions,
        throttle: { key in try await limiter.acquire(key) }
    )
    environment.variantURLs = configuration.variantURLs
    environment.maximumResponseSize = configuration.brokerMaxBody
    environment.retryAfterLimit = configuration.retryAfterMax
    let responses = CounterFamily(label: "psync_broker_http_responses_total", fixed: [("broker", broker)], dimension: "status")
    environment.observe = { status in responses.increment(status) }
    guard let adapter = BrokerRegistry.adapter(for: broker, environment: environment) else {
        throw ConfigurationError("no adapter for broker \(broker)")
    }
    let vault = CredentialVault(broker: broker, keys: configuration.keys)
    let credentials = CredentialCache(persistence: persistence, ttl: configuration.credentialsCacheTTL)
    let events = EventBuffer(redis: redis, logger: logger)
    let runner = JobRunner(
        broker: broker,
        worker: identity.instanceID,
        adapter: adapter,
        vault: vault,
        credentials: credentials,
        accounts: AccountLimiter(redis: redis, broker: broker, limit: configuration.accountConcurrency, lease: configuration.brokerTimeout * 6),
        events: events,
        backoff: Backoff(base: configuration.retryBase, ceiling: configuration.retryMax, retryAfterCeiling: configuration.retryAfterMax),
        maxAttempts: configuration.maxAttempts,
        ownFaultDelay: configuration.ownFaultDelay,
        keyHealth: keyHealth,
        logger: logger
    )
    GatewayRoutes(broker: broker, adapter: adapter, vault: vault, credentials: credentials, persistence: persistence, logger: logger)
        .register(on: app.router)
    app.addService(events)
    app.addService(DelayedMover(redis: redis, broker: broker, interval: .milliseconds(100), logger: logger))
    app.addService(
        JobWorker(
            configuration: .init(
                broker: broker,
                consumer: identity.instanceID,
                concurrency: configuration.concurrency,
                claimIdle: configuration.claimIdle,
                maxDeliveries: configuration.maxDeliveries,
                drainTimeout: configuration.drainTimeout,
                resultsBacklogLimit: configuration.resultsBacklogMax
            ),
            redis: redis,
            runner: runner,
            credentials: credentials,
            stats: app.stats,
            logger: logger
        )
    )
    app.addService(StreamTrimmer(redis: redis, streams: [StreamNames.jobs(broker: broker)], logger: logger))
    app.onShutdown {
        http.shutdown()
        redis.close()
    }
    if configuration.keys == nil {
        logger.warning("no credential key configured: set PSYNC_MASTER_KEY (64 hex digits) or PSYNC_\(broker)_KEY; jobs will fail until then")
    }
    return app
}
