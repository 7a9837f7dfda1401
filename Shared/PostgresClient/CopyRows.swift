/// Rows for `COPY … FROM STDIN` in Postgres' text format, built in memory and sent in one call.
///
/// ```swift
/// var rows = CopyRows()
/// for holding in holdings {
///     rows.append(holding.symbol)
///     rows.append(holding.quantity)
///     rows.endRow()
/// }
/// try await connection.copy(into: "holdings_staging", columns: ["symbol", "quantity"], rows: rows)
/// ```
public struct CopyRows: Sendable {
    var bytes: [UInt8] = []
    var atRowStart = true
    /// Rows completed so far.
    public private(set) var count = 0

    /// An empty batch; `capacity` reserves bytes up front.
    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends the next field of the current row (NULL for `nil`).
    public mutating func append(_ value: some PostgresEncodable) {
        if !atRowStart { bytes.append(UInt8(ascii: "\t")) }
        atRowStart = false
        guard let text = value.postgresText else {
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "N"))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            default: bytes.append(byte)
            }
        }
    }

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        atRowStart = true
        count += 1
    }

    /// Size of the encoded rows in bytes.
    public var byteCount: Int { bytes.count }
}
