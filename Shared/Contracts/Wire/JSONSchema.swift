import FoundationEssentials

/// A type that knows its own JSON Schema, for the few whose wire form is not their Codable shape
/// as a decoder sees it (exact decimals as strings, free-form JSON).
public protocol JSONSchemaDescribing {
    /// The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of the type's wire form.
    static var jsonSchema: JSONValue { get }
}

/// JSON Schemas derived from `Decodable` types by decoding them once with a decoder that records
/// what the type asks for: each key, whether it is required, and the kind of value under it.
///
/// This is what makes the API description impossible to drift from the code: the schema is the
/// type's own `init(from:)`. Enumerations list their cases when they are `CaseIterable` with
/// string raw values; `Date` is an ISO 8601 `date-time`; recursive types stop at a depth limit.
///
/// ```swift
/// let schema = JSONSchema.of(CreateUser.self)   // {"type":"object","properties":{"email":…},"required":[…]}
/// ```
public enum JSONSchema {
    /// The schema of `type`'s JSON form.
    public static func of<T: Decodable>(_ type: T.Type) -> JSONValue {
        SchemaRecorder.schema(of: type, depth: 0).json
    }
}

/// What the recorder learned about one value.
indirect enum SchemaNode {
    case unknown
    case fixed(JSONValue)
    case primitive(String)
    case object(properties: [(String, SchemaNode, required: Bool)], dictionary: Bool)
    case array(SchemaNode)

    var json: JSONValue {
        switch self {
        case .unknown: return .object([:])
        case .fixed(let schema): return schema
        case .primitive(let type): return .object(["type": .string(type)])
        case .array(let items): return .object(["type": "array", "items": items.json])
        case .object(let properties, let dictionary):
            var fields: [String: JSONValue] = ["type": "object"]
            if dictionary && properties.isEmpty {
                fields["additionalProperties"] = .bool(true)
                return .object(fields)
            }
            var described: [String: JSONValue] = [:]
            for (name, node, required) in properties {
                described[name] = required ? node.json : .object(["anyOf": .array([node.json, .object(["type": "null"])])])
            }
            fields["properties"] = .object(described)
            let required = properties.filter(\.required).map { JSONValue.string($0.0) }
            if !required.isEmpty { fields["required"] = .array(required) }
            return .object(fields)
        }
    }
}

/// A `Decoder` that answers every question with a plausible value and remembers the questions.
final class SchemaRecorder: Decoder {
    static let maximumDepth = 6

    let codingPath: [any CodingKey] = []
    let userInfo: [CodingUserInfoKey: Any] = [:]
    let depth: Int
    var node = SchemaNode.unknown

    init(depth: Int) {
        self.depth = depth
    }

    /// Decodes `type` once with a fresh recorder; whatever it asked before any error is the schema.
    static func schema<T: Decodable>(of type: T.Type, depth: Int) -> SchemaNode {
        if let described = type as? any JSONSchemaDescribing.Type { return .fixed(described.jsonSchema) }
        if type == Date.self { return .fixed(.object(["type": "string", "format": "date-time"])) }
        if type == Decimal.self { return .fixed(.object(["type": "string", "pattern": #"^-?[0-9]+(\.[0-9]+)?$"#])) }
        if type == String.self { return .primitive("string") }
        if type == Bool.self { return .primitive("boolean") }
        if type == Double.self || type == Float.self { return .primitive("number") }
        if type is any FixedWidthInteger.Type { return .primitive("integer") }
        if let cases = type as? any CaseIterable.Type, let names = caseNames(cases) {
            return .fixed(.object(["type": "string", "enum": .array(names.map { .string($0) })]))
        }
        guard depth < maximumDepth else { return .unknown }
        let recorder = SchemaRecorder(depth: depth + 1)
        _ = try? T(from: recorder)
        if case .unknown = recorder.node, type is any RawRepresentable.Type { return .primitive("string") }
        return recorder.node
    }

    private static func firstCase<E: CaseIterable>(_ type: E.Type) -> Any? {
        E.allCases.first
    }

    private static func caseNames<E: CaseIterable>(_ type: E.Type) -> [String]? {
        let names = E.allCases.compactMap { ($0 as? any RawRepresentable)?.rawValue as? String }
        return names.isEmpty ? nil : names
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        if case .object = node {} else { node = .object(properties: [], dictionary: true) }
        return KeyedDecodingContainer(KeyedRecorder<Key>(recorder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        UnkeyedRecorder(recorder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueRecorder(recorder: self)
    }

    func record(_ name: String, _ child: SchemaNode, required: Bool) {
        guard case .object(var properties, _) = node else { return }
        if let index = properties.firstIndex(where: { $0.0 == name }) {
            // decodeIfPresent asks decodeNil first, then decode: a key seen as optional once is optional.
            properties[index] = (name, child, properties[index].required && required)
        } else {
            properties.append((name, child, required))
        }
        node = .object(properties: properties, dictionary: false)
    }

    /// The value handed back for a question about `type`: something most initialisers accept.
    func sample<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type: return "1" as! T
        case is Bool.Type: return false as! T
        case is Double.Type: return 1.0 as! T
        case is Float.Type: return Float(1) as! T
        case is Date.Type: return Date(timeIntervalSince1970: 0) as! T
        case is Decimal.Type: return Decimal(1) as! T
        default:
            if let integer = type as? any FixedWidthInteger.Type { return integer.init(1) as! T }
            if let cases = type as? any CaseIterable.Type, let first = Self.firstCase(cases) as? T { return first }
            // Past the recording depth a value is still built (the caller needs one), up to a hard stop for recursive types.
            guard depth < SchemaRecorder.maximumDepth + 4 else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "schema recording stops here"))
            }
            return try T(from: SchemaRecorder(depth: max(depth + 1, SchemaRecorder.maximumDepth)))
        }
    }
}

private struct KeyedRecorder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: SchemaRecorder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }

