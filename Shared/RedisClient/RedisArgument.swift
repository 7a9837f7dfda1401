/// One argument of a Redis command: binary-safe bytes.
///
/// String and integer literals convert implicitly: `["SET", "key", .init(bytes: payload)]`.
public struct RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// The bytes sent to Redis.
    public let bytes: [UInt8]

    /// Raw bytes, sent as they are.
    public init(bytes: [UInt8]) { self.bytes = bytes }
    /// A string, sent as UTF-8.
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    /// An integer, sent in decimal.
    public init(_ integer: Int) { self.bytes = Array(String(integer).utf8) }
    /// A string literal, sent as UTF-8.
    public init(stringLiteral value: String) { self.init(value) }
    /// An integer literal, sent in decimal.
    public init(integerLiteral value: Int) { self.init(value) }
}

extension Array where Element == RedisArgument {
    /// Converts plain strings into command arguments.
    public init(strings: [String]) { self = strings.map { RedisArgument($0) } }
}
