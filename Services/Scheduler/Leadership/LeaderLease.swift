import RedisClient

/// One scheduler leader at a time: a Redis key holding `instance|fence`, set with NX and a TTL,
/// renewed by its holder, released by compare-and-delete. Each new holder gets the next fencing
/// token (an INCR), which persistence and the dispatch script check, so a deposed leader that
/// wakes up late can neither record nor send a fire.
struct LeaderLease: Sendable {
    static let key = "psync:scheduler:leader"
    static let fenceKey = "psync:scheduler:fence"

    /// Takes the lease if it is free (or already ours); returns the fencing token, or 0 if another holds it.
    static let acquireScript = RedisScript(
        """
        local current = redis.call('GET', KEYS[1])
        if current then
            local holder, fence = string.match(current, '^(.*)|(%d+)$')
            if holder == ARGV[1] then
                redis.call('PEXPIRE', KEYS[1], ARGV[2])
                return tonumber(fence)
            end
            return 0
        end
        local fence = redis.call('INCR', KEYS[2])
        redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
        return fence
        """
    )
    /// Extends the lease only if it still holds exactly our value.
    static let renewScript = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """
    )
    /// Deletes the lease only if it still holds exactly our value.
    static let releaseScript = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
        end
        return 0
        """
    )

    /// A held lease: what the key holds while we lead.
    struct Holding: Sendable, Equatable {
        let instance: String
        let fence: Int
        var value: String { "\(instance)|\(fence)" }
    }

    let redis: RedisPool
    let instance: String
    let ttl: Duration

    private var ttlMilliseconds: Int { Int(ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000) }

    /// The lease if we could take it.
    func acquire() async throws -> Holding? {
        let fence = try await redis.evaluate(
            Self.acquireScript, keys: [Self.key, Self.fenceKey], arguments: [.init(instance), .init(ttlMilliseconds)])
        guard let fence = fence.int, fence > 0 else { return nil }
        return Holding(instance: instance, fence: fence)
    }

    /// Whether we still hold it (and now for another TTL).
    func renew(_ holding: Holding) async throws -> Bool {
        try await redis.evaluate(Self.renewScript, keys: [Self.key], arguments: [.init(holding.value), .init(ttlMilliseconds)]).int == 1
    }

    func release(_ holding: Holding) async throws {
        _ = try await redis.evaluate(Self.releaseScript, keys: [Self.key], arguments: [.init(holding.value)])
    }

    /// Who holds the lease now, if anyone.
    func current() async throws -> Holding? {
        guard let value = try await redis.getString(Self.key), let bar = value.lastIndex(of: "|"),
            let fence = Int(value[value.index(after: bar)...])
        else { return nil }
        return Holding(instance: String(value[..<bar]), fence: fence)
    }
}
