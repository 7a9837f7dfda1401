import Contracts
import CurlClient
import Logging
import RPC
import RedisClient
import ServiceKit
import Streams

/// Builds psync-dispatcher: fires into runs, fan-out, completion from job events, the sweep, and its RPCs.
func buildDispatcher(_ configuration: DispatcherConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    let redis = RedisPool(configuration: try configuration.service.redisConfiguration(), size: 8)
    let http = HTTPClient()
    let identity = ServiceIdentity(service: "psync-dispatcher")
    var app = ServiceApp(
        identity: identity,
        configuration: configuration.service,
        metrics: metrics,
        readiness: [.redis(redis)],
        heartbeat: redis,
        logger: logger
    )
    let persistence = RPCClient(
        baseURL: configuration.persistenceURL, token: try configuration.service.tokens.ownToken(as: Principal(.dispatcher)), client: http,
        timeout: .seconds(60))
    let coordinator = RunCoordinator(
        persistence: persistence,
        fanOut: FanOut(redis: redis, persistence: persistence, pageSize: configuration.fanOutPage, logger: logger),
        redis: redis,
        publisher: StreamPublisher(redis: redis),
        deadlineSeconds: configuration.runDeadlineSeconds,
        logger: logger
    )
    DispatcherRoutes(coordinator: coordinator, deadlineSeconds: configuration.runDeadlineSeconds).register(on: app.router)

    let isPoison: @Sendable (any Error) -> Bool = { $0 is PoisonMessage }
    var fires = StreamReader<FireMessage>.Configuration(
        stream: StreamNames.dispatch, group: StreamNames.Group.dispatcher, consumer: identity.instanceID)
    fires.claimIdle = configuration.claimIdle
    fires.maxDeliveries = configuration.maxDeliveries
    var fireConsumer = BatchConsumer<FireMessage>.Configuration(reader: fires)
    fireConsumer.batchSize = 10
    fireConsumer.batchWindow = .zero
    app.addService(
        BatchConsumer(redis: redis, configuration: fireConsumer, logger: logger, isPoison: isPoison) { batch in
            try await coordinator.handleFires(batch)
        })

    var events = StreamReader<Event>.Configuration(stream: StreamNames.events, group: StreamNames.Group.dispatcher, consumer: identity.instanceID)
    events.claimIdle = configuration.claimIdle
    events.maxDeliveries = configuration.maxDeliveries
    var eventConsumer = BatchConsumer<Event>.Configuration(reader: events)
    eventConsumer.batchSize = 500
    eventConsumer.batchWindow = .milliseconds(20)
    app.addService(
        BatchConsumer(redis: redis, configuration: eventConsumer, logger: logger, isPoison: isPoison) { batch in
            try await coordinator.handleEvents(batch)
        })

    app.addService(RunSweeper(coordinator: coordinator, interval: configuration.sweepInterval, logger: logger))
    app.addService(StreamTrimmer(redis: redis, streams: [StreamNames.dispatch, StreamNames.events], logger: logger))
    app.onShutdown {
        http.shutdown()
        redis.close()
    }
    return app
}
