import FoundationEssentials

/// A message carried on a Redis stream: a `Codable` body with a type name and a version.
///
/// On the stream an entry has the fields `type`, `v` (version), `body` (JSON) and `rid`
/// (the request id, when there is one). A consumer dead-letters an entry whose type or version it
/// does not understand, or whose body does not decode, with the reason; it never crashes on one.
public protocol StreamMessage: Codable, Sendable {
    /// The type name in the `type` field, e.g. `job`.
    static var messageType: String { get }
    /// The version this code writes and reads.
    static var version: Int { get }
}

/// Stream and group names. Keys carry a hash tag so a broker's keys share a Redis Cluster slot.
public enum StreamNames {
    /// Fires from the scheduler to the dispatcher.
    public static let dispatch = "psync:dispatch"
    /// Jobs for one broker's gateways.
    public static func jobs(broker: String) -> String { "psync:{broker:\(broker)}:jobs" }
    /// Sorted set of one broker's jobs waiting to be retried, scored by due time (ms).
    public static func delayed(broker: String) -> String { "psync:{broker:\(broker)}:delayed" }
    /// Set when an operator pauses a broker's queue.
    public static func paused(broker: String) -> String { "psync:{broker:\(broker)}:paused" }
    /// Results from gateways to persistence.
    public static let results = "psync:results"
    /// Everything that happened, for the dispatcher and the monitor.
    public static let events = "psync:events"
    /// Entries no consumer could process, with the reason.
    public static let deadLetters = "psync:dead"

    /// Consumer groups.
    public enum Group {
        public static let gateway = "gateways"
        public static let persistence = "persistence"
        public static let dispatcher = "dispatcher"
    }
}

/// Why a stream entry could not be turned into a message.
public struct StreamDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// One clause a person can act on.
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// Encodes and decodes the fields of a stream entry.
public enum StreamEnvelope {
    /// Largest body accepted (and written): 8 MiB.
    public static let maximumBodySize = 8 << 20

    /// The fields of an entry carrying `message`.
    public static func fields<Message: StreamMessage>(_ message: Message, requestID: String? = nil) throws -> [(String, [UInt8])] {
        let body = try JSONCoding.encode(message)
        guard body.count <= maximumBodySize else {
            throw StreamDecodingError("a \(Message.messageType) message of \(body.count) bytes exceeds the \(maximumBodySize >> 20) MiB limit")
        }
        var fields: [(String, [UInt8])] = [
            ("type", Array(Message.messageType.utf8)), ("v", Array(String(Message.version).utf8)), ("body", body),
        ]
        if let requestID { fields.append(("rid", Array(requestID.utf8))) }
        return fields
    }

    /// The message in an entry's fields, and its request id; throws with the reason it cannot be read.
    public static func decode<Message: StreamMessage>(_ type: Message.Type, from fields: [String: [UInt8]]) throws -> (Message, String?) {
        guard let typeField = fields["type"] else { throw StreamDecodingError("the entry has no 'type' field") }
        let name = String(decoding: typeField, as: UTF8.self)
        guard name == Message.messageType else {
            throw StreamDecodingError("expected a '\(Message.messageType)' message, got type '\(name.prefix(40))'")
        }
        guard let versionField = fields["v"], let version = Int(String(decoding: versionField, as: UTF8.self)) else {
            throw StreamDecodingError("the entry has no numeric 'v' (version) field")
        }
        guard version == Message.version else {
            throw StreamDecodingError("version \(version) of '\(name)' is not supported; this consumer reads version \(Message.version)")
        }
        guard let body = fields["body"] else { throw StreamDecodingError("the entry has no 'body' field") }
        guard body.count <= maximumBodySize else {
            throw StreamDecodingError("the body is \(body.count) bytes, over the \(maximumBodySize >> 20) MiB limit")
        }
        let message: Message
        do {
            message = try JSONCoding.decode(Message.self, from: body)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw StreamDecodingError("the '\(name)' body is not valid JSON")
        } catch let error as DecodingError {
            throw StreamDecodingError("the '\(name)' body is malformed: \(error.fieldMessage)")
        } catch {
            throw StreamDecodingError("the '\(name)' body is not valid JSON")
        }
        let requestID = fields["rid"].map { String(decoding: $0, as: UTF8.self) }.flatMap { RequestID.isValid($0) ? $0 : nil }
        return (message, requestID)
    }
}
