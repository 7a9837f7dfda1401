/// A failed Postgres call.
///
/// `description` is safe to show a user or log: it never holds SQL, parameters or the connection
/// string. `debugDescription` adds the server's detail line, which may quote row values.
public struct PostgresError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    enum Code: Sendable, Equatable {
        case connection
        case server
        case decoding
        case encoding
        case migration
    }

    let code: Code
    /// What went wrong, in one clause.
    public let message: String
    /// The SQLSTATE when the server reported the error (`23505` for a unique violation).
    public let sqlState: String?
    /// The server's DETAIL line, which may quote data; kept out of `description`.
    public let detail: String?

    init(_ code: Code, _ message: String, sqlState: String? = nil, detail: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
    }

    /// A value that could not be turned into the Swift type asked for.
    public static func decodingFailure(_ message: String) -> PostgresError {
        PostgresError(.decoding, message)
    }

    /// True when the connection failed; the next call reconnects.
    public var isConnectionError: Bool { code == .connection }
    /// SQLSTATE 23505: a unique constraint refused the row.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// SQLSTATE 23503: a foreign key refused the row.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// SQLSTATE 23514: a check constraint refused the row.
    public var isCheckViolation: Bool { sqlState == "23514" }
    /// SQLSTATE class 22 (data exception), 23 (integrity constraint) or 54 (program limit exceeded: a value or row too
    /// large): the data itself is wrong, so retrying cannot help.
    public var isDataError: Bool { ["22", "23", "54"].contains { sqlState?.hasPrefix($0) == true } }
    /// The server or the way to it is away or overloaded, not the statement at fault: a lost connection, a shut-down or
    /// starting server (class 08, 57P), too few resources (53), or a statement cancelled by the statement timeout
    /// (57014). Retrying later helps; nothing about the data is wrong.
    public var isOutage: Bool {
        code == .connection || ["08", "53", "57P", "57014"].contains { sqlState?.hasPrefix($0) == true }
    }

    public var description: String {
        switch code {
        case .connection: "postgres connection failed: \(message)"
        case .server: "postgres error \(sqlState ?? "?????"): \(message)"
        case .decoding: "cannot decode postgres value: \(message)"
        case .encoding: "cannot encode postgres value: \(message)"
        case .migration: "migration failed: \(message)"
        }
    }

    public var debugDescription: String {
        detail.map { "\(description) (\($0))" } ?? description
    }
}
