import BlockingIO
import Synchronization

/// A pool of Postgres connections, each on its own thread.
///
/// ```swift
/// let pool = PostgresPool(configuration: try PostgresConfiguration(url: "postgres://psync@127.0.0.1:5432/psync"), size: 8)
/// let count: Int = try await pool.query("SELECT count(*) FROM users WHERE active = \(true)").scalar()
/// ```
public final class PostgresPool: Sendable {
    /// Where every connection goes.
    public let configuration: PostgresConfiguration
    private let connections: ResourcePool<PostgresConnection>
    /// Bumped when a call loses its connection, so the other pooled connections reconnect before their next call.
    private let generation = Atomic<Int>(0)

    /// A pool of up to `size` connections, opened as they are needed.
    public init(configuration: PostgresConfiguration, size: Int = 8) {
        self.configuration = configuration
        let counter = Atomic<Int>(0)
        connections = ResourcePool(
            maximum: size,
            make: {
                let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
                return PostgresConnection(configuration: configuration, name: "postgres-pool-\(number)")
            },
            discard: { _ in }
        )
    }

    /// Lends one connection to `body`; waiting longer than the configuration's `leaseTimeout` for one is a connection
    /// error (every connection is stuck, which looks like an outage to the caller).
    public func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await connections.withResource(timeout: configuration.leaseTimeout) { connection in
                await connection.refresh(generation: generation.load(ordering: .relaxed))
                do {
                    return try await body(connection)
                } catch let error as PostgresError where error.isConnectionError {
                    generation.add(1, ordering: .relaxed)
                    throw error
                }
            }
        } catch let error as ResourcePoolError {
            throw PostgresError(.connection, error.description)
        }
    }

    /// Runs `body` in a transaction on one connection; rolls back if it throws.
    public func withTransaction<T: Sendable>(_ body: @Sendable (isolated PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { try await $0.withTransaction(body) }
    }

    /// Runs a statement on a pooled connection and returns its rows.
    @discardableResult
    public func query(_ sql: SQL) async throws -> PostgresRows {
        try await withConnection { try await $0.query(sql) }
    }

    /// Runs a statement on a pooled connection and returns how many rows it touched.
    @discardableResult
    public func execute(_ sql: SQL) async throws -> Int {
        try await withConnection { try await $0.execute(sql) }
    }

    /// Refuses further calls; connections close as they come back.
    public func close() {
        connections.close()
    }
}
