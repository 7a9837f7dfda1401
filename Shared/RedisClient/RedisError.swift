/// A failed Redis call.
///
/// `description` names what failed without echoing command arguments (they may hold secrets).
public struct RedisError: Error, CustomStringConvertible, Sendable {
    enum Code: Sendable, Equatable {
        case connection
        case server
        case unexpectedReply
        case invalidConfiguration
    }

    let code: Code
    /// What went wrong, in one clause.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// True when the connection failed (refused, reset, timed out); the next call reconnects.
    public var isConnectionError: Bool { code == .connection }

    /// The error reply's first word when Redis answered with an error (`BUSYGROUP`, `NOSCRIPT`, `WRONGTYPE` …).
    public var serverErrorPrefix: String? {
        guard code == .server else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    public var description: String {
        switch code {
        case .connection: "redis connection failed: \(message)"
        case .server: "redis error: \(message)"
        case .unexpectedReply: "unexpected redis reply: \(message)"
        case .invalidConfiguration: "invalid redis configuration: \(message)"
        }
    }

    static func unexpected(_ what: String, _ value: RedisValue) -> RedisError {
        RedisError(.unexpectedReply, "\(what) got \(value.kindName)")
    }
}

extension RedisValue {
    var kindName: String {
        switch self {
        case .status: "a status"
        case .error: "an error"
        case .integer: "an integer"
        case .bulk: "a bulk string"
        case .null: "null"
        case .array: "an array"
        }
    }
}
