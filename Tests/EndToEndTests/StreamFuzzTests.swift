import Contracts
import Foundation
import RedisClient
import Streams
import TestSupport
import Testing

/// Random, truncated, wrong-version and oversized entries on every stream a consumer group reads:
/// each ends as a dead letter with a reason, and the consumers keep going.
@Suite("Stream consumers survive fuzzed entries")
struct StreamFuzzTests {
    /// A small deterministic generator, so a failure can be replayed from its seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Bad entries for a stream whose messages are `type` at version 1: each kind of damage once, then random ones.
    static func badEntries(type: String, validBody: String, count: Int, random: inout SplitMix) -> [[(String, RedisArgument)]] {
        var entries: [[(String, RedisArgument)]] = [
            [("garbage", "yes")],
            [("type", .init(type)), ("v", "1")],
            [("type", .init(type)), ("v", "1"), ("body", .init(String(validBody.prefix(validBody.count / 2))))],
            [("type", .init(type)), ("v", "2"), ("body", .init(validBody))],
            [("type", .init(type)), ("v", "one"), ("body", .init(validBody))],
            [("type", "no.such.message"), ("v", "1"), ("body", .init(validBody))],
            [("type", .init(type)), ("v", "1"), ("body", .init(bytes: [UInt8](repeating: UInt8(ascii: "["), count: 9 << 20)))],
            [("type", .init(type)), ("v", "1"), ("body", "[]")],
            [("type", .init(type)), ("v", "1"), ("body", "null")],
        ]
        while entries.count < count {
            let length = Int.random(in: 0...300, using: &random)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let cut = Int.random(in: 0...validBody.utf8.count, using: &random)
            entries.append(
                Bool.random(using: &random)
                    ? [("type", .init(type)), ("v", "1"), ("body", .init(bytes: bytes))]
                    : [("type", .init(type)), ("v", "1"), ("body", .init(bytes: Array(validBody.utf8.prefix(cut)) + bytes))])
        }
        return entries
    }

    @Test("dispatch, jobs and events entries that are random, truncated, of another version or oversized are dead-lettered; work goes on")
    func fuzzEveryStream() async throws {
        let stack = try await Stack.start()
        do {
            try await stack.launch("psync-brokersim")
            try await stack.launch("psync-dispatcher")
            try await stack.launchGateway("SANDBOX")
            _ = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": "fuzz-\($0)"] }
            var random = SplitMix(state: 20_261_125)
            let perStream = 25
            let streams: [(String, String, String)] = [
                (StreamNames.dispatch, "fire", #"{"scheduleID":1,"fireTime":"2026-11-25T00:00:00Z","scope":{"kind":"all"},"actions":["holdings"],"fence":1}"#),
                (StreamNames.jobs(broker: "SANDBOX"), "job", #"{"jobID":1,"runID":1,"accountID":1,"brokerCode":"SANDBOX","action":"holdings","attempt":1}"#),
                (StreamNames.events, "event", #"{"kind":"job.succeeded","runID":1,"jobID":1,"at":"2026-11-25T00:00:00Z"}"#),
            ]
            let letters = DeadLetterQueue(redis: stack.redis)
            let before = try await letters.count()
            for (stream, type, body) in streams {
                for fields in Self.badEntries(type: Self.messageType(on: stream) ?? type, validBody: body, count: perStream, random: &random) {
                    try await stack.redis.xadd(stream, fields: fields)
                }
            }
            let expected = before + perStream * streams.count
            try await eventually(timeout: .seconds(30), "every fuzzed entry dead-lettered") { try await letters.count() >= expected }
            let dead = try await letters.list(count: expected + 10)
            #expect(dead.allSatisfy { !$0.reason.isEmpty }, "a dead letter without a reason")
            for (stream, _, _) in streams {
                #expect(dead.filter { $0.originStream == stream }.count >= perStream, "\(stream): \(dead.filter { $0.originStream == stream }.count) dead letters")
            }
            // The consumers kept going: a real run still goes through dispatcher, gateway and persistence.
            let (run, _) = try await stack.enqueueRun(.all)
            let detail = try await stack.waitForRun(run.id)
            #expect(detail.run.counts.succeeded == 3)
            for product in ["psync-persistence", "psync-dispatcher"] { #expect(stack.running(product).count == 1, "\(product) died") }
            #expect(stack.running("psync-gateway", arguments: ["--broker", "SANDBOX"]).count == 1, "the gateway died")
        } catch {
            Issue.record("\(error)\n\(stack.logs())")
        }
        await stack.stop()
    }

    /// The message type a stream carries, from the contracts, so the fuzz hits the real decoder past the type check.
    static func messageType(on stream: String) -> String? {
        switch stream {
        case StreamNames.dispatch: FireMessage.messageType
        case StreamNames.jobs(broker: "SANDBOX"): JobMessage.messageType
        case StreamNames.events: Event.messageType
        default: nil
        }
    }
}
