/// A stream entry id, `milliseconds-sequence`.
public struct StreamID: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// Milliseconds since the epoch when the entry was added (by the server's clock).
    public var milliseconds: UInt64
    /// Sequence number within the millisecond.
    public var sequence: UInt64

    /// An id from its parts.
    public init(milliseconds: UInt64, sequence: UInt64 = 0) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Parses `1700000000000-3` (or `1700000000000`, sequence 0); `nil` if malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let milliseconds = UInt64(parts[0]) else { return nil }
        self.milliseconds = milliseconds
        if parts.count == 2 {
            guard let sequence = UInt64(parts[1]) else { return nil }
            self.sequence = sequence
        } else {
            self.sequence = 0
        }
    }

    /// The smallest possible id.
    public static let zero = StreamID(milliseconds: 0, sequence: 0)

    public var description: String { "\(milliseconds)-\(sequence)" }

    public static func < (lhs: StreamID, rhs: StreamID) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}

/// One entry read from a stream.
public struct StreamEntry: Sendable, Equatable {
    /// The entry's id.
    public var id: StreamID
    /// Its fields, binary-safe.
    public var fields: [String: [UInt8]]
    /// True when the entry is still pending but its payload was deleted from the stream.
    public var payloadDeleted: Bool

    /// An entry with the given fields.
    public init(id: StreamID, fields: [String: [UInt8]], payloadDeleted: Bool = false) {
        self.id = id
        self.fields = fields
        self.payloadDeleted = payloadDeleted
    }

    /// A field's value as text.
    public func string(_ field: String) -> String? {
        fields[field].map { String(decoding: $0, as: UTF8.self) }
    }
}

/// How `XADD` trims the stream it appends to.
public enum StreamTrim: Sendable {
    /// Keep about (or, with `exact`, exactly) this many newest entries.
    case maxLength(Int, exact: Bool = false)
    /// Drop entries older than this id (about, or exactly).
    case minID(StreamID, exact: Bool = false)

    var arguments: [RedisArgument] {
        switch self {
        case .maxLength(let count, let exact): ["MAXLEN", exact ? "=" : "~", .init(count)]
        case .minID(let id, let exact): ["MINID", exact ? "=" : "~", .init(id.description)]
        }
    }
}

/// The summary form of `XPENDING`.
public struct PendingSummary: Sendable, Equatable {
    /// Entries delivered and not yet acknowledged.
    public var count: Int
    /// Smallest and largest pending id, when any is pending.
    public var lowestID: StreamID?
    public var highestID: StreamID?
    /// Pending count per consumer.
    public var consumers: [String: Int]
}

/// One entry of the extended form of `XPENDING`.
public struct PendingEntry: Sendable, Equatable {
    /// The pending entry's id.
    public var id: StreamID
    /// The consumer that holds it.
    public var consumer: String
    /// Time since it was last delivered.
    public var idle: Duration
    /// How many times it has been delivered.
    public var deliveries: Int
}

/// The reply of `XAUTOCLAIM`.
public struct AutoClaimResult: Sendable, Equatable {
    /// Where the next scan starts; `0-0` when the scan went round the whole list.
    public var nextStart: StreamID
    /// Entries now owned by the claiming consumer.
    public var entries: [StreamEntry]
    /// Ids that were pending but whose entries no longer exist (Redis drops them from the list).
    public var deletedIDs: [StreamID]
}

/// One consumer group, from `XINFO GROUPS`.
public struct StreamGroupInfo: Sendable, Equatable {
    public var name: String
    public var consumers: Int
    /// Entries delivered to the group and not acknowledged.
    public var pending: Int
    public var lastDeliveredID: StreamID
    /// Entries not yet delivered to the group; `nil` when Redis cannot tell.
    public var lag: Int?
}

/// One consumer of a group, from `XINFO CONSUMERS`.
public struct StreamConsumerInfo: Sendable, Equatable {
    public var name: String
    public var pending: Int
    /// Time since the consumer's last attempted read.
    public var idle: Duration
    /// Time since its last successful read (Redis 7.2 and later).
    public var inactive: Duration?
}

/// A stream's shape, from `XINFO STREAM`.
public struct StreamInfo: Sendable, Equatable {
    public var length: Int
    public var groups: Int
    public var lastGeneratedID: StreamID
    public var firstEntryID: StreamID?
    public var lastEntryID: StreamID?
}
