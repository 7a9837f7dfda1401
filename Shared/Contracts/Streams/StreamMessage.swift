import FoundationEssentials

/// A message carried on a Redis stream: a `Codable` body with a type name and a version.
///
/// On the stream an entry has the fields `type`, `v` (version), `body` (JSON), `table` (bulk rows
/// carried beside the JSON, when the message has them) and `rid` (the request id, when there is one).
/// A consumer dead-letters an entry whose type or version it does not understand, or whose body or
/// table does not decode, with the reason; it never crashes on one.
public protocol StreamMessage: Codable, Sendable {
    /// The type name in the `type` field, e.g. `job`.
    static var messageType: String { get }
    /// The version this code writes (and reads).
    static var version: Int { get }
    /// The oldest version this code still reads (entries written before an upgrade); `version` by default.
    static var oldestReadableVersion: Int { get }
    /// Rows carried in the entry's own `table` field instead of inside the JSON body, where they would be
    /// escaped by the writer and un-escaped by the reader (a snapshot's holdings); `nil` for most messages.
    /// The body leaves out what the table carries (its encoder's `userInfo` has `StreamEnvelope.tableApart`).
    var streamTable: [UInt8]? { get }
    /// Takes back the `table` field (`nil` when the entry has none) after the body decoded from an entry of `version`;
    /// throws `StreamDecodingError` with the reason when it is malformed or missing.
    mutating func takeStreamTable(_ table: [UInt8]?, version: Int) throws
}

extension StreamMessage {
    public static var oldestReadableVersion: Int { version }
    public var streamTable: [UInt8]? { nil }
    public mutating func takeStreamTable(_ table: [UInt8]?, version: Int) throws {
        if table != nil { throw StreamDecodingError("a '\(Self.messageType)' entry carries no 'table' field") }
    }
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
    /// Largest body and table accepted (and written), together: 8 MiB.
    public static let maximumBodySize = 8 << 20

    /// The fields that make up a message, in the order they are written: what a dead letter keeps and a retry puts back.
    public static let messageFields = ["type", "v", "body", "table", "rid"]

    /// Set in an encoder's `userInfo` when the message's `streamTable` travels in its own field: the body leaves those rows out.
    public static let tableApart = CodingUserInfoKey(rawValue: "psync.stream.tableApart")!

    /// The fields of an entry carrying `message`.
    public static func fields<Message: StreamMessage>(_ message: Message, requestID: String? = nil) throws -> [(String, [UInt8])] {
        let encoder = JSONCoding.encoder()
        let table = message.streamTable
        if table != nil { encoder.userInfo[tableApart] = true }
        let body = Array(try encoder.encode(message))
        let size = body.count + (table?.count ?? 0)
        guard size <= maximumBodySize else {
            throw StreamDecodingError("a \(Message.messageType) message of \(size) bytes exceeds the \(maximumBodySize >> 20) MiB limit")
        }
        var fields: [(String, [UInt8])] = [
            ("type", Array(Message.messageType.utf8)), ("v", Array(String(Message.version).utf8)), ("body", body),
        ]
        if let table { fields.append(("table", table)) }
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
        guard (Message.oldestReadableVersion...Message.version).contains(version) else {
            let readable =
                Message.oldestReadableVersion == Message.version
                ? "version \(Message.version)" : "versions \(Message.oldestReadableVersion) to \(Message.version)"
            throw StreamDecodingError("version \(version) of '\(name)' is not supported; this consumer reads \(readable)")
        }
        guard let body = fields["body"] else { throw StreamDecodingError("the entry has no 'body' field") }
        let table = fields["table"]
        let size = body.count + (table?.count ?? 0)
        guard size <= maximumBodySize else {
            throw StreamDecodingError(
                "\(table == nil ? "the body is" : "the body and table are") \(size) bytes, over the \(maximumBodySize >> 20) MiB limit")
        }
        var message: Message
        do {
            let decoder = JSONCoding.decoder()
            if table != nil { decoder.userInfo[tableApart] = true }
            message = try decoder.decode(Message.self, from: Data(body))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw StreamDecodingError("the '\(name)' body is not valid JSON")
        } catch let error as DecodingError {
            throw StreamDecodingError("the '\(name)' body is malformed: \(error.fieldMessage)")
        } catch {
            throw StreamDecodingError("the '\(name)' body is not valid JSON")
        }
        try message.takeStreamTable(table, version: version)
        let requestID = fields["rid"].map { String(decoding: $0, as: UTF8.self) }.flatMap { RequestID.isValid($0) ? $0 : nil }
        return (message, requestID)
    }
}
