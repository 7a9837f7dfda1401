public import Contracts
public import Logging
import Metrics
public import RedisClient
public import ServiceLifecycle

/// Consumes a stream in batches with a consumer group: handles a batch, then acknowledges it.
///
/// - A batch is up to `batchSize` entries, gathered for at most `batchWindow` after the first.
/// - Entries that do not decode, or were delivered more than `maxDeliveries` times, are
///   dead-lettered with the reason; the stream keeps flowing.
/// - If the handler throws an error `isPoison` accepts (bad data), the batch is split until the
///   offending entry is alone, and that entry is dead-lettered with the error.
/// - An error `isOutage` accepts (Postgres down, say) keeps the batch in memory and retries it with backoff for as
///   long as it lasts, without counting extra deliveries; nothing is acknowledged before the handler succeeds.
/// - Any other error is retried `maximumAttempts` times; then the batch is split, and an entry that still fails
///   alone is dead-lettered with the error, so one entry that trips a fault nobody foresaw cannot stop the stream.
/// - Entries left pending by a consumer that died are taken over after `claimIdle`.
///
/// ```swift
/// let consumer = BatchConsumer<JobResult>(redis: redis, configuration: .init(reader: .init(stream: StreamNames.results,
///     group: StreamNames.Group.persistence, consumer: identity.instanceID)), logger: logger) { batch in
///     try await writer.write(batch)   // returns [StreamID: reason] for entries it refuses
/// }
/// ```
public struct BatchConsumer<Message: StreamMessage>: Service {
    /// Batch size, timing and retry settings.
    public struct Configuration: Sendable {
        public var reader: StreamReader<Message>.Configuration
        public var batchSize = 200
        public var batchWindow: Duration = .milliseconds(5)
        public var block: Duration = .seconds(1)
        public var initialBackoff: Duration = .milliseconds(100)
        public var maximumBackoff: Duration = .seconds(5)
        /// Tries of a batch failing with an error that is neither poison nor an outage, before it is split.
        public var maximumAttempts = 5

        public init(reader: StreamReader<Message>.Configuration) {
            self.reader = reader
        }
    }

    /// Handles a batch; returns the entries it refuses, with the reason, to be dead-lettered.
    public typealias Handler = @Sendable ([Delivery<Message>]) async throws -> [StreamID: String]

    private let configuration: Configuration
    private let reader: StreamReader<Message>
    private let deadLetters: DeadLetterQueue
    private let handler: Handler
    private let isPoison: @Sendable (any Error) -> Bool
    private let isOutage: @Sendable (any Error) -> Bool
    private let logger: Logger
    private let handled: Counter
    private let rejected: Counter
    private let batchTimer: Timer

    /// A consumer calling `handler` per batch; `isPoison` says which errors mean bad data, `isOutage` which mean
    /// something the batch does not cause is away (by default every other error is taken for one).
    public init(
        redis: RedisPool,
        configuration: Configuration,
        logger: Logger,
        isPoison: @escaping @Sendable (any Error) -> Bool = { $0 is PoisonMessage },
        isOutage: @escaping @Sendable (any Error) -> Bool = { _ in true },
        handler: @escaping Handler
    ) {
        self.isOutage = isOutage
        self.configuration = configuration
        self.reader = StreamReader(redis: redis, configuration: configuration.reader)
        self.deadLetters = DeadLetterQueue(redis: redis)
        self.handler = handler
        self.isPoison = isPoison
        var logger = logger
        logger[metadataKey: "stream"] = .string(configuration.reader.stream)
        self.logger = logger
        let dimensions = [("stream", configuration.reader.stream)]
        handled = Counter(label: "psync_stream_messages_handled_total", dimensions: dimensions)
        rejected = Counter(label: "psync_stream_messages_dead_lettered_total", dimensions: dimensions)
        batchTimer = Timer(label: "psync_stream_batch_duration_seconds", dimensions: dimensions)
    }

