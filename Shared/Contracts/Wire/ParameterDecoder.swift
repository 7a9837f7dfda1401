import ExactDecimal
import FoundationEssentials

/// Decodes a flat `Decodable` from query and path parameters, converting text to each field's type.
///
/// Arrays accept repeated keys and comma-separated values (`action=holdings,transactions`).
/// Errors say which parameter is wrong and why, e.g. "must be an integer, got 'abc'".
public struct ParameterDecoder: Sendable {
    /// A new decoder.
    public init() {}

    /// Decodes `type` from parameter name → values.
    public func decode<T: Decodable>(_ type: T.Type, from parameters: [String: [String]]) throws -> T {
        try T(from: ParameterDecoding(parameters: parameters, values: nil, key: nil))
    }

    /// Splits a raw query string (`a=1&b=x%20y`) into parameter name → values.
    public static func parse(query: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            result[name, default: []].append(value)
        }
        return result
    }

    static func unescape(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

private struct ParameterDecoding: Decoder {
    let parameters: [String: [String]]
    /// The values of the field being decoded, once inside one.
    let values: [String]?
    let key: String?
    var codingPath: [any CodingKey] { key.map { [ParameterKey($0)] } ?? [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard values == nil else {
            throw DecodingError.typeMismatch(
                [String: String].self, .init(codingPath: codingPath, debugDescription: "cannot be an object in a query string"))
        }
        return KeyedDecodingContainer(Keyed<Key>(parameters: parameters))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let items = (values ?? []).flatMap { $0.split(separator: ",", omittingEmptySubsequences: true).map(String.init) }
        return Unkeyed(items: items, key: key ?? "")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        Single(values: values ?? [], key: key ?? "")
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let parameters: [String: [String]]
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { parameters.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { parameters[key.stringValue] != nil }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard let values = parameters[key.stringValue] else { return true }
            return values.allSatisfy(\.isEmpty)
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            guard let values = parameters[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "is required"))
            }
            return try ParameterValue.decode(type, values: values, key: key.stringValue)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw DecodingError.typeMismatch(
                [String: String].self, .init(codingPath: [key], debugDescription: "cannot be an object in a query string"))
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try ParameterDecoding(parameters: [:], values: parameters[key.stringValue] ?? [], key: key.stringValue).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { ParameterDecoding(parameters: parameters, values: nil, key: nil) }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            ParameterDecoding(parameters: [:], values: parameters[key.stringValue] ?? [], key: key.stringValue)
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let items: [String]
        let key: String
        var codingPath: [any CodingKey] { [ParameterKey(key)] }
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }
        var currentIndex = 0

        mutating func decodeNil() throws -> Bool { false }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "has too few values"))
            }
            defer { currentIndex += 1 }
            return try ParameterValue.decode(type, values: [items[currentIndex]], key: key)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            throw DecodingError.typeMismatch(
                [String: String].self, .init(codingPath: codingPath, debugDescription: "cannot be an object in a query string"))
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { self }
        mutating func superDecoder() throws -> any Decoder { ParameterDecoding(parameters: [:], values: items, key: key) }
    }

    struct Single: SingleValueDecodingContainer {
        let values: [String]
        let key: String
        var codingPath: [any CodingKey] { [ParameterKey(key)] }

        func decodeNil() -> Bool { values.isEmpty || values.allSatisfy(\.isEmpty) }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try ParameterValue.decode(type, values: values, key: key)
        }
    }
}

/// Text → typed value for one parameter.
private enum ParameterValue {
    static func decode<T: Decodable>(_ type: T.Type, values: [String], key: String) throws -> T {
        let path = [ParameterKey(key)]
        func first() throws -> String {
            guard let value = values.last else {
                throw DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: "is required"))
            }
            return value
        }
        func invalid(_ expectation: String, _ text: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: path, debugDescription: "must be \(expectation), got '\(text.prefix(40))'"))
        }
        switch type {
        case is String.Type:
            return try first() as! T
        case is Bool.Type:
            let text = try first()
            switch text.lowercased() {
            case "true", "1", "yes": return true as! T
            case "false", "0", "no": return false as! T
            default: throw invalid("true or false", text)
            }
        case is Int.Type:
            let text = try first()
            guard let value = Int(text) else { throw invalid("an integer", text) }
            return value as! T
        case is Int64.Type:
            let text = try first()
            guard let value = Int64(text) else { throw invalid("an integer", text) }
            return value as! T
        case is Int32.Type:
            let text = try first()
            guard let value = Int32(text) else { throw invalid("an integer", text) }
            return value as! T
        case is Double.Type:
            let text = try first()
            guard let value = Double(text) else { throw invalid("a number", text) }
            return value as! T
        case is Decimal.Type:
            let text = try first()
            guard let value = Decimal(exactText: text) else { throw invalid("a decimal number", text) }
            return value as! T
        case is Date.Type:
            let text = try first()
            guard let value = ISO8601.parse(text) else { throw invalid("an ISO 8601 time such as 2026-11-24T09:30:00Z", text) }
            return value as! T
        default:
            return try T(from: ParameterDecoding(parameters: [:], values: values, key: key))
        }
    }
}
