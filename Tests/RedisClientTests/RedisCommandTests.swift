import Foundation
import RedisClient
import TestSupport
import Testing

@Suite("Redis commands against a real redis-server")
struct RedisCommandTests {
    let redis: RedisPool

    init() async throws {
        redis = RedisPool(configuration: try await TestServers.redis().configuration, size: 4)
    }

    private func key(_ name: String) -> String { "test:\(name):\(UUID().uuidString)" }

    @Test("plain commands and binary-safe arguments")
    func plainCommands() async throws {
        let key = key("binary")
        let payload: [UInt8] = [0, 13, 10, 255, 0, 36, 42]
        #expect(try await redis.ping())
        #expect(try await redis.set(key, .init(bytes: payload)))
        #expect(try await redis.get(key) == payload)
        #expect(try await redis.set(key, "other", onlyIfAbsent: true) == false)
        #expect(try await redis.increment(key + ":n", by: 5) == 5)
        #expect(try await redis.delete([key, key + ":n"]) == 2)
        #expect(try await redis.get(key) == nil)
    }

    @Test("an error reply throws with the server's message and leaves the connection usable")
    func errorReply() async throws {
        let key = key("wrongtype")
        _ = try await redis.set(key, "text")
        await #expect(throws: RedisError.self) { try await redis.send(["LPUSH", .init(key), "x"]) }
        do {
            _ = try await redis.send(["LPUSH", .init(key), "x"])
        } catch let error as RedisError {
            #expect(error.serverErrorPrefix == "WRONGTYPE")
            #expect(!error.isConnectionError)
        }
        #expect(try await redis.ping())
    }

    @Test("pipelined commands come back in order, errors in place")
    func pipeline() async throws {
        let key = key("pipeline")
        let replies = try await redis.pipeline([["SET", .init(key), "1"], ["INCR", .init(key)], ["HGET", .init(key), "f"], ["GET", .init(key)]])
        #expect(replies.count == 4)
        #expect(replies[1] == .integer(2))
        if case .error(let message) = replies[2] { #expect(message.hasPrefix("WRONGTYPE")) } else { Issue.record("expected an error reply") }
        #expect(replies[3].string == "2")
    }

    @Test("sorted sets by score")
    func sortedSets() async throws {
        let key = key("zset")
        #expect(try await redis.zadd(key, [(3, "c"), (1, "a"), (2, "b")]) == 3)
        let due = try await redis.zrangeByScore(key, max: 2)
        #expect(due.map { String(decoding: $0.member, as: UTF8.self) } == ["a", "b"])
        #expect(try await redis.zscore(key, "c") == 3)
        #expect(try await redis.zrem(key, ["a"]) == 1)
        #expect(try await redis.zremRangeByScore(key, min: 0, max: 2) == 1)
        #expect(try await redis.zcard(key) == 1)
    }

    @Test("EVALSHA loads the script, and loads it again after SCRIPT FLUSH")
    func scripts() async throws {
        let key = key("lease")
        let acquire = RedisScript(
            """
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[1] .. ':fence') end
            return false
            """
        )
        let release = RedisScript("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0")
        #expect(try await redis.evaluate(acquire, keys: [key], arguments: ["me", "10000"]) == .integer(1))
        #expect(try await redis.evaluate(acquire, keys: [key], arguments: ["you", "10000"]) == .null)
        #expect(try await redis.evaluate(release, keys: [key], arguments: ["you"]) == .integer(0))
        _ = try await redis.send(["SCRIPT", "FLUSH"])
        #expect(try await redis.evaluate(release, keys: [key], arguments: ["me"]) == .integer(1))
        #expect(try await redis.evaluate(acquire, keys: [key], arguments: ["you", "10000"]) == .integer(2))
    }

    @Test("redis URLs parse, and their description hides the password")
    func urls() throws {
        let configuration = try RedisConfiguration(url: "redis://:s3cret@cache.local:6380/2")
        #expect(configuration.endpoint == .tcp(host: "cache.local", port: 6380))
        #expect(configuration.password == "s3cret")
        #expect(configuration.database == 2)
        #expect(!configuration.description.contains("s3cret"))
        #expect(try RedisConfiguration(url: "unix:///run/redis.sock?db=3").endpoint == .unixSocket(path: "/run/redis.sock"))
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "http://x") }
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis://host:99999") }
    }
}
