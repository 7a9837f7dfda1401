/// Anything that can send Redis commands: a pooled client or one connection.
///
/// The typed helpers (streams, sorted sets, scripts, keys) are extensions on this protocol, so
/// they work the same on a `RedisPool` and on a dedicated `RedisConnection`.
public protocol RedisCommands: Sendable {
    /// Sends one command allowing `timeout` for the reply (`nil`: the configured command timeout);
    /// an error reply throws `RedisError`.
    func send(_ arguments: [RedisArgument], timeout: Duration?) async throws -> RedisValue
    /// Sends several commands in one round trip; error replies come back in place as `.error`.
    func pipeline(_ commands: [[RedisArgument]]) async throws -> [RedisValue]
}

extension RedisCommands {
    /// Sends one command with the configured command timeout; an error reply throws `RedisError`.
    public func send(_ arguments: [RedisArgument]) async throws -> RedisValue {
        try await send(arguments, timeout: nil)
    }

    /// `PING`: true when the server answers.
    public func ping() async throws -> Bool {
        try await send(["PING"]) == .status("PONG")
    }

    /// `GET key` as bytes, `nil` when the key does not exist.
    public func get(_ key: String) async throws -> [UInt8]? {
        try await send(["GET", .init(key)]).bytes
    }

    /// `GET key` as text, `nil` when the key does not exist.
    public func getString(_ key: String) async throws -> String? {
        try await send(["GET", .init(key)]).string
    }

    /// `SET key value [NX] [PX ms]`; false when `NX` was given and the key already existed.
    @discardableResult
    public func set(_ key: String, _ value: RedisArgument, onlyIfAbsent: Bool = false, expiresIn: Duration? = nil) async throws -> Bool {
        var arguments: [RedisArgument] = ["SET", .init(key), value]
        if onlyIfAbsent { arguments.append("NX") }
        if let expiresIn { arguments += ["PX", .init(expiresIn.milliseconds)] }
        return try await send(arguments) != .null
    }

    /// `DEL key …`: how many keys were removed.
    @discardableResult
    public func delete(_ keys: [String]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await send(["DEL"] + keys.map { RedisArgument($0) }).int ?? 0
    }

    /// `EXISTS key`.
    public func exists(_ key: String) async throws -> Bool {
        try await send(["EXISTS", .init(key)]).int == 1
    }

    /// `PEXPIRE key ms`: false when the key does not exist.
    @discardableResult
    public func expire(_ key: String, after duration: Duration) async throws -> Bool {
        try await send(["PEXPIRE", .init(key), .init(duration.milliseconds)]).int == 1
    }

    /// `INCRBY key n`: the new value.
    @discardableResult
    public func increment(_ key: String, by amount: Int = 1) async throws -> Int {
        let reply = try await send(["INCRBY", .init(key), .init(amount)])
        guard let value = reply.int else { throw RedisError.unexpected("INCRBY", reply) }
        return value
    }

    /// `HSET key field value …`.
    public func hashSet(_ key: String, _ fields: [(String, RedisArgument)]) async throws {
        guard !fields.isEmpty else { return }
        _ = try await send(["HSET", .init(key)] + fields.flatMap { [RedisArgument($0.0), $0.1] })
    }

    /// `HGETALL key` as field → bytes.
    public func hashGetAll(_ key: String) async throws -> [String: [UInt8]] {
        let reply = try await send(["HGETALL", .init(key)])
        return try Self.pairs(reply, "HGETALL")
    }

    /// `SCAN` through every key matching `pattern` (never `KEYS`, which blocks the server).
    public func scanKeys(matching pattern: String, batch: Int = 500) async throws -> [String] {
        var cursor = "0"
        var keys: [String] = []
        repeat {
            let reply = try await send(["SCAN", .init(cursor), "MATCH", .init(pattern), "COUNT", .init(batch)])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let found = parts[1].array else {
                throw RedisError.unexpected("SCAN", reply)
            }
            cursor = next
            keys += found.compactMap(\.string)
        } while cursor != "0"
        return keys
    }

    static func pairs(_ reply: RedisValue, _ command: String) throws -> [String: [UInt8]] {
        guard let items = reply.array, items.count.isMultiple(of: 2) else { throw RedisError.unexpected(command, reply) }
        var result: [String: [UInt8]] = [:]
        for index in stride(from: 0, to: items.count, by: 2) {
            guard let field = items[index].string else { throw RedisError.unexpected(command, reply) }
            result[field] = items[index + 1].bytes ?? []
        }
        return result
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
