/// A reply from Redis.
public enum RedisValue: Sendable, Equatable {
    /// A simple status such as `OK`.
    case status(String)
    /// An error reply such as `NOSCRIPT No matching script`; commands throw it, pipelines return it.
    case error(String)
    /// An integer reply.
    case integer(Int)
    /// A bulk string: binary-safe bytes.
    case bulk([UInt8])
    /// A null bulk string or null array.
    case null
    /// An array of replies.
    case array([RedisValue])

    /// The reply as text, for bulk strings and statuses.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        case .integer(let value): String(value)
        default: nil
        }
    }

    /// The reply as an integer, for integer replies and bulk strings that hold one.
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulk(let bytes): Int(String(decoding: bytes, as: UTF8.self))
        case .status(let text): Int(text)
        default: nil
        }
    }

    /// The reply's bytes, for bulk strings and statuses.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .status(let text): Array(text.utf8)
        default: nil
        }
    }

    /// The elements of an array reply; `nil` for anything else, including a null array.
    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// Whether this is a null reply.
    public var isNull: Bool { self == .null }
}
