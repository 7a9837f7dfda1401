import ServiceKit

/// Settings of psync-persistence: the shared ones (default port 7103) plus its own.
struct PersistenceConfiguration: Sendable {
    var service = ServiceConfiguration(defaultPort: 7103)
    /// Postgres connections in the pool (`PSYNC_POSTGRES_POOL_SIZE`).
    var postgresPoolSize = 8
    /// Results written per transaction, at most (`PSYNC_RESULT_BATCH_SIZE`).
    var resultBatchSize = 200
    /// How long a batch may wait to fill after its first result (`PSYNC_RESULT_BATCH_WINDOW`).
    var resultBatchWindow: Duration = .milliseconds(5)
    /// Results consumers in this process, each writing its own batches (`PSYNC_RESULT_CONSUMERS`).
    var resultConsumers = 2
    /// Results left pending this long by a consumer that died are taken over (`PSYNC_CLAIM_IDLE`).
    var claimIdle: Duration = .seconds(30)
    /// A result delivered more often than this is dead-lettered (`PSYNC_MAX_DELIVERIES`).
    var maxDeliveries = 5
    /// Finished runs with their jobs, and snapshots no longer current, are deleted after this many days (`PSYNC_RETENTION_DAYS`).
    var retentionDays = 90
    /// How often the retention purge runs (`PSYNC_RETENTION_INTERVAL`).
    var retentionInterval: Duration = .seconds(3600)
    /// How often logins ending before their account's next scheduled run are looked for (`PSYNC_REAUTH_WARNING_INTERVAL`).
    var reauthWarningInterval: Duration = .seconds(60)
    /// Dead letters kept at most, newest first, whatever their age (`PSYNC_DEAD_LETTER_MAX`); older ones go after
    /// `retentionDays`.
    var deadLetterMaximum = 100_000
    /// Postgres cancels a statement running longer (`PSYNC_POSTGRES_STATEMENT_TIMEOUT`).
    var postgresStatementTimeout: Duration = .seconds(60)
    /// The longest a request or batch waits for a pooled Postgres connection (`PSYNC_POSTGRES_LEASE_TIMEOUT`).
    var postgresLeaseTimeout: Duration = .seconds(15)
    /// Tries of a results batch failing for a reason that is neither bad data nor an outage, before it is split and
    /// the entry at fault dead-lettered (`PSYNC_RESULT_BATCH_ATTEMPTS`).
    var resultBatchAttempts = 5

    init() {}

    init(environment: EnvironmentReader) throws {
        service = try ServiceConfiguration(defaultPort: 7103, environment: environment)
        postgresPoolSize = try environment.int("PSYNC_POSTGRES_POOL_SIZE", in: 1...200) ?? postgresPoolSize
        resultBatchSize = try environment.int("PSYNC_RESULT_BATCH_SIZE", in: 1...5000) ?? resultBatchSize
        resultBatchWindow = try environment.duration("PSYNC_RESULT_BATCH_WINDOW") ?? resultBatchWindow
        resultConsumers = try environment.int("PSYNC_RESULT_CONSUMERS", in: 1...32) ?? resultConsumers
        claimIdle = try environment.duration("PSYNC_CLAIM_IDLE") ?? claimIdle
        maxDeliveries = try environment.int("PSYNC_MAX_DELIVERIES", in: 1...100) ?? maxDeliveries
        retentionDays = try environment.int("PSYNC_RETENTION_DAYS", in: 1...36500) ?? retentionDays
        retentionInterval = try environment.duration("PSYNC_RETENTION_INTERVAL") ?? retentionInterval
        reauthWarningInterval = try environment.duration("PSYNC_REAUTH_WARNING_INTERVAL") ?? reauthWarningInterval
        deadLetterMaximum = try environment.int("PSYNC_DEAD_LETTER_MAX", in: 100...10_000_000) ?? deadLetterMaximum
        postgresStatementTimeout = try environment.duration("PSYNC_POSTGRES_STATEMENT_TIMEOUT") ?? postgresStatementTimeout
        postgresLeaseTimeout = try environment.duration("PSYNC_POSTGRES_LEASE_TIMEOUT") ?? postgresLeaseTimeout
        resultBatchAttempts = try environment.int("PSYNC_RESULT_BATCH_ATTEMPTS", in: 1...100) ?? resultBatchAttempts
    }
}
