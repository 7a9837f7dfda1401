internal import CLibPQ

/// One libpq connection. Not thread-safe: only its `PostgresConnection`'s thread touches it.
final class LibPQConnection {
    private let connection: OpaquePointer

    /// Connects (blocking up to the connect timeout) with the session in UTC and ISO date style.
    init(configuration: PostgresConfiguration) throws {
        let timeoutSeconds = max(1, Int(configuration.connectTimeout.components.seconds))
        let statementTimeout = configuration.statementTimeout.components.seconds * 1000
        let keywords = [
            "dbname", "connect_timeout", "application_name", "options", "keepalives", "keepalives_idle", "keepalives_interval",
            "keepalives_count", "tcp_user_timeout",
        ]
        let values = [
            configuration.url, String(timeoutSeconds), configuration.applicationName,
            "-c TimeZone=UTC -c DateStyle=ISO,YMD -c statement_timeout=\(statementTimeout)", "1", "30", "10", "3",
            String(configuration.tcpUserTimeout.components.seconds * 1000),
        ]
        let opened = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in PQconnectdbParams(keywordPointers, valuePointers, 1) }
        }
        guard let opened else { throw PostgresError(.connection, "cannot allocate a connection") }
        guard PQstatus(opened) == CONNECTION_OK else {
            let reason = Self.firstLine(PQerrorMessage(opened))
            PQfinish(opened)
            throw PostgresError(.connection, "\(configuration): \(reason)")
        }
        PQsetNoticeProcessor(opened, { _, _ in }, nil)
        connection = opened
    }

    deinit { PQfinish(connection) }

    /// Whether libpq saw the connection break.
    var isBroken: Bool { PQstatus(connection) == CONNECTION_BAD }

    /// Runs one statement with text-format parameters and copies every row out.
    func execute(_ text: String, _ parameters: [String?]) throws -> PostgresRows {
        for parameter in parameters where parameter?.utf8.contains(0) == true {
            throw PostgresError(.encoding, "a text parameter contains a NUL byte, which Postgres cannot store")
        }
        let result = withOptionalCStrings(parameters) { values in
            PQexecParams(connection, text, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try rows(from: result)
    }

    /// Runs a script of several statements with no parameters (migration files).
    func executeScript(_ text: String) throws {
        _ = try rows(from: PQexec(connection, text))
    }

    /// `COPY … FROM STDIN` with the given text-format rows; returns the number of rows copied.
    func copy(_ statement: String, data: [UInt8]) throws -> Int {
        guard let start = PQexec(connection, statement) else { throw brokenOrServerError(nil) }
        guard PQresultStatus(start) == PGRES_COPY_IN else { return try rows(from: start).affectedRows }
        PQclear(start)
        var failure: PostgresError?
        let chunk = 1 << 20
        var offset = 0
        while offset < data.count {
            let end = min(offset + chunk, data.count)
            let sent = data[offset..<end].withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
            }
            if sent != 1 {
                failure = PostgresError(.connection, Self.firstLine(PQerrorMessage(connection)))
                break
            }
            offset = end
        }
        if PQputCopyEnd(connection, failure == nil ? nil : "client failed to send rows") != 1, failure == nil {
            failure = PostgresError(.connection, Self.firstLine(PQerrorMessage(connection)))
        }
        // Drain every result, or the connection stays in COPY state (swift-c-facts.md, pitfall 15).
        var copied = 0
        while let result = PQgetResult(connection) {
            do {
                copied = try rows(from: result).affectedRows
            } catch let error as PostgresError {
                if failure == nil { failure = error }
            }
        }
        if let failure { throw failure }
        return copied
    }

    private func rows(from result: OpaquePointer?) throws -> PostgresRows {
        guard let result else { throw brokenOrServerError(nil) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            throw brokenOrServerError(result)
        }
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var cells: [String?] = []
        cells.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    cells.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    cells.append(String(decoding: UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: length), as: UTF8.self))
                }
            }
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? rowCount
        return PostgresRows(columns: columns, cells: cells, affectedRows: affected)
    }

    private func brokenOrServerError(_ result: OpaquePointer?) -> PostgresError {
        if !isBroken, let result, let state = field(result, psync_pg_diag_sqlstate) {
            return PostgresError(
                .server,
                field(result, psync_pg_diag_message_primary) ?? "unknown error",
                sqlState: state,
                detail: field(result, psync_pg_diag_message_detail)
            )
        }
        return PostgresError(.connection, Self.firstLine(PQerrorMessage(connection)))
    }

    private func field(_ result: OpaquePointer, _ code: Int32) -> String? {
        PQresultErrorField(result, code).map { String(cString: $0) }
    }

    private static func firstLine(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        let line = String(cString: text).split(separator: "\n").first.map(String.init) ?? ""
        return line.isEmpty ? "connection lost" : line
    }
}

/// NUL-terminated copies of `strings` in one buffer, as the `const char *const *` libpq wants (plus a final NULL).
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    withOptionalCStrings(strings.map { Optional($0) }, terminated: true, body)
}

private func withOptionalCStrings<T>(
    _ strings: [String?],
    terminated: Bool = false,
    _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T
) -> T {
    var buffer: [CChar] = []
    var offsets: [Int?] = []
    for string in strings {
        guard let string else {
            offsets.append(nil)
            continue
        }
        offsets.append(buffer.count)
        buffer.append(contentsOf: string.utf8.map { CChar(bitPattern: $0) })
        buffer.append(0)
    }
    buffer.append(0)
    return buffer.withUnsafeBufferPointer { bytes in
        var pointers: [UnsafePointer<CChar>?] = offsets.map { offset in offset.map { bytes.baseAddress! + $0 } }
        if terminated || pointers.isEmpty { pointers.append(nil) }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
