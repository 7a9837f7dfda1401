import Contracts
import Foundation
import Logging
import RedisClient
import Streams
import Synchronization
import TestSupport
import Testing

/// What a stream consumer does with a batch that keeps failing, and how long dead letters stay.
@Suite("Stream consumers: bounded retries and bounded dead letters")
struct StreamConsumerBoundsTests {
    struct Unforeseen: Error, CustomStringConvertible {
        var description: String { "a fault nobody foresaw" }
    }

    struct Outage: Error {}

    @Test("a batch failing for a reason that is neither bad data nor an outage is split after its tries; only the entry at fault is dead-lettered")
    func splitAfterTries() async throws {
        let server = try await RedisServer()
        let redis = RedisPool(configuration: server.configuration)
        defer { redis.close() }
        let stream = "psync:test:events"
        let events = (1...10).map { Event(kind: .runJobsDone, runID: $0) }
        try await StreamPublisher(redis: redis).publish(events.map { ($0, stream) })
        var configuration = BatchConsumer<Event>.Configuration(reader: .init(stream: stream, group: "g", consumer: "c"))
        configuration.maximumAttempts = 3
        configuration.initialBackoff = .milliseconds(5)
        configuration.batchSize = 10
        let handled = Counts()
        let outages = Counts()
        let consumer = BatchConsumer<Event>(
            redis: redis, configuration: configuration, logger: Logger(label: "test"), isOutage: { $0 is Outage },
            handler: { batch in
                // The first two tries meet an outage, which never counts; then run 7 always fails.
                if outages.add(1) <= 2 { throw Outage() }
                if batch.contains(where: { $0.message.runID == 7 }) { throw Unforeseen() }
                _ = handled.add(batch.count)
                return [:]
            })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            try await eventually("nine handled and one dead letter") {
                let letters = try await redis.xlen(StreamNames.deadLetters)
                return handled.value == 9 && letters == 1
            }
            group.cancelAll()
        }
        let letter = try #require(try await DeadLetterQueue(redis: redis).list(count: 5).first)
        #expect(letter.reason == "failed 3 times: a fault nobody foresaw")
        #expect(try await redis.pendingSummary(stream, group: "g").count == 0)
        await server.stop()
    }

    @Test("dead letters older than the retention go, and at most the newest N stay")
    func deadLetterRetention() async throws {
        let server = try await RedisServer()
        let redis = RedisPool(configuration: server.configuration)
        defer { redis.close() }
        let now = Date()
        let old = Int64(now.timeIntervalSince1970 * 1000) - 3 * 86_400_000
        for index in 0..<4 { _ = try await redis.xadd(StreamNames.deadLetters, id: "\(old + Int64(index))-0", fields: [("reason", "old")]) }
        for _ in 0..<5 { _ = try await redis.xadd(StreamNames.deadLetters, fields: [("reason", "new")]) }
        let trimmer = StreamTrimmer(redis: redis, streams: [], logger: Logger(label: "test"))
        let retention = StreamTrimmer.Retention(stream: StreamNames.deadLetters, maximumAge: .seconds(2 * 86_400), maximumLength: 3)
        #expect(try await trimmer.trim(retention, now: now) == 6)
        let left = try await redis.xrange(StreamNames.deadLetters)
        #expect(left.count == 3 && left.allSatisfy { $0.fields["reason"].map { String(decoding: $0, as: UTF8.self) } == "new" })
        await server.stop()
    }
}

/// A counter shared with a handler.
final class Counts: Sendable {
    private let count = Mutex(0)
    /// Adds `n`; returns the new total.
    func add(_ n: Int) -> Int {
        count.withLock { total in
            total += n
            return total
        }
    }
    var value: Int { count.withLock { $0 } }
}
