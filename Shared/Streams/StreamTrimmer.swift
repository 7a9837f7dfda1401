import Contracts
public import FoundationEssentials
public import Logging
public import RedisClient
public import ServiceLifecycle

/// Keeps streams bounded by trimming only entries every consumer group has acknowledged.
///
/// The trim point of a stream is the lowest of, per group, its lowest pending id (or, with nothing
/// pending, the id after its last delivered one). A stream with no group yet is left alone.
///
/// Streams people read rather than consume (the dead letters) are kept by `Retention` instead: entries older than
/// its age go, and the newest `maximumLength` stay whatever their age, so a flood of bad input cannot fill Redis.
public struct StreamTrimmer: Service {
    /// How long a stream without consumers keeps its entries, and how many it keeps at most.
    public struct Retention: Sendable {
        public var stream: String
        public var maximumAge: Duration
        public var maximumLength: Int

        public init(stream: String, maximumAge: Duration, maximumLength: Int) {
            self.stream = stream
            self.maximumAge = maximumAge
            self.maximumLength = maximumLength
        }
    }

    private let redis: RedisPool
    private let streams: [String]
    private let retained: [Retention]
    private let interval: Duration
    private let logger: Logger

    /// Trims `streams` behind their consumer groups, and `retained` by age and length, every `interval`.
    public init(redis: RedisPool, streams: [String], retained: [Retention] = [], interval: Duration = .seconds(30), logger: Logger) {
        self.redis = redis
        self.streams = streams
        self.retained = retained
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for stream in streams {
                do {
                    try await trim(stream)
                } catch {
                    logger.debug("stream trim failed", metadata: ["stream": "\(stream)", "error": "\(error)"])
                }
            }
            for retention in retained {
                do {
                    try await trim(retention, now: Date())
                } catch {
                    logger.debug("stream trim failed", metadata: ["stream": "\(retention.stream)", "error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Drops `retention.stream`'s entries older than its age (their ids are their times) and beyond its length.
    @discardableResult
    public func trim(_ retention: Retention, now: Date) async throws -> Int {
        let age = Double(retention.maximumAge.components.seconds)
        let oldest = max(0, Int64((now.timeIntervalSince1970 - age) * 1000))
        let aged = try await redis.xtrim(retention.stream, .minID(StreamID(milliseconds: UInt64(oldest), sequence: 0), exact: true))
        return aged + (try await redis.xtrim(retention.stream, .maxLength(retention.maximumLength, exact: true)))
    }

    /// Trims one stream now; returns how many entries went.
    @discardableResult
    public func trim(_ stream: String) async throws -> Int {
        guard let point = try await safeTrimPoint(stream) else { return 0 }
        return try await redis.xtrim(stream, .minID(point))
    }

    /// The lowest id some group still needs, or `nil` when nothing may be trimmed.
    public func safeTrimPoint(_ stream: String) async throws -> StreamID? {
        let groups = try await redis.groupInfo(stream)
        guard !groups.isEmpty else { return nil }
        var point: StreamID?
        for group in groups {
            let pending = try await redis.pendingSummary(stream, group: group.name)
            let needed = pending.lowestID ?? StreamID(milliseconds: group.lastDeliveredID.milliseconds, sequence: group.lastDeliveredID.sequence + 1)
            point = point.map { min($0, needed) } ?? needed
        }
        return point
    }
}