    public func run() async throws {
        try await retrying("creating the consumer group") { try await reader.ensureGroup() }
        let clock = ContinuousClock()
        var lastClaim = clock.now - configuration.reader.claimIdle
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var batch = StreamReader<Message>.Batch()
            if clock.now - lastClaim >= configuration.reader.claimIdle / 2 {
                lastClaim = clock.now
                batch = (try? await reader.claimAbandoned(count: configuration.batchSize)) ?? batch
                if !batch.isEmpty { logger.info("took over abandoned entries", metadata: ["count": "\(batch.count)"]) }
            }
            if batch.isEmpty {
                do {
                    batch = try await gather()
                } catch {
                    logger.warning("stream read failed", metadata: ["error": "\(error)"])
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: configuration.initialBackoff * 5) }
                    continue
                }
            }
            if batch.isEmpty { continue }
            for entry in batch.rejected { await deadLetter(entry) }
            if !batch.deliveries.isEmpty {
                let start = clock.now
                await handle(batch.deliveries)
                batchTimer.recordNanoseconds(Int64((clock.now - start).nanoseconds))
            }
        }
    }

    /// Reads the first entries (blocking up to `block`); unless that filled the batch, waits `batchWindow`
    /// and takes, without blocking, what arrived meanwhile.
    ///
    /// The window is waited here, not as a short `BLOCK`: Redis ends a blocked read's timeout only when its
    /// event loop wakes (10 times a second by default), so on a quiet server `BLOCK 5` lasts up to 100 ms.
    private func gather() async throws -> StreamReader<Message>.Batch {
        var batch = try await reader.readNew(count: configuration.batchSize, block: configuration.block)
        let full = batch.count >= configuration.batchSize
        guard !batch.isEmpty, !full, configuration.batchWindow != .zero else { return batch }
        try? await Task.sleep(for: configuration.batchWindow)
        let more = try await reader.readNew(count: configuration.batchSize - batch.count, block: nil)
        batch.deliveries += more.deliveries
        batch.rejected += more.rejected
        return batch
    }

    private func handle(_ deliveries: [Delivery<Message>]) async {
        var backoff = configuration.initialBackoff
        var warned = false
        var failures = 0
        while true {
            do {
                let refused = try await handler(deliveries)
                let accepted = deliveries.filter { refused[$0.id] == nil }.map(\.id)
                try await retrying("acknowledging a batch") { try await reader.ack(accepted) }
                handled.increment(by: accepted.count)
                for delivery in deliveries {
                    if let reason = refused[delivery.id] {
                        await deadLetter(Rejected(entry: delivery.entry, reason: reason, deliveries: delivery.deliveries))
                    }
                }
                if warned { logger.info("batch handled after retrying") }
                return
            } catch  where isPoison(error) {
                if deliveries.count == 1 {
                    await deadLetter(Rejected(entry: deliveries[0].entry, reason: "\(error)", deliveries: deliveries[0].deliveries))
                    return
                }
                let middle = deliveries.count / 2
                await handle(Array(deliveries[..<middle]))
                await handle(Array(deliveries[middle...]))
                return
            } catch {
                if !isOutage(error) {
                    failures += 1
                    if failures >= configuration.maximumAttempts {
                        if deliveries.count == 1 {
                            let reason = "failed \(failures) times: \(error)"
                            await deadLetter(Rejected(entry: deliveries[0].entry, reason: reason, deliveries: deliveries[0].deliveries))
                            return
                        }
                        logger.warning("batch keeps failing; splitting it", metadata: ["error": "\(error)", "batch.size": "\(deliveries.count)"])
                        let middle = deliveries.count / 2
                        await handle(Array(deliveries[..<middle]))
                        await handle(Array(deliveries[middle...]))
                        return
                    }
                }
                if !warned {
                    logger.warning("batch failed; retrying", metadata: ["error": "\(error)", "batch.size": "\(deliveries.count)"])
                    warned = true
                }
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                let delay = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
    }

    private func deadLetter(_ entry: Rejected) async {
        logger.warning("dead-lettered an entry", metadata: ["entry.id": "\(entry.entry.id)", "reason": "\(entry.reason)"])
        rejected.increment()
        try? await retrying("dead-lettering an entry") {
            try await deadLetters.add(entry, from: configuration.reader.stream, group: configuration.reader.group)
        }
    }

    /// Retries `operation` with backoff until it succeeds or the service shuts down.
    private func retrying(_ what: String, _ operation: () async throws -> Void) async throws {
        var backoff = configuration.initialBackoff
        while true {
            do {
                return try await operation()
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { throw error }
                logger.warning("\(what) failed; retrying", metadata: ["error": "\(error)"])
                let delay = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
    }
}

/// Thrown by a handler for an entry whose data can never be stored; the entry is dead-lettered with this reason.
public struct PoisonMessage: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension Delivery {
    /// The entry as it arrived, for dead-lettering.
    var entry: StreamEntry { StreamEntry(id: id, fields: fields) }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
