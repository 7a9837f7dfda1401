import ExactDecimal
import FoundationEssentials
import NIOCore

/// Writes JSON into a byte array, for broker bodies on the hot path (no `JSONEncoder`).
///
/// Commas are placed automatically: a value or key written after another member gets one.
///
/// ```swift
/// var json = JSONWriter()
/// json.beginObject()
/// json.field("status", "success")
/// json.field("quantity", number: Decimal(16))
/// json.endObject()
/// let body = json.buffer
/// ```
struct JSONWriter {
    /// The JSON written so far.
    private(set) var bytes: [UInt8] = []
    private var atStart = true

    /// An empty writer with room for `capacity` bytes.
    init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// The JSON written so far, as a buffer for a response body.
    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        atStart = true
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        atStart = false
    }

    mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        atStart = true
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        atStart = false
    }

    /// Writes `"name":`; the next value belongs to it.
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        append(name)
        append("\":")
        atStart = true
    }

    /// Writes `"name":` for a name known only at run time.
    mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        atStart = true
    }

    /// A JSON string, escaped.
    mutating func string(_ text: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            if !utf8.contains(where: Self.needsEscape) {
                self.bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\\"): append("\\\\")
                case UInt8(ascii: "\n"): append("\\n")
                case UInt8(ascii: "\r"): append("\\r")
                case UInt8(ascii: "\t"): append("\\t")
                case 0..<0x20:
                    append("\\u00")
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0xf)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
        atStart = false
    }

    /// A decimal as a JSON number, digit for digit.
    mutating func number(_ value: Decimal) {
        raw(value.exactText)
    }

    /// A decimal as a JSON string (Alpaca and the sandbox format).
    mutating func decimalString(_ value: Decimal) {
        string(value.exactText)
    }

    mutating func integer(_ value: Int) {
        raw(String(value))
    }

    mutating func bool(_ value: Bool) {
        separate()
        append(value ? "true" : "false")
        atStart = false
    }

    mutating func null() {
        separate()
        append("null")
        atStart = false
    }

    /// Text written as is (it must already be JSON).
    mutating func raw(_ json: String) {
        separate()
        var json = json
        json.withUTF8 { bytes.append(contentsOf: $0) }
        atStart = false
    }

    /// Literal JSON written as is.
    mutating func raw(_ json: StaticString) {
        separate()
        append(json)
        atStart = false
    }

    mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    mutating func field(_ name: StaticString, number value: Decimal) {
        key(name)
        number(value)
    }

    mutating func field(_ name: StaticString, decimalString value: Decimal) {
        key(name)
        decimalString(value)
    }

    /// A number already written as exact decimal text.
    mutating func field(_ name: StaticString, numberText value: String) {
        key(name)
        raw(value)
    }

    /// Exact decimal text as a JSON string.
    mutating func field(_ name: StaticString, decimalText value: String) {
        key(name)
        string(value)
    }

    mutating func field(_ name: StaticString, integer value: Int) {
        key(name)
        integer(value)
    }

    mutating func field(_ name: StaticString, bool value: Bool) {
        key(name)
        bool(value)
    }

    mutating func field(_ name: StaticString, raw value: StaticString) {
        key(name)
        raw(value)
    }

    /// Appends literal text.
    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func separate() {
        if !atStart { bytes.append(UInt8(ascii: ",")) }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
