import Foundation
import RedisClient
import TestSupport
import Testing

@Suite("Redis Streams with consumer groups")
struct RedisStreamTests {
    let redis: RedisPool

    init() async throws {
        redis = RedisPool(configuration: try await TestServers.redis().configuration, size: 4)
    }

    private func stream() -> String { "test:{stream-\(UUID().uuidString)}:jobs" }

    @Test("XADD, XREADGROUP, XACK round trip")
    func roundTrip() async throws {
        let stream = stream()
        #expect(try await redis.createGroup(stream, group: "workers", startingAt: "0"))
        #expect(try await redis.createGroup(stream, group: "workers", startingAt: "0") == false)
        var ids: [StreamID] = []
        for index in 0..<5 {
            ids.append(try await redis.xadd(stream, fields: [("job", .init("job-\(index)")), ("blob", .init(bytes: [0, 1, 2]))]))
        }
        #expect(ids == ids.sorted())
        let entries = try await redis.readGroup(stream, group: "workers", consumer: "a", count: 3, block: .milliseconds(100))
        #expect(entries.map(\.id) == Array(ids.prefix(3)))
        #expect(entries.first?.string("job") == "job-0")
        #expect(entries.first?.fields["blob"] == [0, 1, 2])
        #expect(try await redis.pendingSummary(stream, group: "workers").count == 3)
        #expect(try await redis.ack(stream, group: "workers", ids: entries.map(\.id)) == 3)
        let rest = try await redis.readGroup(stream, group: "workers", consumer: "b", count: 10)
        #expect(rest.map(\.id) == Array(ids.suffix(2)))
        #expect(try await redis.readGroup(stream, group: "workers", consumer: "b", block: .milliseconds(50)).isEmpty)
        let summary = try await redis.pendingSummary(stream, group: "workers")
        #expect(summary.count == 2 && summary.consumers == ["b": 2])
    }

    @Test("a blocked XREADGROUP wakes as soon as an entry is added")
    func blockingRead() async throws {
        let stream = stream()
        try await redis.createGroup(stream, group: "g")
        let reader = redis.dedicatedConnection(name: "blocked-reader")
        async let delivered = reader.readGroup(stream, group: "g", consumer: "c", count: 1, block: .seconds(5))
        try await Task.sleep(for: .milliseconds(100))
        let id = try await redis.xadd(stream, fields: [("k", "v")])
        let clock = ContinuousClock()
        let start = clock.now
        let entries = try await delivered
        #expect(entries.map(\.id) == [id])
        #expect(clock.now - start < .seconds(2))
    }

    @Test("a consumer that dies leaves pending entries that XAUTOCLAIM hands to another")
    func autoClaim() async throws {
        let stream = stream()
        try await redis.createGroup(stream, group: "g", startingAt: "0")
        for index in 0..<4 { try await redis.xadd(stream, fields: [("n", .init(index))]) }
        let taken = try await redis.readGroup(stream, group: "g", consumer: "dead", count: 4)
        #expect(taken.count == 4)
        // "dead" never acks. Nothing is idle long enough yet:
        #expect(try await redis.autoClaim(stream, group: "g", consumer: "alive", minIdle: .seconds(60)).entries.isEmpty)
        try await eventually("entries to be idle 200 ms") {
            try await redis.pending(stream, group: "g", idleAtLeast: .milliseconds(200)).count == 4
        }
        let claimed = try await redis.autoClaim(stream, group: "g", consumer: "alive", minIdle: .milliseconds(200))
        #expect(claimed.entries.map(\.id) == taken.map(\.id))
        #expect(claimed.entries.first?.string("n") == "0")
        let pending = try await redis.pending(stream, group: "g")
        #expect(pending.allSatisfy { $0.consumer == "alive" && $0.deliveries == 2 })
        #expect(try await redis.ack(stream, group: "g", ids: claimed.entries.map(\.id)) == 4)
    }

    @Test("renewing a claim keeps a live consumer's entry from being reclaimed")
    func renewClaim() async throws {
        let stream = stream()
        try await redis.createGroup(stream, group: "g", startingAt: "0")
        let id = try await redis.xadd(stream, fields: [("n", "1")])
        _ = try await redis.readGroup(stream, group: "g", consumer: "busy")
        // Four seconds of idleness: a loaded machine may stall between the renewal and the theft (over a second was seen
        // in a make test beside a chaos run, 2026-12-03), never that long.
        try await eventually(timeout: .seconds(20), "the entry to be idle") {
            try await redis.pending(stream, group: "g", idleAtLeast: .seconds(4)).count == 1
        }
        #expect(try await redis.renewClaim(stream, group: "g", consumer: "busy", ids: [id]) == [id])
        let claimed = try await redis.autoClaim(stream, group: "g", consumer: "thief", minIdle: .seconds(4))
        #expect(claimed.entries.isEmpty)
        #expect(try await redis.pending(stream, group: "g").first?.deliveries == 1)
    }

    @Test("XINFO, XDEL, trimming and XRANGE")
    func infoAndTrimming() async throws {
        let stream = stream()
        try await redis.createGroup(stream, group: "g", startingAt: "0")
        var ids: [StreamID] = []
        for index in 0..<10 { ids.append(try await redis.xadd(stream, fields: [("n", .init(index))])) }
        _ = try await redis.readGroup(stream, group: "g", consumer: "c1", count: 4)
        let groups = try await redis.groupInfo(stream)
        #expect(groups.map(\.name) == ["g"])
        #expect(groups[0].pending == 4 && groups[0].lag == 6 && groups[0].lastDeliveredID == ids[3])
        let consumers = try await redis.consumerInfo(stream, group: "g")
        #expect(consumers.map(\.name) == ["c1"] && consumers[0].pending == 4)
        let info = try #require(try await redis.streamInfo(stream))
        #expect(info.length == 10 && info.groups == 1 && info.firstEntryID == ids[0] && info.lastEntryID == ids[9])
        #expect(try await redis.streamInfo(stream + ":missing") == nil)
        #expect(try await redis.xdel(stream, ids: [ids[9]]) == 1)
        #expect(try await redis.xtrim(stream, .minID(ids[2], exact: true)) == 2)
        try await redis.xadd(stream, fields: [("n", "x")], trim: .maxLength(5, exact: true))
        #expect(try await redis.xlen(stream) == 5)
        let newest = try await redis.xrange(stream, count: 2, reverse: true)
        #expect(newest.count == 2 && newest[0].string("n") == "x")
    }

    @Test("stream ids parse and order")
    func streamIDs() {
        #expect(StreamID("1700000000000-3") == StreamID(milliseconds: 1_700_000_000_000, sequence: 3))
        #expect(StreamID("5") == StreamID(milliseconds: 5))
        #expect(StreamID("x-1") == nil && StreamID("1-2-3") == nil)
        #expect(StreamID(milliseconds: 1, sequence: 9) < StreamID(milliseconds: 2, sequence: 0))
    }
}
