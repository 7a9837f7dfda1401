import Brokers
import Metrics
import RedisClient

/// The global rate limit per broker and API key, shared by every replica: GCRA in one Lua script.
///
/// Each call reserves the next free slot (the "theoretical arrival time" moves on by one interval)
/// and returns how long to wait for it, so waiters never retry or collide: N replicas together
/// send at most `rate` calls per second per key, spaced evenly.
struct RateLimiter: Sendable {
    /// Microseconds; TIME is the server's clock, so replicas need not agree on time.
    static let script = RedisScript(
        """
        local interval = tonumber(ARGV[1])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now)
        if tat < now then tat = now end
        local wait = tat - now
        redis.call('SET', KEYS[1], tat + interval, 'PX', math.floor((tat + interval - now) / 1000) + 1000)
        return wait
        """
    )

    let redis: RedisPool
    let broker: String
    /// Calls per second per key; 0 means no limit.
    let rate: Double
    private let waits: Timer

    init(redis: RedisPool, broker: String, rate: Double) {
        self.redis = redis
        self.broker = broker
        self.rate = rate
        waits = Timer(label: "psync_rate_limiter_wait_seconds", dimensions: [("broker", broker)])
    }

    /// Waits for this key's next slot.
    func acquire(_ key: String) async throws {
        guard rate > 0 else { return }
        let interval = Int((1_000_000 / rate).rounded(.up))
        let reply: RedisValue
        do {
            reply = try await redis.evaluate(Self.script, keys: ["psync:{broker:\(broker)}:rate:\(key)"], arguments: [.init(interval)])
        } catch {
            throw BrokerError.transient("the rate limiter is unavailable: \(error)")
        }
        let wait = reply.int ?? 0
        waits.recordMicroseconds(wait)
        if wait > 0 { try await Task.sleep(for: .microseconds(wait)) }
    }
}

/// At most `limit` jobs of one account in flight across every replica: a sorted set of leases.
struct AccountLimiter: Sendable {
    static let acquireScript = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
            redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
            return 1
        end
        return 0
        """
    )

    let redis: RedisPool
    let broker: String
    let limit: Int
    /// A lease outlives a crashed holder by this much at most.
    let lease: Duration

    func key(_ accountID: Int) -> String { "psync:{broker:\(broker)}:account:\(accountID)" }

    /// Waits for one of the account's slots; returns the lease name to release.
    func acquire(_ accountID: Int, holder: String) async throws -> String? {
        guard limit > 0 else { return nil }
        var delay: Duration = .milliseconds(20)
        while true {
            let granted: RedisValue
            do {
                granted = try await redis.evaluate(
                    Self.acquireScript,
                    keys: [key(accountID)],
                    arguments: [.init(limit), .init(Int(lease.components.seconds) * 1000), .init(holder)]
                )
            } catch {
                throw BrokerError.transient("the account limiter is unavailable: \(error)")
            }
            if granted == .integer(1) { return holder }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(500))
        }
    }

    /// The command releasing a lease (pipelined with the job's result).
    func releaseCommand(_ accountID: Int, holder: String) -> [RedisArgument] {
        ["ZREM", .init(key(accountID)), .init(holder)]
    }
}
