import PostgresClient
import TestSupport
import Testing

@Suite("Postgres restarts")
struct PostgresRestartTests {
    @Test("after a Postgres restart the caller sees at most one failed call, then everything works")
    func restart() async throws {
        let server = try await PostgresServer()
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: server.url()), size: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await pool.query("SELECT pg_sleep(0.05)") } }
            try await group.waitForAll()
        }
        try await pool.execute("CREATE TABLE kept (n int)")
        try await pool.execute("INSERT INTO kept VALUES (\(7))")
        try await server.restart()
        var failures = 0
        for _ in 0..<6 {
            do {
                #expect(try await pool.query("SELECT n FROM kept").scalar(Int.self) == 7)
            } catch let error as PostgresError {
                #expect(error.isConnectionError)
                failures += 1
            }
        }
        #expect(failures <= 1)
        pool.close()
        await server.stop()
    }
}
