import BlockingIO

/// One Postgres connection on its own thread, so libpq's blocking calls never run on Swift's cooperative pool.
///
/// It connects on first use and, after a connection error, reconnects on the next call: a Postgres
/// restart costs the caller one failed call. Inside `withTransaction` the closure is isolated to the
/// connection, so its queries run synchronously on the connection's thread.
///
/// ```swift
/// try await pool.withTransaction { connection in
///     try connection.execute("UPDATE accounts SET status = \(status) WHERE id = \(id)")
///     try connection.execute("INSERT INTO audit_log (what) VALUES (\(what))")
/// }
/// ```
public actor PostgresConnection {
    private let executor: ThreadExecutor
    /// Where this connection goes.
    public nonisolated let configuration: PostgresConfiguration
    private var connection: LibPQConnection?
    private var inTransaction = false
    /// The pool generation this connection last connected under.
    var generation = 0

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// A connection that opens lazily; `name` labels its thread.
    public init(configuration: PostgresConfiguration, name: String = "postgres") {
        self.configuration = configuration
        self.executor = ThreadExecutor(name: name)
    }

    deinit { executor.shutdown() }

    /// Runs a statement and returns its rows.
    @discardableResult
    public func query(_ sql: SQL) throws -> PostgresRows {
        let (text, parameters) = sql.rendered()
        return try withConnection { try $0.execute(text, parameters) }
    }

    /// Runs a statement and returns how many rows it touched.
    @discardableResult
    public func execute(_ sql: SQL) throws -> Int {
        try query(sql).affectedRows
    }

    /// Runs a script of several statements with no parameters, such as a migration file.
    public func runScript(_ script: String) throws {
        try withConnection { try $0.executeScript(script) }
    }

    /// `COPY table (columns) FROM STDIN` with `rows`; returns the number of rows copied.
    @discardableResult
    public func copy(into table: String, columns: [String], rows: CopyRows) throws -> Int {
        precondition(rows.atRowStart, "CopyRows has an unfinished row: call endRow()")
        let quotedColumns = columns.map(Self.quote).joined(separator: ", ")
        let statement = "COPY \(Self.quote(table)) (\(quotedColumns)) FROM STDIN"
        return try withConnection { try $0.copy(statement, data: rows.bytes) }
    }

    /// Runs `body` between `BEGIN` and `COMMIT`; if it throws, rolls back and rethrows.
    public func withTransaction<T: Sendable>(_ body: @Sendable (isolated PostgresConnection) async throws -> T) async throws -> T {
        precondition(!inTransaction, "transactions do not nest")
        try execute("BEGIN")
        inTransaction = true
        defer { inTransaction = false }
        do {
            let result = try await body(self)
            try execute("COMMIT")
            return result
        } catch {
            if connection != nil { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Closes the socket; the next call opens a new one.
    public func disconnect() {
        connection = nil
    }

    func refresh(generation: Int) {
        if self.generation < generation {
            connection = nil
            self.generation = generation
        }
    }

    private func withConnection<T>(_ body: (LibPQConnection) throws -> T) throws -> T {
        let open: LibPQConnection
        if let connection {
            open = connection
        } else {
            open = try LibPQConnection(configuration: configuration)
            connection = open
        }
        do {
            return try body(open)
        } catch let error as PostgresError where error.isConnectionError || open.isBroken {
            connection = nil
            throw error
        }
    }

    /// Quotes an identifier (`"holdings"`), doubling any quote inside it.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingAll("\"", with: "\"\"") + "\""
    }
}
