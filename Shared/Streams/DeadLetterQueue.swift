public import Contracts
import ExactDecimal
import FoundationEssentials
public import RedisClient

/// The dead-letter stream: entries no consumer could process, with the reason, for an operator to
/// inspect and replay.
public struct DeadLetterQueue: Sendable {
    private let redis: RedisPool
    /// The stream that holds them.
    public let stream: String

    /// The queue on `stream` (default `psync:dead`).
    public init(redis: RedisPool, stream: String = StreamNames.deadLetters) {
        self.redis = redis
        self.stream = stream
    }

    /// Moves a rejected entry here and acknowledges it on its own stream, so the stream keeps flowing.
    public func add(_ rejected: Rejected, from origin: String, group: String) async throws {
        var fields: [(String, RedisArgument)] = [
            ("origin", .init(origin)), ("origin_id", .init(rejected.entry.id.description)), ("group", .init(group)),
            ("reason", .init(String(rejected.reason.prefix(1000)))), ("deliveries", .init(rejected.deliveries)),
            ("at", .init(ISO8601.format(Date()))),
        ]
        for name in StreamEnvelope.messageFields {
            if let value = rejected.entry.fields[name] { fields.append((name, .init(bytes: value))) }
        }
        try await redis.xadd(stream, fields: fields)
        try await redis.ack(origin, group: group, ids: [rejected.entry.id])
    }

    /// Newest first, up to `count`, starting below `before` (an id from a previous page).
    public func list(count: Int, before: String? = nil) async throws -> [DeadLetter] {
        let end = before.map { "(" + $0 } ?? "+"
        return try await redis.xrange(stream, end: end, count: count, reverse: true).map(Self.deadLetter)
    }

    /// One dead letter, or `nil`.
    public func get(_ id: String) async throws -> DeadLetter? {
        guard StreamID(id) != nil else { return nil }
        return try await redis.xrange(stream, start: id, end: id, count: 1).first.map(Self.deadLetter)
    }

    /// How many are waiting.
    public func count() async throws -> Int {
        try await redis.xlen(stream)
    }

    /// Puts one back on the stream it came from, as it was, and removes it here. Returns its new id, or `nil` if unknown.
    @discardableResult
    public func retry(_ id: String) async throws -> StreamID? {
        guard StreamID(id) != nil, let entry = try await redis.xrange(stream, start: id, end: id, count: 1).first,
            let origin = entry.string("origin")
        else { return nil }
        var fields: [(String, RedisArgument)] = []
        for name in StreamEnvelope.messageFields {
            if let value = entry.fields[name] { fields.append((name, .init(bytes: value))) }
        }
        let newID = try await redis.xadd(origin, fields: fields)
        try await redis.xdel(stream, ids: [entry.id])
        return newID
    }

    /// Retries up to `limit` of the oldest; returns how many went back.
    public func retryAll(limit: Int = 10_000) async throws -> Int {
        var retried = 0
        while retried < limit {
            let batch = try await redis.xrange(stream, count: min(500, limit - retried))
            if batch.isEmpty { break }
            for entry in batch {
                if try await retry(entry.id.description) != nil { retried += 1 }
            }
        }
        return retried
    }

    static func deadLetter(_ entry: StreamEntry) -> DeadLetter {
        let body = entry.string("body").map { String($0.prefix(64 << 10)) }
        var jobID: Int?
        if let bytes = entry.fields["body"], case .object(let object)? = try? JSONCoding.decode(JSONValue.self, from: bytes),
            case .number(let number)? = object["jobID"]
        {
            jobID = Int(number.exactText)
        }
        return DeadLetter(
            id: entry.id.description,
            originStream: entry.string("origin") ?? "",
            originID: entry.string("origin_id") ?? "",
            group: entry.string("group") ?? "",
            reason: entry.string("reason") ?? "",
            deliveries: Int(entry.string("deliveries") ?? "") ?? 0,
            at: entry.string("at").flatMap(ISO8601.parse) ?? Date(timeIntervalSince1970: Double(entry.id.milliseconds) / 1000),
            messageType: entry.string("type"),
            version: entry.string("v"),
            body: body,
            jobID: jobID
        )
    }
}