    func decodeNil(forKey key: Key) throws -> Bool {
        recorder.record(key.stringValue, .unknown, required: false)
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        recorder.record(key.stringValue, SchemaRecorder.schema(of: type, depth: recorder.depth), required: true)
        return try recorder.sample(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        recorder.record(key.stringValue, SchemaRecorder.schema(of: type, depth: recorder.depth), required: false)
        return nil
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let child = SchemaRecorder(depth: recorder.depth + 1)
        let container = try child.container(keyedBy: type)
        recorder.record(key.stringValue, child.node, required: true)
        return container
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        recorder.record(key.stringValue, .array(.unknown), required: true)
        return UnkeyedRecorder(recorder: SchemaRecorder(depth: SchemaRecorder.maximumDepth))
    }

    func superDecoder() throws -> any Decoder { SchemaRecorder(depth: SchemaRecorder.maximumDepth) }
    func superDecoder(forKey key: Key) throws -> any Decoder { SchemaRecorder(depth: SchemaRecorder.maximumDepth) }
}

/// Arrays: one element is asked for, its schema becomes `items`.
private struct UnkeyedRecorder: UnkeyedDecodingContainer {
    let recorder: SchemaRecorder
    var codingPath: [any CodingKey] { [] }
    var count: Int? { 1 }
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex >= 1 }

    init(recorder: SchemaRecorder) {
        self.recorder = recorder
        if case .array = recorder.node {} else { recorder.node = .array(.unknown) }
    }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        recorder.node = .array(SchemaRecorder.schema(of: type, depth: recorder.depth))
        return try recorder.sample(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        currentIndex += 1
        return try SchemaRecorder(depth: SchemaRecorder.maximumDepth).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        currentIndex += 1
        return UnkeyedRecorder(recorder: SchemaRecorder(depth: SchemaRecorder.maximumDepth))
    }

    mutating func superDecoder() throws -> any Decoder { SchemaRecorder(depth: SchemaRecorder.maximumDepth) }
}

/// A single value: its type is the node (a wrapper such as an id type is its wrapped value's schema).
private struct SingleValueRecorder: SingleValueDecodingContainer {
    let recorder: SchemaRecorder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        recorder.node = SchemaRecorder.schema(of: type, depth: recorder.depth)
        return try recorder.sample(type)
    }
}

extension JSONValue: JSONSchemaDescribing {
    /// Any JSON value.
    public static var jsonSchema: JSONValue { .object([:]) }
}

extension RawJSON: JSONSchemaDescribing {
    /// Any JSON value, kept as the broker sent it.
    public static var jsonSchema: JSONValue { .object([:]) }
}

extension DecimalString: JSONSchemaDescribing {
    /// An exact decimal as a string (a JSON number is accepted too); `null` when the value is optional.
    public static var jsonSchema: JSONValue {
        let exact: JSONValue = .object(["type": "string", "pattern": #"^-?[0-9]+(\.[0-9]+)?$"#, "examples": ["1234.50"]])
        return Value.none == nil ? exact : .object(["anyOf": [exact, .object(["type": "null"])]])
    }
}
