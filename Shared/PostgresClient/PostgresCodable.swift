import ExactDecimal
public import FoundationEssentials

/// A Swift value that can be a query parameter or a COPY field, sent in Postgres' text format.
public protocol PostgresEncodable: Sendable {
    /// The text form Postgres parses, or `nil` for SQL NULL.
    var postgresText: String? { get }
}

/// A Swift value that can be read from a result column in Postgres' text format.
public protocol PostgresDecodable {
    /// Builds the value from the column's text; `text` is `nil` for SQL NULL.
    static func decode(postgresText text: String?) throws -> Self
}

/// Both directions.
public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

/// A value that is never NULL; the protocol turns NULL into a clear error.
public protocol PostgresTextDecodable: PostgresDecodable {
    /// Builds the value from a non-NULL column text, or returns `nil` if the text is not valid for the type.
    init?(nonNullPostgresText text: String)
}

extension PostgresTextDecodable {
    public static func decode(postgresText text: String?) throws -> Self {
        guard let text else { throw PostgresError(.decoding, "column is NULL but \(Self.self) is not optional") }
        guard let value = Self(nonNullPostgresText: text) else {
            throw PostgresError(.decoding, "'\(text.prefix(40))' is not a valid \(Self.self)")
        }
        return value
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText text: String?) throws -> Self {
        guard let text else { return nil }
        return try Wrapped.decode(postgresText: text)
    }
}

extension String: PostgresEncodable, PostgresTextDecodable {
    public var postgresText: String? { self }
    public init?(nonNullPostgresText text: String) { self = text }
}

extension Int: PostgresEncodable, PostgresTextDecodable {
    public var postgresText: String? { String(self) }
    public init?(nonNullPostgresText text: String) { self.init(text) }
}

extension Int64: PostgresEncodable, PostgresTextDecodable {
    public var postgresText: String? { String(self) }
    public init?(nonNullPostgresText text: String) { self.init(text) }
}

extension Int32: PostgresEncodable, PostgresTextDecodable {
    public var postgresText: String? { String(self) }
    public init?(nonNullPostgresText text: String) { self.init(text) }
}

extension Double: PostgresEncodable, PostgresTextDecodable {
    public var postgresText: String? { String(self) }
    public init?(nonNullPostgresText text: String) { self.init(text) }
}

extension Bool: PostgresEncodable, PostgresTextDecodable {
    public var postgresText: String? { self ? "true" : "false" }
    public init?(nonNullPostgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension Decimal: PostgresEncodable, PostgresTextDecodable {
    /// NUMERIC's exact text: never goes through `Double`.
    public var postgresText: String? { isNaN ? "NaN" : exactText }
    public init?(nonNullPostgresText text: String) {
        if text == "NaN" {
            self = .nan
            return
        }
        guard let value = Decimal(exactText: text) else { return nil }
        self = value
    }
}

extension Date: PostgresEncodable, PostgresTextDecodable {
    /// ISO 8601 in UTC with microseconds, which `timestamptz` stores exactly.
    public var postgresText: String? { PostgresTimestamp.format(self) }
    public init?(nonNullPostgresText text: String) {
        guard let date = PostgresTimestamp.parse(text) else { return nil }
        self = date
    }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// A one-dimensional array literal, every element quoted: `{"a","b",NULL}`.
    public var postgresText: String? {
        var text = "{"
        for (index, element) in enumerated() {
            if index > 0 { text += "," }
            guard let element = element.postgresText else {
                text += "NULL"
                continue
            }
            text += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { text += "\\" }
                text.unicodeScalars.append(character)
            }
            text += "\""
        }
        return text + "}"
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// Parses a one-dimensional array literal; NULL elements decode as `Element`'s NULL.
    public static func decode(postgresText text: String?) throws -> [Element] {
        guard let text else { throw PostgresError(.decoding, "column is NULL but \(Self.self) is not optional") }
        return try PostgresArrayLiteral.elements(of: text).map { try Element.decode(postgresText: $0) }
    }
}

/// `bytea`, sent and read in hex format.
public struct PostgresBytes: PostgresCodable, Equatable {
    /// The raw bytes.
    public var bytes: [UInt8]

    /// Wraps raw bytes.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var postgresText: String? {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        text.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public static func decode(postgresText text: String?) throws -> PostgresBytes {
        guard let text else { throw PostgresError(.decoding, "column is NULL but bytea is not optional") }
        let hex = Array(text.utf8)
        guard hex.count >= 2, hex[0] == UInt8(ascii: "\\"), hex[1] == UInt8(ascii: "x"), hex.count.isMultiple(of: 2) else {
            throw PostgresError(.decoding, "bytea is not in hex format")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((hex.count - 2) / 2)
        var index = 2
        while index < hex.count {
            guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else {
                throw PostgresError(.decoding, "bytea has a character that is not hex")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return PostgresBytes(bytes)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A `json`/`jsonb` value coded with `JSONEncoder`/`JSONDecoder` (dates as ISO 8601, keys sorted).
public struct PostgresJSON<Value: Codable & Sendable>: PostgresCodable {
    /// The decoded value.
    public let value: Value
    /// Its JSON text.
    public let text: String

    /// Encodes a value to send as JSON; throws when it cannot be encoded (a NaN, say).
    public init(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        do {
            self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw PostgresError(.encoding, "\(Value.self) cannot be encoded as JSON")
        }
        self.value = value
    }

    private init(value: Value, text: String) {
        self.value = value
        self.text = text
    }

    public var postgresText: String? { text }

    public static func decode(postgresText text: String?) throws -> PostgresJSON<Value> {
        guard let text else { throw PostgresError(.decoding, "column is NULL but json is not optional") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return PostgresJSON(value: try decoder.decode(Value.self, from: Data(text.utf8)), text: text)
        } catch {
            throw PostgresError(.decoding, "json does not match \(Value.self)")
        }
    }
}
