/// Sorted-set commands (delayed retries are a sorted set scored by due time).
extension RedisCommands {
    /// `ZADD key score member …`: how many members were new.
    @discardableResult
    public func zadd(_ key: String, _ members: [(score: Double, member: RedisArgument)]) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        var arguments: [RedisArgument] = ["ZADD", .init(key)]
        for (score, member) in members {
            arguments.append(.init(Self.scoreText(score)))
            arguments.append(member)
        }
        return try await send(arguments).int ?? 0
    }

    /// `ZREM key member …`: how many were removed.
    @discardableResult
    public func zrem(_ key: String, _ members: [RedisArgument]) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return try await send(["ZREM", .init(key)] + members).int ?? 0
    }

    /// `ZCARD key`.
    public func zcard(_ key: String) async throws -> Int {
        try await send(["ZCARD", .init(key)]).int ?? 0
    }

    /// `ZSCORE key member`, `nil` when absent.
    public func zscore(_ key: String, _ member: RedisArgument) async throws -> Double? {
        try await send(["ZSCORE", .init(key), member]).string.flatMap(Double.init)
    }

    /// `ZRANGE key min max BYSCORE [LIMIT 0 n] WITHSCORES`: members with scores in `min...max`, lowest first.
    public func zrangeByScore(_ key: String, min: Double = -.infinity, max: Double = .infinity, limit: Int? = nil) async throws
        -> [(member: [UInt8], score: Double)]
    {
        var arguments: [RedisArgument] = ["ZRANGE", .init(key), .init(Self.scoreText(min)), .init(Self.scoreText(max)), "BYSCORE"]
        if let limit { arguments += ["LIMIT", "0", .init(limit)] }
        arguments.append("WITHSCORES")
        let reply = try await send(arguments)
        guard let items = reply.array, items.count.isMultiple(of: 2) else { throw RedisError.unexpected("ZRANGE", reply) }
        return stride(from: 0, to: items.count, by: 2).map { index in
            (items[index].bytes ?? [], items[index + 1].string.flatMap(Double.init) ?? 0)
        }
    }

    /// `ZREMRANGEBYSCORE key min max`: how many were removed.
    @discardableResult
    public func zremRangeByScore(_ key: String, min: Double, max: Double) async throws -> Int {
        try await send(["ZREMRANGEBYSCORE", .init(key), .init(Self.scoreText(min)), .init(Self.scoreText(max))]).int ?? 0
    }

    static func scoreText(_ score: Double) -> String {
        if score == .infinity { return "+inf" }
        if score == -.infinity { return "-inf" }
        if score == score.rounded(), abs(score) < 1e15 { return String(Int64(score)) }
        return String(score)
    }
}
