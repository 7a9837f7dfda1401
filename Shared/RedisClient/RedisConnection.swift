import BlockingIO

/// One Redis connection on its own thread, so its blocking hiredis calls never run on Swift's cooperative pool.
///
/// It connects on first use and, after a connection error, reconnects on the next call: a Redis
/// restart costs the caller one failed call. Use a dedicated connection for blocking reads
/// (`XREADGROUP … BLOCK`) so they do not hold a pooled one.
///
/// ```swift
/// let connection = RedisConnection(configuration: try RedisConfiguration(url: "redis://127.0.0.1:6379/0"))
/// let reply = try await connection.send(["PING"])
/// ```
public actor RedisConnection: RedisCommands {
    private let executor: ThreadExecutor
    /// The address and timeouts this connection uses.
    public nonisolated let configuration: RedisConfiguration
    private var context: HiredisContext?
    /// The pool generation this connection last connected under.
    var generation = 0

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// A connection that opens lazily; `name` labels its thread.
    public init(configuration: RedisConfiguration, name: String = "redis") {
        self.configuration = configuration
        self.executor = ThreadExecutor(name: name)
    }

    deinit { executor.shutdown() }

    /// Sends one command; an error reply throws `RedisError` with the server's message.
    public func send(_ arguments: [RedisArgument]) throws -> RedisValue {
        try send(arguments, timeout: nil)
    }

    /// Sends one command allowing `timeout` for the reply (for blocking reads longer than the command timeout).
    public func send(_ arguments: [RedisArgument], timeout: Duration?) throws -> RedisValue {
        let context = try connected()
        if let timeout { context.setTimeout(timeout) }
        defer { if timeout != nil { self.context?.setTimeout(configuration.commandTimeout) } }
        let reply: RedisValue
        do {
            reply = try context.command(arguments)
        } catch {
            self.context = nil
            throw error
        }
        if case .error(let message) = reply {
            try dropIfDemoted(message)
            throw RedisError(.server, message)
        }
        return reply
    }

    /// Sends all commands in one round trip; error replies come back as `.error` values in place.
    public func pipeline(_ commands: [[RedisArgument]]) throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        let context = try connected()
        let replies: [RedisValue]
        do {
            replies = try context.pipeline(commands)
        } catch {
            self.context = nil
            throw error
        }
        for case .error(let message) in replies { try dropIfDemoted(message) }
        return replies
    }

    /// A server that became a replica (after a failover, the old primary rejoining) refuses writes with `READONLY`:
    /// that is the connection's fault, not the command's. The connection is dropped (the next call asks the sentinels
    /// again) and the call fails as a connection error, so callers retry as they do when Redis is away.
    private func dropIfDemoted(_ message: String) throws {
        guard message.hasPrefix("READONLY") else { return }
        context = nil
        throw RedisError(.connection, "\(configuration) answered from a replica: \(message.prefix(120))")
    }

    /// Closes the socket; the next call opens a new one.
    public func disconnect() {
        context = nil
    }

    /// Drops a connection opened before `generation`: another call saw the server go away.
    func refresh(generation: Int) {
        if self.generation < generation {
            context = nil
            self.generation = generation
        }
    }

    /// Whether the last call left the connection open.
    var isConnected: Bool { context != nil }

    private func connected() throws -> HiredisContext {
        if let context { return context }
        let opened = try HiredisContext.connect(configuration)
        context = opened
        return opened
    }
}
