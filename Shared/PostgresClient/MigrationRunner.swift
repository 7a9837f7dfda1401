/// Applies migrations in order, each once, recorded in `schema_migrations`.
///
/// It holds a Postgres advisory lock while it works, so two processes starting together apply
/// each migration exactly once: the second waits, then finds nothing left to do.
///
/// ```swift
/// let applied = try await MigrationRunner(pool: pool).run(try Migration.load(directory: "Migrations"))
/// ```
public struct MigrationRunner: Sendable {
    /// The advisory lock key; any constant shared by every process migrating this database.
    public static let lockKey: Int64 = 0x7073_796e_6300_0001

    private let pool: PostgresPool

    /// A runner over `pool`.
    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Applies the migrations not yet recorded; returns the ones it applied.
    ///
    /// Throws if an applied migration's script changed since it was applied.
    @discardableResult
    public func run(_ migrations: [Migration]) async throws -> [Migration] {
        let migrations = try Migration.ordered(migrations)
        return try await pool.withConnection { connection in
            try await connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
            do {
                let applied = try await apply(migrations, on: connection)
                try await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
                return applied
            } catch {
                _ = try? await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
                throw error
            }
        }
    }

    private func apply(_ migrations: [Migration], on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        let rows = try await connection.query("SELECT version, checksum FROM schema_migrations")
        var recorded: [Int: String] = [:]
        for row in rows {
            recorded[try row.decode(Int.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        var applied: [Migration] = []
        for migration in migrations {
            if let checksum = recorded[migration.version] {
                guard checksum == migration.checksum else {
                    throw PostgresError(.migration, "migration \(migration.version) (\(migration.name)) changed after it was applied")
                }
                continue
            }
            try await connection.withTransaction { connection in
                // A migration may rewrite a large table; the pool's statement timeout is for the service's own queries.
                try connection.execute("SET LOCAL statement_timeout = 0")
                do {
                    try connection.runScript(migration.sql)
                } catch let error as PostgresError {
                    throw PostgresError(.migration, "\(migration.version) (\(migration.name)): \(error.message)", sqlState: error.sqlState)
                }
                try connection.execute(
                    """
                    INSERT INTO schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """
                )
            }
            applied.append(migration)
        }
        return applied
    }
}
