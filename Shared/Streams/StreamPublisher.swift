public import Contracts
public import RedisClient

/// Writes stream messages in their envelope, pipelined when there are many.
public struct StreamPublisher: Sendable {
    private let redis: RedisPool

    /// A publisher on `redis`.
    public init(redis: RedisPool) {
        self.redis = redis
    }

    /// Appends one message; returns its entry id.
    @discardableResult
    public func publish<Message: StreamMessage>(_ message: Message, to stream: String, requestID: String? = RequestID.current) async throws
        -> StreamID
    {
        try await redis.xadd(stream, fields: try Self.arguments(message, requestID: requestID))
    }

    /// Appends many messages in one round trip per 1,000; throws if Redis refused any.
    public func publish<Message: StreamMessage>(_ messages: [(message: Message, stream: String)], requestID: String? = RequestID.current)
        async throws
    {
        for chunk in stride(from: 0, to: messages.count, by: 1000) {
            let commands = try messages[chunk..<min(chunk + 1000, messages.count)].map { item in
                RedisPool.xaddArguments(item.stream, fields: try Self.arguments(item.message, requestID: requestID))
            }
            for case .error(let message) in try await redis.pipeline(commands) {
                throw RedisPublishError(message: message)
            }
        }
    }

    static func arguments<Message: StreamMessage>(_ message: Message, requestID: String?) throws -> [(String, RedisArgument)] {
        try StreamEnvelope.fields(message, requestID: requestID).map { ($0.0, RedisArgument(bytes: $0.1)) }
    }
}

/// Redis refused an append.
public struct RedisPublishError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "redis refused a stream append: \(message)" }
}
