import Contracts
import FoundationEssentials
import RedisClient

/// Streams, groups and consumers as XINFO reports them, with each broker's delayed retries and pause flag.
struct QueueInspector: Sendable {
    let redis: RedisPool

    /// The system streams shown beside the brokers' job streams.
    static let systemStreams = [StreamNames.dispatch, StreamNames.results, StreamNames.events, StreamNames.deadLetters]

    /// Brokers that have a job stream, a delayed set or a pause flag, plus `extra` (brokers with live gateways).
    func brokers(extra: [String] = []) async throws -> [String] {
        var found = Set(extra.map { $0.uppercased() })
        for pattern in ["psync:{broker:*}:jobs", "psync:{broker:*}:paused", "psync:{broker:*}:delayed"] {
            for key in try await redis.scanKeys(matching: pattern) {
                guard let start = key.firstRange(of: "{broker:"), let end = key.firstRange(of: "}:") else { continue }
                let code = String(key[start.upperBound..<end.lowerBound])
                if !code.isEmpty { found.insert(code) }
            }
        }
        return found.sorted()
    }

    /// Every broker queue, then the system streams.
    func all(extraBrokers: [String] = []) async throws -> [QueueView] {
        var views: [QueueView] = []
        for broker in try await brokers(extra: extraBrokers) { views.append(try await queue(broker: broker)) }
        for stream in Self.systemStreams { views.append(try await inspect(stream, broker: nil)) }
        return views
    }

    /// One broker's job queue.
    func queue(broker: String) async throws -> QueueView {
        try await inspect(StreamNames.jobs(broker: broker), broker: broker)
    }

    private func inspect(_ stream: String, broker: String?) async throws -> QueueView {
        let info = try await redis.streamInfo(stream)
        var groups: [GroupView] = []
        var oldest: Double?
        if let info {
            for group in try await redis.groupInfo(stream) {
                let consumers = try await redis.consumerInfo(stream, group: group.name).map {
                    ConsumerView(name: $0.name, pending: $0.pending, idleMilliseconds: $0.idle.milliseconds)
                }
                groups.append(GroupView(name: group.name, pending: group.pending, lag: group.lag, consumers: consumers))
                if group.lag != 0, let next = try await redis.xrange(stream, start: "(" + group.lastDeliveredID.description, count: 1).first {
                    let age = Date().timeIntervalSince1970 - Double(next.id.milliseconds) / 1000
                    oldest = max(oldest ?? 0, age)
                }
            }
            if groups.isEmpty, info.length > 0, let first = info.firstEntryID {
                oldest = Date().timeIntervalSince1970 - Double(first.milliseconds) / 1000
            }
        }
        var delayed: Int?
        var paused: Bool?
        if let broker {
            delayed = try await redis.zcard(StreamNames.delayed(broker: broker))
            paused = try await redis.exists(StreamNames.paused(broker: broker))
        }
        return QueueView(
            stream: stream, broker: broker, length: info?.length ?? 0, groups: groups, delayed: delayed, paused: paused,
            oldestWaitingSeconds: oldest.map { max(0, $0) })
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int {
        let (whole, attoseconds) = components
        return Int(whole) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
