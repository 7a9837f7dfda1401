import ExactDecimal
public import FoundationEssentials

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
        appendText(value.postgresText)
    }

    // Concrete overloads for the types bulk loads use most: no generic dispatch, no intermediate values.

    /// Appends a text field (NULL for `nil`).
    public mutating func append(_ value: String?) {
        appendText(value)
    }

    /// Appends an integer field.
    public mutating func append(_ value: Int) {
        startField()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    /// Appends an exact decimal field (NULL for `nil`).
    public mutating func append(_ value: Decimal?) {
        appendText(value.map { $0.isNaN ? "NaN" : $0.exactText })
    }

    /// Appends text already escaped for COPY (a value repeated on many rows, say); NULL for `nil`.
    public mutating func append(escaped value: [UInt8]?) {
        startField()
        guard let value else {
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "N"))
            return
        }
        bytes += value
    }

    /// Appends one or more fields that `write` puts down already in COPY text form (escaped, tab-separated).
    public mutating func appendEscaped(_ write: (inout [UInt8]) -> Void) {
        startField()
        write(&bytes)
    }

    /// `text` escaped for COPY, to pass to `append(escaped:)` many times.
    public static func escape(_ text: String) -> [UInt8] {
        var rows = CopyRows()
        rows.appendText(text)
        return rows.bytes
    }

    private mutating func startField() {
        if !atRowStart { bytes.append(UInt8(ascii: "\t")) }
        atRowStart = false
    }

    private mutating func appendText(_ text: String?) {
        startField()
        guard var text else {
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "N"))
            return
        }
        text.withUTF8 { utf8 in
            var needsEscape = false
            for byte in utf8
            where byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                needsEscape = true
                break
            }
            guard needsEscape else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                default: bytes.append(byte)
                }
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
