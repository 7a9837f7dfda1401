/// The rows a query returned, already copied out of libpq.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// Column names in order.
    public let columns: [String]
    /// How many rows the statement touched (`UPDATE`, `DELETE`, `INSERT`, `COPY`); the row count for `SELECT`.
    public let affectedRows: Int
    let cells: [String?]

    init(columns: [String], cells: [String?], affectedRows: Int) {
        self.columns = columns
        self.cells = cells
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }

    public subscript(position: Int) -> PostgresRow {
        PostgresRow(rows: self, index: position)
    }

    /// The only row's first column; throws when there is no row.
    public func scalar<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        guard let first else { throw PostgresError(.decoding, "the query returned no rows") }
        return try first.decode(type, at: 0)
    }
}

/// One row of `PostgresRows`.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int

    /// The raw text of a column, `nil` for NULL.
    public func text(at column: Int) -> String? {
        rows.cells[index * rows.columns.count + column]
    }

    /// Decodes the column at `column`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int) throws -> T {
        guard column < rows.columns.count else { throw PostgresError(.decoding, "column \(column) is out of range") }
        do {
            return try T.decode(postgresText: text(at: column))
        } catch let error as PostgresError {
            throw PostgresError(.decoding, "column '\(rows.columns[column])': \(error.message)")
        }
    }

    /// Decodes the column named `name`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, named name: String) throws -> T {
        guard let column = rows.columns.firstIndex(of: name) else { throw PostgresError(.decoding, "no column named '\(name)'") }
        return try decode(type, at: column)
    }

    /// Decodes the column named `name`: `let id: Int = try row["id"]`.
    public subscript<T: PostgresDecodable>(_ name: String) -> T {
        get throws { try decode(T.self, named: name) }
    }
}
