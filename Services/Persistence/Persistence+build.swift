import Brokers
import Contracts
import Logging
import PostgresClient
import RedisClient
import ServiceKit
import Streams

/// Builds psync-persistence: migrates the schema (waiting for Postgres), then wires the stores,
/// the RPC routes, the results consumers, stream trimming and retention.
func buildPersistence(_ configuration: PersistenceConfiguration, metrics: MetricsRegistry, logger: Logger) async throws -> ServiceApp {
    let redis = RedisPool(configuration: try configuration.service.redisConfiguration(), size: 8)
    let postgres = PostgresPool(
        configuration: try {
            var postgres = try PostgresConfiguration(url: configuration.service.postgresURL, applicationName: "psync-persistence")
            postgres.statementTimeout = configuration.postgresStatementTimeout
            postgres.leaseTimeout = configuration.postgresLeaseTimeout
            return postgres
        }(),
        size: configuration.postgresPoolSize
    )
    try await migrate(postgres, logger: logger)
    try await BrokerCatalogue.sync(BrokerRegistry.brokerTypes, on: postgres)
    let identity = ServiceIdentity(service: "psync-persistence")
    let postgresCheck = ReadinessCheck(name: "postgres") { try await postgres.query("SELECT 1") }
    var app = ServiceApp(
        identity: identity,
        configuration: configuration.service,
        metrics: metrics,
        readiness: [.redis(redis), postgresCheck],
        heartbeat: redis,
        logger: logger
    )
    let publisher = StreamPublisher(redis: redis)
    let results = ResultWriter(pool: postgres, publisher: publisher, logger: logger)
    PersistenceRoutes(
        users: UserStore(pool: postgres),
        portfolios: PortfolioStore(pool: postgres),
        accounts: AccountStore(pool: postgres),
        holdings: HoldingsStore(pool: postgres),
        transactions: TransactionStore(pool: postgres),
        totals: TotalsStore(pool: postgres),
        runs: RunStore(pool: postgres, publisher: publisher, logger: logger),
        schedules: ScheduleStore(pool: postgres),
        results: results,
        pool: postgres
    ).register(on: app.router)

    for number in 1...configuration.resultConsumers {
        var reader = StreamReader<JobResult>.Configuration(
            stream: StreamNames.results,
            group: StreamNames.Group.persistence,
            consumer: "\(identity.instanceID)-\(number)"
        )
        reader.claimIdle = configuration.claimIdle
        reader.maxDeliveries = configuration.maxDeliveries
        var consumer = BatchConsumer<JobResult>.Configuration(reader: reader)
        consumer.batchSize = configuration.resultBatchSize
        consumer.batchWindow = configuration.resultBatchWindow
        consumer.maximumAttempts = configuration.resultBatchAttempts
        let stats = app.stats
        app.addService(
            BatchConsumer<JobResult>(
                redis: redis,
                configuration: consumer,
                logger: logger,
                isPoison: { error in (error as? PostgresError)?.isDataError == true || error is PoisonMessage },
                isOutage: { error in (error as? PostgresError)?.isOutage == true },
                handler: { batch in
                    let refused = try await results.write(batch)
                    for _ in 0..<(batch.count - refused.count) {
                        stats.started()
                        stats.finished(succeeded: true)
                    }
                    return refused
                }
            )
        )
    }
    let deadLetters = StreamTrimmer.Retention(
        stream: StreamNames.deadLetters, maximumAge: .seconds(configuration.retentionDays * 86_400), maximumLength: configuration.deadLetterMaximum)
    // Every second: gateways measure the results stream's length for backpressure, so acknowledged entries go soon.
    app.addService(StreamTrimmer(redis: redis, streams: [StreamNames.results], retained: [deadLetters], interval: .seconds(1), logger: logger))
    app.addService(RetentionService(pool: postgres, days: configuration.retentionDays, interval: configuration.retentionInterval, logger: logger))
    app.addService(ReauthWarningService(pool: postgres, interval: configuration.reauthWarningInterval, logger: logger))
    app.onShutdown {
        redis.close()
        postgres.close()
    }
    return app
}

/// Applies the schema's migrations, retrying while Postgres is not reachable yet (it may start after us).
func migrate(_ postgres: PostgresPool, logger: Logger) async throws {
    var delay: Duration = .milliseconds(250)
    while true {
        do {
            let applied = try await MigrationRunner(pool: postgres).run(Schema.migrations)
            if !applied.isEmpty { logger.info("migrated", metadata: ["migrations.applied": "\(applied.map(\.version))"]) }
            return
        } catch let error as PostgresError where error.isConnectionError {
            logger.warning("waiting for postgres", metadata: ["error": "\(error)"])
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
