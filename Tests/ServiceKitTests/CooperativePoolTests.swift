import PostgresClient
import RedisClient
import TestSupport
import Testing

@Suite("Blocking C calls never stall Swift's cooperative pool")
struct CooperativePoolTests {
    @Test("with 50 slow queries and 50 blocked XREADGROUPs in flight, an unrelated task still completes promptly")
    func unrelatedTaskCompletes() async throws {
        let redisServer = try await TestServers.redis()
        let postgres = PostgresPool(configuration: try PostgresConfiguration(url: try await TestServers.postgres().url()), size: 50)
        let redis = RedisPool(configuration: redisServer.configuration)
        let stream = "test:{pool-\(UInt64.random(in: 0...UInt64.max))}:jobs"
        try await redis.createGroup(stream, group: "g")
        let readers = (0..<50).map { RedisConnection(configuration: redisServer.configuration, name: "reader-\($0)") }
        for reader in readers { _ = try await reader.ping() }
        let clock = ContinuousClock()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask { try await postgres.query("SELECT pg_sleep(6)") }
            }
            for (index, reader) in readers.enumerated() {
                group.addTask {
                    _ = try await reader.readGroup(stream, group: "g", consumer: "c\(index)", count: 1, block: .seconds(6))
                }
            }
            // Let every blocking call get under way.
            try await eventually("50 queries to be sleeping in Postgres") {
                let sleeping: Int = try await PostgresConnection(configuration: postgres.configuration, name: "observer")
                    .query("SELECT count(*)::int FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'").scalar()
                return sleeping == 50
            }
            let start = clock.now
            let unrelated = Task {
                try await Task.sleep(for: .milliseconds(5))
                return (0..<10_000).reduce(0, &+)
            }
            #expect(try await unrelated.value == 49_995_000)
            let elapsed = clock.now - start
            // Blocked, it would wait for the 6 s calls to end; on a loaded 2-core machine (every other suite runs
            // alongside) a free pool can still take a second or so to get to it.
            #expect(elapsed < .seconds(3), "the unrelated task took \(elapsed)")
            try await group.waitForAll()
        }
        postgres.close()
        redis.close()
    }
}
