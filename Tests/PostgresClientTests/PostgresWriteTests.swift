import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("Postgres transactions, COPY and migrations")
struct PostgresWriteTests {
    let pool: PostgresPool

    init() async throws {
        let url = try await TestServers.postgres().createDatabase("writes")
        pool = PostgresPool(configuration: try PostgresConfiguration(url: url), size: 4)
    }

    struct Boom: Error {}

    @Test("a transaction that throws rolls back; one that returns commits")
    func transactions() async throws {
        try await pool.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL)")
        try await pool.execute("INSERT INTO accounts VALUES (1, 100)")
        await #expect(throws: Boom.self) {
            try await pool.withTransaction { connection in
                try connection.execute("UPDATE accounts SET balance = balance - 40 WHERE id = 1")
                try connection.execute("INSERT INTO accounts VALUES (2, 40)")
                throw Boom()
            }
        }
        #expect(try await pool.query("SELECT balance FROM accounts WHERE id = 1").scalar(Decimal.self) == 100)
        #expect(try await pool.query("SELECT count(*) FROM accounts").scalar(Int.self) == 1)
        let moved: Int = try await pool.withTransaction { connection in
            try connection.execute("UPDATE accounts SET balance = balance - 40 WHERE id = 1")
            return try connection.execute("INSERT INTO accounts VALUES (2, 40)")
        }
        #expect(moved == 1)
        #expect(try await pool.query("SELECT sum(balance) FROM accounts").scalar(Decimal.self) == 100)
    }

    @Test("COPY FROM STDIN loads 100,000 rows")
    func copy() async throws {
        try await pool.execute("CREATE TABLE holdings (account int, symbol text, quantity numeric, note text)")
        var rows = CopyRows(capacity: 4 << 20)
        for index in 0..<100_000 {
            rows.append(index % 1000)
            rows.append("SYM\(index)")
            rows.append(Decimal(index) / 4)
            rows.append(index.isMultiple(of: 10) ? Optional("tab\there\nnewline\\slash") : nil)
            rows.endRow()
        }
        let copied = try await pool.withConnection {
            try await $0.copy(into: "holdings", columns: ["account", "symbol", "quantity", "note"], rows: rows)
        }
        #expect(copied == 100_000)
        #expect(try await pool.query("SELECT count(*) FROM holdings").scalar(Int.self) == 100_000)
        #expect(try await pool.query("SELECT sum(quantity) FROM holdings").scalar(Decimal.self) == Decimal(99_999 * 100_000 / 2) / 4)
        #expect(try await pool.query("SELECT note FROM holdings WHERE symbol = 'SYM10'").scalar(String.self) == "tab\there\nnewline\\slash")
        #expect(try await pool.query("SELECT count(*) FROM holdings WHERE note IS NULL").scalar(Int.self) == 90_000)
    }

    @Test("a bad COPY row fails the whole COPY and the connection stays usable")
    func badCopy() async throws {
        try await pool.execute("CREATE TABLE numbers (n int NOT NULL)")
        var rows = CopyRows()
        for text in ["1", "2", "not-a-number"] {
            rows.append(text)
            rows.endRow()
        }
        let count: Int = try await pool.withConnection { connection in
            await #expect(throws: PostgresError.self) { try await connection.copy(into: "numbers", columns: ["n"], rows: rows) }
            return try await connection.query("SELECT count(*) FROM numbers").scalar()
        }
        #expect(count == 0)
    }

    @Test("migrations apply once, in order, even from two runners at once")
    func migrations() async throws {
        let migrations = [
            Migration(version: 2, name: "add_index", sql: "CREATE INDEX people_name ON people (name);"),
            Migration(
                version: 1, name: "people",
                sql: "CREATE TABLE people (id serial PRIMARY KEY, name text NOT NULL);\nINSERT INTO people (name) VALUES ('first');"),
        ]
        let runner = MigrationRunner(pool: pool)
        async let first = runner.run(migrations)
        async let second = MigrationRunner(pool: pool).run(migrations)
        let applied = try await first.count + second.count
        #expect(applied == 2)
        #expect(try await runner.run(migrations).isEmpty)
        #expect(try await pool.query("SELECT count(*) FROM people").scalar(Int.self) == 1)
        #expect(try await pool.query("SELECT array_agg(version ORDER BY version) FROM schema_migrations").scalar([Int].self) == [1, 2])
        var edited = migrations
        edited[1].sql += "\n-- edited"
        await #expect(throws: PostgresError.self) { try await runner.run(edited) }
    }

    @Test("a failing migration leaves nothing half-applied")
    func failingMigration() async throws {
        let runner = MigrationRunner(pool: pool)
        let broken = Migration(version: 1, name: "broken", sql: "CREATE TABLE a (id int);\nCREATE TABLE a (id int);")
        do {
            try await runner.run([broken])
            Issue.record("expected the migration to fail")
        } catch let error as PostgresError {
            #expect(error.description.contains("broken"))
        }
        #expect(try await pool.query("SELECT to_regclass('a') IS NULL").scalar(Bool.self))
    }

    @Test("migration files are read from a folder in version order")
    func loadFromDirectory() throws {
        let directory = try TemporaryDirectory.make(prefix: "migrations")
        try "SELECT 2;".write(toFile: directory + "/0002_second.sql", atomically: true, encoding: .utf8)
        try "SELECT 1;".write(toFile: directory + "/0001_first.sql", atomically: true, encoding: .utf8)
        try "ignored".write(toFile: directory + "/README.md", atomically: true, encoding: .utf8)
        let loaded = try Migration.load(directory: directory)
        #expect(loaded.map(\.version) == [1, 2])
        #expect(loaded.map(\.name) == ["first", "second"])
        #expect(throws: PostgresError.self) { try Migration(fileName: "first.sql", sql: "") }
    }
}
