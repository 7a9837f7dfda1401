import RedisClient
import TestSupport
import Testing

/// Finding the primary through Redis Sentinel: the URL form, and a connection that follows a failover.
@Suite("Redis Sentinel")
struct RedisSentinelTests {
    @Test("redis-sentinel URLs: sentinels, the primary's name, the database and the data nodes' credentials; bad ones are refused")
    func urls() throws {
        let configuration = try RedisConfiguration(url: "redis-sentinel://svc:s%40cret@10.0.0.1:26379,[::1]:26380,sentinel-3/psync/2")
        #expect(
            configuration.sentinels == [
                .init(host: "10.0.0.1", port: 26379), .init(host: "::1", port: 26380), .init(host: "sentinel-3", port: 26379),
            ])
        #expect(configuration.sentinelPrimary == "psync" && configuration.database == 2)
        #expect(configuration.user == "svc" && configuration.password == "s@cret")
        #expect(configuration.description == "redis-sentinel://10.0.0.1:26379,::1:26380,sentinel-3:26379/psync/2", "no password in logs")
        #expect(try RedisConfiguration(url: "redis-sentinel://h:1/p").database == 0)
        for bad in ["redis-sentinel://h:1", "redis-sentinel://h:1/", "redis-sentinel://h:0/p", "redis-sentinel:///p", "redis-sentinel://h:1/p/x"] {
            #expect(throws: RedisError.self, "\(bad)") { try RedisConfiguration(url: bad) }
        }
    }

    @Test("a connection asks the sentinels, checks ROLE, and after the primary is killed and a replica promoted it writes to the new one")
    func followsFailover() async throws {
        let primary = try await RedisServer()
        let replica = try await RedisServer(replicaOf: primary)
        let sentinels = try await RedisSentinels(watching: primary, replicas: 1)
        primary.useSentinels(sentinels)
        let redis = RedisPool(configuration: primary.configuration)
        defer { redis.close() }
        try await redis.set("before", "1")
        try await eventually("the write to reach the replica") {
            try await RedisConnection(configuration: replica.configuration).send(["GET", "before"]).string == "1"
        }
        await primary.kill()
        // Calls fail while no primary is known, then succeed on the promoted replica, with what was replicated.
        try await eventually(timeout: .seconds(30), every: .milliseconds(200), "a write to succeed after the failover") {
            (try? await redis.set("after", "2")) != nil
        }
        // The write went to a server a sentinel named and ROLE confirmed; the sentinels agree on it within a moment.
        try await eventually(timeout: .seconds(10), every: .milliseconds(100), "every sentinel asked first to name the replica") {
            try await sentinels.primaryPort() == replica.port
        }
        #expect(try await RedisConnection(configuration: replica.configuration).send(["GET", "before"]).string == "1")
        #expect(try await RedisConnection(configuration: replica.configuration).send(["GET", "after"]).string == "2")
        await sentinels.stop()
        await replica.stop()
    }

    @Test("a server that became a replica answers writes with READONLY: the call fails as a connection error, not as the command's")
    func demotedServer() async throws {
        let primary = try await RedisServer()
        let replica = try await RedisServer(replicaOf: primary)
        let direct = RedisConnection(configuration: replica.configuration)
        do {
            _ = try await direct.send(["SET", "k", "v"])
            Issue.record("a replica accepted a write")
        } catch let error as RedisError {
            #expect(error.isConnectionError, "\(error)")
        }
        await replica.stop()
        await primary.stop()
    }
}
