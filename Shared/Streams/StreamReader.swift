public import Contracts
import FoundationEssentials
public import RedisClient

/// Reads one stream as one consumer of a group: new entries, its own pending ones, and entries
/// taken over from consumers that went silent. Entries are decoded; the undecodable, and those
/// delivered too many times, come back as `Rejected` for the caller to dead-letter.
public struct StreamReader<Message: StreamMessage>: Sendable {
    /// Where and who.
    public struct Configuration: Sendable {
        public var stream: String
        public var group: String
        /// This instance's consumer name, unique per process.
        public var consumer: String
        /// An entry delivered more often than this is dead-lettered rather than handled again.
        public var maxDeliveries = 5
        /// Entries idle this long in another consumer's pending list are taken over.
        public var claimIdle: Duration = .seconds(30)

        public init(stream: String, group: String, consumer: String) {
            self.stream = stream
            self.group = group
            self.consumer = consumer
        }
    }

    /// A batch: what decoded, and what did not.
    public struct Batch: Sendable {
        public var deliveries: [Delivery<Message>] = []
        public var rejected: [Rejected] = []
        public init() {}
        public var isEmpty: Bool { deliveries.isEmpty && rejected.isEmpty }
        public var count: Int { deliveries.count + rejected.count }
    }

    public let configuration: Configuration
    private let blocking: RedisConnection
    private let redis: RedisPool

    /// A reader using `redis` for short calls and its own connection for blocking reads.
    public init(redis: RedisPool, configuration: Configuration) {
        self.redis = redis
        self.configuration = configuration
        self.blocking = redis.dedicatedConnection(name: "reader-\(configuration.stream)")
    }

    /// Creates the group (reading from the start of the stream, so nothing queued before it is missed).
    public func ensureGroup() async throws {
        try await redis.createGroup(configuration.stream, group: configuration.group, startingAt: "0", makeStream: true)
    }

    /// New entries, waiting up to `block` for the first; at most `count`.
    public func readNew(count: Int, block: Duration?) async throws -> Batch {
        let entries = try await blocking.readGroup(
            configuration.stream,
            group: configuration.group,
            consumer: configuration.consumer,
            id: ">",
            count: count,
            block: block
        )
        return decode(entries, deliveries: [:])
    }

    /// Takes over up to `count` entries idle longer than `claimIdle` in any consumer's pending list.
    public func claimAbandoned(count: Int) async throws -> Batch {
        let claimed = try await redis.autoClaim(
            configuration.stream,
            group: configuration.group,
            consumer: configuration.consumer,
            minIdle: configuration.claimIdle,
            count: count
        )
        guard !claimed.entries.isEmpty else { return Batch() }
        return decode(claimed.entries, deliveries: try await deliveryCounts(of: claimed.entries.map(\.id)))
    }

    /// Keeps entries this consumer holds from looking abandoned (long jobs): resets their idle time.
    public func renew(_ ids: [StreamID]) async throws {
        try await redis.renewClaim(configuration.stream, group: configuration.group, consumer: configuration.consumer, ids: ids)
    }

    /// Acknowledges handled entries.
    public func ack(_ ids: [StreamID]) async throws {
        try await redis.ack(configuration.stream, group: configuration.group, ids: ids)
    }

    private func deliveryCounts(of ids: [StreamID]) async throws -> [StreamID: Int] {
        guard let first = ids.min(), let last = ids.max() else { return [:] }
        let pending = try await redis.pending(
            configuration.stream,
            group: configuration.group,
            start: first.description,
            end: last.description,
            count: ids.count + 1000,
            consumer: configuration.consumer
        )
        return Dictionary(pending.map { ($0.id, $0.deliveries) }, uniquingKeysWith: max)
    }

    private func decode(_ entries: [StreamEntry], deliveries: [StreamID: Int]) -> Batch {
        var batch = Batch()
        for entry in entries {
            let count = deliveries[entry.id] ?? 1
            if entry.payloadDeleted {
                batch.rejected.append(Rejected(entry: entry, reason: "the entry was deleted from the stream while pending", deliveries: count))
                continue
            }
            if count > configuration.maxDeliveries {
                batch.rejected.append(
                    Rejected(entry: entry, reason: "delivered \(count) times without being acknowledged; giving up", deliveries: count)
                )
                continue
            }
            do {
                let (message, requestID) = try StreamEnvelope.decode(Message.self, from: entry.fields)
                batch.deliveries.append(Delivery(id: entry.id, message: message, requestID: requestID, deliveries: count, fields: entry.fields))
            } catch {
                batch.rejected.append(Rejected(entry: entry, reason: "\(error)", deliveries: count))
            }
        }
        return batch
    }
}
