import RedisClient
import TestSupport
import Testing

@Suite("Redis restarts")
struct RedisRestartTests {
    @Test("after a Redis restart the caller sees at most one failed call, then everything works")
    func restart() async throws {
        let server = try await RedisServer(appendOnly: true)
        defer { Task { await server.stop() } }
        let redis = RedisPool(configuration: server.configuration, size: 4)
        // Open every pooled connection so each one goes stale across the restart.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 { group.addTask { _ = try await redis.send(["SET", .init("k\(index)"), "v"]) } }
            try await group.waitForAll()
        }
        try await server.restart()
        var failures = 0
        for _ in 0..<8 {
            do {
                #expect(try await redis.getString("k0") == "v")
            } catch let error as RedisError {
                #expect(error.isConnectionError)
                failures += 1
            }
        }
        #expect(failures <= 1)
        let reader = redis.dedicatedConnection(name: "reader")
        _ = try? await reader.ping()
        try await server.restart()
        _ = try? await reader.ping()
        #expect(try await reader.ping())
        redis.close()
    }
}
