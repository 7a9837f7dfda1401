import BlockingIO
import Synchronization

/// A pool of Redis connections, each on its own thread.
///
/// ```swift
/// let redis = RedisPool(configuration: try RedisConfiguration(url: "redis://127.0.0.1:6379/0"), size: 8)
/// try await redis.set("greeting", "hello")
/// let id = try await redis.xadd("psync:events", fields: [("type", "ping")])
/// ```
public final class RedisPool: RedisCommands {
    /// The address and timeouts every connection uses.
    public let configuration: RedisConfiguration
    private let connections: ResourcePool<RedisConnection>
    /// Bumped when a call loses its connection, so every other pooled connection reconnects before its next call.
    private let generation = Atomic<Int>(0)

    /// A pool of up to `size` connections, opened as they are needed.
    public init(configuration: RedisConfiguration, size: Int = 8) {
        self.configuration = configuration
        let counter = Atomic<Int>(0)
        connections = ResourcePool(
            maximum: size,
            make: {
                let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
                return RedisConnection(configuration: configuration, name: "redis-pool-\(number)")
            },
            discard: { _ in }
        )
    }

    /// Lends one connection for commands that must share it (`MULTI`/`EXEC`, `WATCH`).
    public func withConnection<T>(_ body: (RedisConnection) async throws -> T) async throws -> T {
        try await connections.withResource { connection in
            await connection.refresh(generation: generation.load(ordering: .relaxed))
            do {
                return try await body(connection)
            } catch let error as RedisError where error.isConnectionError {
                generation.add(1, ordering: .relaxed)
                throw error
            }
        }
    }

    /// Sends one command on a pooled connection.
    public func send(_ arguments: [RedisArgument], timeout: Duration?) async throws -> RedisValue {
        try await withConnection { try await $0.send(arguments, timeout: timeout) }
    }

    /// Sends several commands in one round trip on a pooled connection.
    public func pipeline(_ commands: [[RedisArgument]]) async throws -> [RedisValue] {
        try await withConnection { try await $0.pipeline(commands) }
    }

    /// A new connection outside the pool, for blocking reads that would otherwise hold a pooled one.
    public func dedicatedConnection(name: String) -> RedisConnection {
        RedisConnection(configuration: configuration, name: name)
    }

    /// Refuses further calls; connections close as they come back.
    public func close() {
        connections.close()
    }
}
