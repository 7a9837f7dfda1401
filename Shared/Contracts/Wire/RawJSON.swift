/// JSON text carried exactly as received (a broker's raw item), without parsing it on the way.
///
/// On the wire it is a JSON string whose content is the JSON text; Postgres stores it as `jsonb`.
/// Keeping it as text makes it cheap to pass through every hop and keeps the broker's digits as sent.
public struct RawJSON: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The JSON text.
    public let text: String

    /// Wraps JSON text as is; the caller vouches that it is valid JSON.
    public init(text: String) {
        self.text = text
    }

    /// Wraps JSON bytes as is.
    public init(bytes: some Collection<UInt8>) {
        self.text = String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes a structured value.
    public init(_ value: JSONValue) throws {
        self.text = String(decoding: try JSONCoding.encode(value), as: UTF8.self)
    }

    /// The parsed value (costly: for reading, not for passing on).
    public func parsed() throws -> JSONValue {
        try JSONCoding.decode(JSONValue.self, from: Array(text.utf8))
    }

    public init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public var description: String { text }
}
