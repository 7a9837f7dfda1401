import ServiceKit

/// Settings of psync-persistence: the shared ones (default port 7103) plus its own.
struct PersistenceConfiguration: Sendable {
    var service = ServiceConfiguration(defaultPort: 7103)
    /// Postgres connections in the pool (`PSYNC_POSTGRES_POOL_SIZE`).
    var postgresPoolSize = 8

    init() {}

    init(environment: EnvironmentReader) throws {
        service = try ServiceConfiguration(defaultPort: 7103, environment: environment)
        postgresPoolSize = try environment.int("PSYNC_POSTGRES_POOL_SIZE", in: 1...200) ?? postgresPoolSize
    }
}
