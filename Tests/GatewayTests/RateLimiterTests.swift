import Brokers
import Foundation
import RedisClient
import TestSupport
import Testing

@testable import Gateway

/// The global rate limit against a real Redis: every window of a broker's rule, per API key or per user.
@Suite("Rate limits: every window, per key or per user, across replicas")
struct RateLimiterTests {
    /// Reserves one call and returns how long Redis says to wait for it, without waiting.
    static func reserve(_ limiter: RateLimiter, _ key: String, redis: RedisPool) async throws -> Duration {
        let (keys, arguments) = limiter.invocation(key)
        return .microseconds(try await redis.evaluate(RateLimiter.script, keys: keys, arguments: arguments).int ?? -1)
    }

    @Test("a per-second window spaces calls evenly; a longer window admits bursts up to its limit, then waits out the oldest")
    func windows() async throws {
        let server = try await RedisServer()
        let redis = RedisPool(configuration: server.configuration)
        defer { redis.close() }
        // 10/s spaced 100 ms apart.
        let kite = RateLimiter(redis: redis, broker: "T1", rule: RateLimitRule([.init(10, per: .seconds(1))], scope: .apiKey))
        var waits: [Duration] = []
        for _ in 0..<5 { waits.append(try await Self.reserve(kite, "k", redis: redis)) }
        // Each wait is counted from the moment Redis runs the script, so time spent between calls shortens the later ones.
        #expect(waits[0] < .milliseconds(50) && waits[4] >= .milliseconds(300) && waits[4] <= .milliseconds(410), "\(waits)")

        // Upstox-like: 50/s, 5 per 2 min (a small stand-in for 500/min): five at once, the sixth after the first leaves the window.
        let upstox = RateLimiter(
            redis: redis, broker: "T2", rule: RateLimitRule([.init(50, per: .seconds(1)), .init(5, per: .seconds(120))], scope: .user))
        waits = []
        for _ in 0..<6 { waits.append(try await Self.reserve(upstox, "user-a", redis: redis)) }
        #expect(waits[4] < .milliseconds(100), "a burst within the long window's limit only waits for the 50/s spacing: \(waits)")
        #expect(waits[5] >= .seconds(119) && waits[5] <= .seconds(121), "the sixth waits until the first leaves the 2-minute window: \(waits)")
        // Another user has a bucket of its own.
        #expect(try await Self.reserve(upstox, "user-b", redis: redis) < .milliseconds(50))
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
