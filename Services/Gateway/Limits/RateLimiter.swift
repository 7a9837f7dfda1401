import Brokers
import Metrics
import RedisClient
import Synchronization

/// The broker's documented rate limit, global across every replica: every window of its rule at once, counted per
/// API key or per user as the broker counts (`RateLimitRule`), in one Lua script on Redis' clock.
///
/// Each call reserves the earliest moment every window admits it and returns how long to wait for it, so waiters
/// never retry or collide. Windows of a second or less space calls evenly (GCRA: `per / limit` apart), as a
/// per-second limit is meant; longer ones (Upstox's 500/min and 2,000/30 min) keep a log of reserved calls and
/// admit up to `limit` in any `per`, bursts included.
struct RateLimiter: Sendable {
    /// KEYS: one per window. ARGV: per window (kind, limit, per µs), then a member unique to this call.
    static let script = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local n = #KEYS
        local at = now
        local function fmt(x) return string.format('%.0f', x) end
        for i = 1, n do
            local per = tonumber(ARGV[3 * i])
            if ARGV[3 * i - 2] == 'log' then redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', fmt(now - per)) end
        end
        for round = 1, n + 1 do
            local moved = false
            for i = 1, n do
                local limit = tonumber(ARGV[3 * i - 1])
                local per = tonumber(ARGV[3 * i])
                if ARGV[3 * i - 2] == 'gap' then
                    local tat = tonumber(redis.call('GET', KEYS[i]) or 0)
                    if tat > at then at = tat; moved = true end
                else
                    local low = '(' .. fmt(at - per)
                    local count = redis.call('ZCOUNT', KEYS[i], low, '+inf')
                    if count >= limit then
                        local oldest = redis.call('ZRANGEBYSCORE', KEYS[i], low, '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
                        local free = tonumber(oldest[2]) + per
                        if free > at then at = free; moved = true end
                    end
                end
            end
            if not moved then break end
        end
        for i = 1, n do
            local limit = tonumber(ARGV[3 * i - 1])
            local per = tonumber(ARGV[3 * i])
            if ARGV[3 * i - 2] == 'gap' then
                local interval = math.ceil(per / limit)
                redis.call('SET', KEYS[i], fmt(at + interval), 'PX', math.floor((at + interval - now) / 1000) + 1000)
            else
                redis.call('ZADD', KEYS[i], fmt(at), ARGV[3 * n + 1])
                redis.call('PEXPIRE', KEYS[i], math.floor((at + per - now) / 1000) + 1000)
            end
        end
        return at - now
        """
    )

    let redis: RedisPool
    let broker: String
    let rule: RateLimitRule
    private let waits: Timer
    /// Names each reservation uniquely (a log keeps one member per reserved call).
    private let sequence = ReservationSequence()

    init(redis: RedisPool, broker: String, rule: RateLimitRule) {
        self.redis = redis
        self.broker = broker
        self.rule = rule
        waits = Timer(label: "psync_rate_limiter_wait_seconds", dimensions: [("broker", broker)])
    }

    /// The script's keys and arguments for one call counted against `key`.
    func invocation(_ key: String) -> (keys: [String], arguments: [RedisArgument]) {
        var keys: [String] = []
        var arguments: [RedisArgument] = []
        for (index, window) in rule.windows.enumerated() {
            let per = Int(window.per.components.seconds) * 1_000_000 + Int(window.per.components.attoseconds / 1_000_000_000_000)
            let spaced = window.per <= .seconds(1)
            keys.append("psync:{broker:\(broker)}:rate:\(key):\(index)")
            arguments += [.init(spaced ? "gap" : "log"), .init(window.limit), .init(per)]
        }
        arguments.append(.init(sequence.next()))
        return (keys, arguments)
    }

    /// Waits for this key's next slot in every window.
    func acquire(_ key: String) async throws {
        guard !rule.windows.isEmpty else { return }
        let (keys, arguments) = invocation(key)
        let reply: RedisValue
        do {
            reply = try await redis.evaluate(Self.script, keys: keys, arguments: arguments)
        } catch {
            throw OwnFault.unavailable("the rate limiter is unavailable: \(error)")
        }
        let wait = reply.int ?? 0
        waits.recordMicroseconds(wait)
        if wait > 0 { try await Task.sleep(for: .microseconds(wait)) }
    }
}

/// Unique member names for a rate-limit log: this process's random prefix and a counter.
final class ReservationSequence: Sendable {
    private let counter = Atomic<Int>(0)
    private let prefix = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    func next() -> String {
        "\(prefix)-\(counter.wrappingAdd(1, ordering: .relaxed).oldValue)"
    }
}

/// At most `limit` jobs of one account in flight across every replica: a sorted set of leases.
///
/// A worker asks for the leases of a whole batch of jobs in one script call (`tryAcquire`); only a job whose account was
/// full then waits in `acquire`, asking again with backoff. A lease is released with the job's result, in its pipeline.
struct AccountLimiter: Sendable {
    /// KEYS: one account's lease set per job (an account twice in a batch is there twice). ARGV: the limit, the lease in
    /// ms, then one holder per key. Returns 1 (granted) or 0 (the account is full) per key, in order.
    static let acquireScript = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local limit = tonumber(ARGV[1])
        local lease = tonumber(ARGV[2])
        local swept = {}
        local granted = {}
        for i = 1, #KEYS do
            local key = KEYS[i]
            if not swept[key] then
                redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
                swept[key] = true
            end
            if redis.call('ZCARD', key) < limit then
                redis.call('ZADD', key, now + lease, ARGV[2 + i])
                redis.call('PEXPIRE', key, lease)
                granted[i] = 1
            else
                granted[i] = 0
            end
        end
        return granted
        """
    )

    let redis: RedisPool
    let broker: String
    let limit: Int
    /// A lease outlives a crashed holder by this much at most.
    let lease: Duration

    func key(_ accountID: Int) -> String { "psync:{broker:\(broker)}:account:\(accountID)" }

    /// Asks for one lease per job in one call; whether each was granted, in order. With no limit, every one is.
    func tryAcquire(_ jobs: [(accountID: Int, holder: String)]) async throws -> [Bool] {
        guard limit > 0 else { return jobs.map { _ in true } }
        guard !jobs.isEmpty else { return [] }
        let reply: RedisValue
        do {
            reply = try await redis.evaluate(
                Self.acquireScript, keys: jobs.map { key($0.accountID) },
                arguments: [.init(limit), .init(Int(lease.components.seconds) * 1000)] + jobs.map { .init($0.holder) })
        } catch {
            throw OwnFault.unavailable("the account limiter is unavailable: \(error)")
        }
        guard let flags = reply.array, flags.count == jobs.count else {
            throw OwnFault.unavailable("the account limiter answered \(jobs.count) leases with \(reply)")
        }
        return flags.map { $0 == .integer(1) }
    }

    /// Waits for one of the account's slots; returns the lease name to release (nil when there is no limit).
    func acquire(_ accountID: Int, holder: String) async throws -> String? {
        guard limit > 0 else { return nil }
        var delay: Duration = .milliseconds(20)
        while true {
            if try await tryAcquire([(accountID, holder)]) == [true] { return holder }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(500))
        }
    }

    /// The command releasing a lease (pipelined with the job's result).
    func releaseCommand(_ accountID: Int, holder: String) -> [RedisArgument] {
        ["ZREM", .init(key(accountID)), .init(holder)]
    }
}
