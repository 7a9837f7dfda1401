import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("Postgres values against a real server")
struct PostgresValueTests {
    let pool: PostgresPool

    init() async throws {
        let url = try await TestServers.postgres().createDatabase("values")
        pool = PostgresPool(configuration: try PostgresConfiguration(url: url), size: 4)
    }

    @Test("NUMERIC round-trips Decimal exactly")
    func numeric() async throws {
        let value = Decimal(string: "1234567.891234")!
        let echoed: Decimal = try await pool.query("SELECT \(value)::numeric").scalar()
        #expect(echoed == value)
        #expect(echoed.description == "1234567.891234")
        let sum: Decimal = try await pool.query("SELECT \(Decimal(string: "0.1")!)::numeric + \(Decimal(string: "0.2")!)::numeric").scalar()
        #expect(sum == Decimal(string: "0.3")!)
        let big = Decimal(string: "-98765432109876543210.123456789")!
        #expect(try await pool.query("SELECT \(big)::numeric(40,9)").scalar(Decimal.self) == big)
        let money: Decimal = try await pool.query("SELECT 19.99::numeric * 3").scalar()
        #expect(money == Decimal(string: "59.97")!)
    }

    @Test("timestamptz keeps microseconds in UTC")
    func timestamps() async throws {
        let date = Date(timeIntervalSince1970: 1_764_000_000.123456)
        let echoed: Date = try await pool.query("SELECT \(date)::timestamptz").scalar()
        #expect(abs(echoed.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
        let text: String = try await pool.query("SELECT \(date)::timestamptz::text").scalar()
        #expect(text == "2025-11-24 16:00:00.123456+00")
        let offset = try #require(PostgresTimestamp.parse("2026-03-08 07:30:00+05:30"))
        #expect(PostgresTimestamp.format(offset) == "2026-03-08T02:00:00.000000Z")
        #expect(PostgresTimestamp.parse("infinity") == nil)
    }

    @Test("JSONB, arrays, bytea, booleans and NULL")
    func otherTypes() async throws {
        struct Meta: Codable, Sendable, Equatable {
            var exchange: String
            var tags: [String]
        }
        let meta = try PostgresJSON(Meta(exchange: "NSE", tags: ["a", "b"]))
        let decoded: PostgresJSON<Meta> = try await pool.query("SELECT \(meta)::jsonb").scalar()
        #expect(decoded.value == meta.value)
        let words = ["plain", "with space", "quote\"inside", "comma,inside", "back\\slash", ""]
        #expect(try await pool.query("SELECT \(words)::text[]").scalar([String].self) == words)
        #expect(try await pool.query("SELECT ARRAY[1, NULL, 3]").scalar([Int?].self) == [1, nil, 3])
        #expect(try await pool.query("SELECT '{}'::int[]").scalar([Int].self) == [])
        let bytes = PostgresBytes([0, 1, 255, 128])
        #expect(try await pool.query("SELECT \(bytes)::bytea").scalar(PostgresBytes.self) == bytes)
        #expect(try await pool.query("SELECT \(true)::boolean").scalar(Bool.self))
        let missing: String? = nil
        let null = try await pool.query("SELECT \(missing)::text").scalar(String?.self)
        #expect(null == nil)
        await #expect(throws: PostgresError.self) { try await pool.query("SELECT NULL::int").scalar(Int.self) }
    }

    @Test("interpolated values are parameters, never SQL")
    func injection() async throws {
        try await pool.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
        let hostile = "'); DROP TABLE notes; --"
        try await pool.execute("INSERT INTO notes (body) VALUES (\(hostile))")
        let rows = try await pool.query("SELECT id, body FROM notes")
        #expect(rows.count == 1)
        #expect(try rows[0]["body"] == hostile)
        let sql: SQL = "SELECT * FROM t WHERE a = \(1) AND b = \(hostile)"
        #expect(sql.rendered().text == "SELECT * FROM t WHERE a = $1 AND b = $2")
        let filters: [SQL] = ["a = \(1)", "b = \(2)"]
        let query: SQL = "SELECT 1 WHERE \(SQL.join(filters, separator: " AND ")) AND c = \(3)"
        #expect(query.rendered().text == "SELECT 1 WHERE a = $1 AND b = $2 AND c = $3")
        #expect(query.rendered().parameters == ["1", "2", "3"])
    }

    @Test("server errors carry the SQLSTATE; the description leaks no values")
    func errors() async throws {
        try await pool.execute("CREATE TABLE people (email text UNIQUE)")
        try await pool.execute("INSERT INTO people VALUES (\("secret@example.com"))")
        do {
            try await pool.execute("INSERT INTO people VALUES (\("secret@example.com"))")
            Issue.record("expected a unique violation")
        } catch let error as PostgresError {
            #expect(error.isUniqueViolation)
            #expect(!error.description.contains("secret@example.com"))
            #expect(error.debugDescription.contains("secret@example.com"))
        }
        #expect(try await pool.query("SELECT count(*) FROM people").scalar(Int.self) == 1)
    }
}
