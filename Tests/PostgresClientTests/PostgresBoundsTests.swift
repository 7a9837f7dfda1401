import PostgresClient
import TestSupport
import Testing

/// Every wait on Postgres has an end: statements, a pooled connection, and what the errors say about them.
@Suite("Postgres waits are bounded")
struct PostgresBoundsTests {
    @Test("a statement past statement_timeout is cancelled, and that counts as an outage, not bad data")
    func statementTimeout() async throws {
        var configuration = try PostgresConfiguration(url: try await TestServers.postgres().createDatabase("bounds"))
        configuration.statementTimeout = .seconds(1)
        let pool = PostgresPool(configuration: configuration, size: 1)
        defer { pool.close() }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await pool.query("SELECT pg_sleep(30)")
            Issue.record("pg_sleep(30) should have been cancelled")
        } catch let error as PostgresError {
            #expect(error.sqlState == "57014" && error.isOutage && !error.isDataError, "\(error)")
        }
        #expect(clock.now - start < .seconds(10))
        #expect(try await pool.query("SELECT 1").scalar(Int.self) == 1, "the connection stays usable")
    }

    @Test("a caller waiting longer than the lease timeout for a pooled connection gets a connection error")
    func leaseTimeout() async throws {
        var configuration = try PostgresConfiguration(url: try await TestServers.postgres().createDatabase("bounds"))
        configuration.leaseTimeout = .milliseconds(300)
        let pool = PostgresPool(configuration: configuration, size: 1)
        defer { pool.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.query("SELECT pg_sleep(2)") }
            try await Task.sleep(for: .milliseconds(200))
            do {
                try await pool.query("SELECT 1")
                Issue.record("the second caller should not have waited 2 s")
            } catch let error as PostgresError {
                #expect(error.isConnectionError && error.isOutage && error.description.contains("no pooled connection"), "\(error)")
            }
            try await group.waitForAll()
        }
        #expect(try await pool.query("SELECT 1").scalar(Int.self) == 1, "a connection that came back late is lent again")
    }

    @Test("errors of classes 22 and 54 are bad data, never an outage")
    func dataErrors() async throws {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: try await TestServers.postgres().createDatabase("bounds")), size: 1)
        defer { pool.close() }
        for (sql, state): (SQL, String) in [("SELECT 1 / 0", "22012"), ("SELECT array_fill(1, ARRAY[1000000000])", "54000")] {
            do {
                try await pool.query(sql)
                Issue.record("\(state) expected")
            } catch let error as PostgresError {
                #expect(error.sqlState == state && error.isDataError && !error.isOutage, "\(error)")
            }
        }
    }

    @Test("a URL's password, in the user part or as a parameter, never shows in its description")
    func redaction() throws {
        let url = "postgres://psync:secret@127.0.0.1:5432/psync?password=other&sslmode=disable"
        let description = try PostgresConfiguration(url: url).description
        #expect(!description.contains("secret") && !description.contains("other") && description.contains("sslmode=disable"), "\(description)")
    }
}
