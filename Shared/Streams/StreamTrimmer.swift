import Contracts
public import Logging
public import RedisClient
public import ServiceLifecycle

/// Keeps streams bounded by trimming only entries every consumer group has acknowledged.
///
/// The trim point of a stream is the lowest of, per group, its lowest pending id (or, with nothing
/// pending, the id after its last delivered one). A stream with no group yet is left alone.
public struct StreamTrimmer: Service {
    private let redis: RedisPool
    private let streams: [String]
    private let interval: Duration
    private let logger: Logger

    /// Trims `streams` every `interval`.
    public init(redis: RedisPool, streams: [String], interval: Duration = .seconds(30), logger: Logger) {
        self.redis = redis
        self.streams = streams
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
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
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
