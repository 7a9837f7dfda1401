public import Contracts
import FoundationEssentials
public import Logging
public import RedisClient
public import ServiceLifecycle

/// Publishes this instance's `WorkerHeartbeat` every few seconds with a TTL, and withdraws it on shutdown.
///
/// A process that dies stops refreshing; its key expires and the monitor shows it as lost
/// (its id stays in the index with its last-seen time).
public struct Heartbeat: Service {
    private let redis: RedisPool
    private let identity: ServiceIdentity
    private let stats: WorkerStats
    private let interval: Duration
    private let logger: Logger
    private let awaitsAddress: Bool

    /// A heartbeat for `identity`, refreshed every `interval`; the key lives five intervals. With
    /// `awaitsAddress` the first beat waits (up to 10 s) for the server's address, so nobody finds a
    /// registered instance they cannot call.
    public init(
        redis: RedisPool, identity: ServiceIdentity, stats: WorkerStats, interval: Duration, logger: Logger, awaitsAddress: Bool = false
    ) {
        self.redis = redis
        self.identity = identity
        self.stats = stats
        self.interval = interval
        self.logger = logger
        self.awaitsAddress = awaitsAddress
    }

    public func run() async throws {
        if awaitsAddress {
            let deadline = ContinuousClock.now + .seconds(10)
            while stats.rpcAddress == nil, ContinuousClock.now < deadline, !Task.isShuttingDownGracefully, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        var healthy = true
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await publish()
                if !healthy { logger.info("heartbeat restored") }
                healthy = true
            } catch {
                if healthy { logger.warning("heartbeat failed", metadata: ["error": "\(error)"]) }
                healthy = false
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        _ = try? await redis.pipeline([
            ["DEL", .init(RedisKeys.worker(identity.instanceID))],
            ["ZREM", .init(RedisKeys.workerIndex), .init(identity.instanceID)],
        ])
    }

    /// The heartbeat as it is now.
    public func current() -> WorkerHeartbeat {
        WorkerHeartbeat(
            instanceID: identity.instanceID,
            service: identity.service,
            broker: identity.broker,
            host: identity.host,
            pid: identity.pid,
            version: identity.version,
            startedAt: identity.startedAt,
            lastSeen: Date(),
            inFlight: stats.inFlight,
            processed: stats.processed,
            failed: stats.failed,
            rpcAddress: stats.rpcAddress
        )
    }

    private func publish() async throws {
        let beat = current()
        let ttl = interval * 5
        let replies = try await redis.pipeline([
            ["SET", .init(RedisKeys.worker(identity.instanceID)), .init(bytes: try JSONCoding.encode(beat)), "PX", .init(ttl.wholeMilliseconds)],
            ["ZADD", .init(RedisKeys.workerIndex), .init(Int(beat.lastSeen.timeIntervalSince1970 * 1000)), .init(identity.instanceID)],
        ])
        for case .error(let message) in replies { throw HeartbeatError(message: message) }
    }
}

struct HeartbeatError: Error, CustomStringConvertible {
    let message: String
    var description: String { "redis refused the heartbeat: \(message)" }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    public var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
