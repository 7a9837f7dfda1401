import ExactDecimal
import FoundationEssentials

/// Encodes a flat `Encodable` (scalars, optionals, arrays of scalars) into query parameters.
///
/// Dates become ISO 8601, decimals exact text, arrays repeat the key; `nil` fields are left out.
/// Nested objects are refused: a query string is flat.
public struct ParameterEncoder: Sendable {
    /// A new encoder.
    public init() {}

    /// The name/value pairs for `value`, in field order.
    public func encode(_ value: some Encodable) throws -> [(String, String)] {
        let storage = ParameterStorage()
        try value.encode(to: ParameterEncoding(storage: storage, key: nil))
        return storage.pairs
    }

    /// `value` as a percent-encoded query string without the leading `?`.
    public func queryString(_ value: some Encodable, excluding: Set<String> = []) throws -> String {
        try encode(value).filter { !excluding.contains($0.0) }.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986).
    public static func escape(_ text: String) -> String {
        var escaped = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                escaped += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return escaped
    }
}

private final class ParameterStorage {
    var pairs: [(String, String)] = []
}

private struct ParameterEncoding: Encoder {
    let storage: ParameterStorage
    let key: String?
    var codingPath: [any CodingKey] { key.map { [ParameterKey($0)] } ?? [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Keyed<Key>(storage: storage, nested: key != nil))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        Unkeyed(storage: storage, key: key ?? "")
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        Single(storage: storage, key: key ?? "")
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let storage: ParameterStorage
        let nested: Bool
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws {}

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            guard !nested else {
                throw EncodingError.invalidValue(value, .init(codingPath: [key], debugDescription: "query parameters cannot nest objects"))
            }
            if let text = ParameterScalar.text(of: value) {
                storage.pairs.append((key.stringValue, text))
            } else {
                try value.encode(to: ParameterEncoding(storage: storage, key: key.stringValue))
            }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Keyed<NestedKey>(storage: storage, nested: true))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            Unkeyed(storage: storage, key: key.stringValue)
        }

        mutating func superEncoder() -> any Encoder { ParameterEncoding(storage: storage, key: "super") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { ParameterEncoding(storage: storage, key: key.stringValue) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let storage: ParameterStorage
        let key: String
        var codingPath: [any CodingKey] { [ParameterKey(key)] }
        var count = 0

        mutating func encodeNil() throws {}

        mutating func encode<T: Encodable>(_ value: T) throws {
            count += 1
            if let text = ParameterScalar.text(of: value) {
                storage.pairs.append((key, text))
            } else {
                try value.encode(to: ParameterEncoding(storage: storage, key: key))
            }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Keyed<NestedKey>(storage: storage, nested: true))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
        mutating func superEncoder() -> any Encoder { ParameterEncoding(storage: storage, key: key) }
    }

    struct Single: SingleValueEncodingContainer {
        let storage: ParameterStorage
        let key: String
        var codingPath: [any CodingKey] { [ParameterKey(key)] }

        mutating func encodeNil() throws {}

        mutating func encode<T: Encodable>(_ value: T) throws {
            if let text = ParameterScalar.text(of: value) {
                storage.pairs.append((key, text))
            } else {
                try value.encode(to: ParameterEncoding(storage: storage, key: key))
            }
        }
    }
}

struct ParameterKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { stringValue = String(intValue) }
}

/// The scalar types a query parameter can hold, and their text.
enum ParameterScalar {
    static func text(of value: Any) -> String? {
        switch value {
        case let value as String: value
        case let value as Bool: value ? "true" : "false"
        case let value as Int: String(value)
        case let value as Int64: String(value)
        case let value as Int32: String(value)
        case let value as UInt: String(value)
        case let value as UInt64: String(value)
        case let value as Double: String(value)
        case let value as Decimal: value.exactText
        case let value as Date: ISO8601.format(value)
        default: nil
        }
    }
}
