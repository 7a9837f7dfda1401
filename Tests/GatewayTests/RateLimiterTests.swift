import Brokers
import Foundation
import RedisClient
import TestSupport
import Testing

@testable import Gateway

/// The global rate limit against a real Redis: every window of a broker's rule, per API key or per user.
@Suite("Rate limits: every window, per key or per user, across replicas")
struct RateLimiterTests {
    /// One reservation: how long Redis said to wait, and the client's clock just before and after the call. The
    /// reserved slot is Redis' "now" plus the wait, and Redis' "now" lies between `before` and `after`.
    struct Reservation {
        let wait: Duration
        let before: ContinuousClock.Instant
        let after: ContinuousClock.Instant
        var earliestSlot: ContinuousClock.Instant { before + wait }
        var latestSlot: ContinuousClock.Instant { after + wait }
    }

    /// Reserves one call without waiting for it.
    static func reserve(_ limiter: RateLimiter, _ key: String, redis: RedisPool) async throws -> Reservation {
        let (keys, arguments) = limiter.invocation(key)
        let before = ContinuousClock.now
        let wait = Duration.microseconds(try await redis.evaluate(RateLimiter.script, keys: keys, arguments: arguments).int ?? -1)
        return Reservation(wait: wait, before: before, after: .now)
    }

    /// True when the slots of `first` and `second` may be `gap` apart, given what the client could observe; a
    /// loaded machine only widens the bounds, so this holds on a slow CI runner as well as here.
    static func apart(_ first: Reservation, _ second: Reservation, by gap: Duration) -> Bool {
        second.latestSlot - first.earliestSlot >= gap - .milliseconds(1)
            && (second.wait == .zero || second.earliestSlot - first.latestSlot <= gap + .milliseconds(1))
    }

    @Test("a per-second window spaces calls evenly; a longer window admits bursts up to its limit, then waits out the oldest")
    func windows() async throws {
        let server = try await RedisServer()
        let redis = RedisPool(configuration: server.configuration)
        defer { redis.close() }
        // 10/s: reserved slots exactly 100 ms apart, however long the calls took (a wait is counted from the moment
        // Redis runs the script, so time spent between calls shortens the later waits, down to zero).
        let kite = RateLimiter(redis: redis, broker: "T1", rule: RateLimitRule([.init(10, per: .seconds(1))], scope: .apiKey))
        var calls: [Reservation] = []
        for _ in 0..<5 { calls.append(try await Self.reserve(kite, "k", redis: redis)) }
        #expect(calls[0].wait == .zero, "\(calls.map(\.wait))")
        for index in 1..<calls.count {
            #expect(Self.apart(calls[index - 1], calls[index], by: .milliseconds(100)), "call \(index): \(calls.map(\.wait))")
        }

        // Upstox-like: 50/s, 5 per 2 min (a small stand-in for 500/min): five at once, the sixth after the first leaves the window.
        let upstox = RateLimiter(
            redis: redis, broker: "T2", rule: RateLimitRule([.init(50, per: .seconds(1)), .init(5, per: .seconds(120))], scope: .user))
        calls = []
        for _ in 0..<6 { calls.append(try await Self.reserve(upstox, "user-a", redis: redis)) }
        #expect(calls[4].wait <= .milliseconds(80), "a burst within the long window's limit only waits for the 50/s spacing: \(calls.map(\.wait))")
        #expect(
            Self.apart(calls[0], calls[5], by: .seconds(120)), "the sixth waits until the first leaves the 2-minute window: \(calls.map(\.wait))")
        // Another user has a bucket of its own.
        #expect(try await Self.reserve(upstox, "user-b", redis: redis).wait == .zero)
        await server.stop()
    }

    @Test("per user, two users never share a bucket, even on one app; per API key, accounts on one key do")
    func keys() {
        let upstox = ["access_token": "t", "client_id": "the-app"]
        let first = RateLimitKey.make(upstox.merging(["user_id": "U1"]) { $1 }, accountID: 1, apiKeyID: "app", rule: .init([], scope: .user))
        let second = RateLimitKey.make(upstox.merging(["user_id": "U2"]) { $1 }, accountID: 2, apiKeyID: "app", rule: .init([], scope: .user))
        #expect(first != second && first.hasPrefix("user-") && !first.contains("U1"))
        #expect(
            RateLimitKey.make(upstox, accountID: 3, apiKeyID: "app", rule: .init([], scope: .user)) == "account-3", "no user id: the account alone")
        let kite = ["api_key": "shared", "access_token": "t"]
        #expect(
            RateLimitKey.make(kite, accountID: 1, apiKeyID: nil, rule: .init([], scope: .apiKey))
                == RateLimitKey.make(kite, accountID: 2, apiKeyID: nil, rule: .init([], scope: .apiKey)))
        #expect(RateLimitKey.make(kite, accountID: 1, apiKeyID: "kite-1", rule: .init([], scope: .apiKey)) == "id-kite-1")
    }

    @Test("rules parse from settings and every adapter declares its documented limit")
    func rules() throws {
        #expect(
            RateLimitRule.parse("50/s,500/m,2000/30m", scope: .user)?.windows == [
                .init(50, per: .seconds(1)), .init(500, per: .seconds(60)), .init(2000, per: .seconds(1800)),
            ])
        #expect(RateLimitRule.parse("0", scope: .apiKey)?.windows == [])
        #expect(RateLimitRule.parse("10/x", scope: .apiKey) == nil && RateLimitRule.parse("-1/s", scope: .apiKey) == nil)
        #expect(RateLimitRule.parse("2000/30m", scope: .user)?.text == "2000/30m")
        #expect(GatewayConfiguration(broker: "ZERODHA").rateLimit.text == "10/s")
        #expect(GatewayConfiguration(broker: "UPSTOX").rateLimit == RateLimitRule.parse("50/s,500/m,2000/30m", scope: .user))
        #expect(GatewayConfiguration(broker: "ALPACA").rateLimit.text == "200/m")
        #expect(GatewayConfiguration(broker: "SANDBOX").rateLimit.windows.isEmpty)
        #expect(GatewayConfiguration(broker: "ALPACA").variantURLs == ["paper": "https://paper-api.alpaca.markets"])
    }
}
