public import FoundationEssentials

/// What every running instance publishes about itself, refreshed every few seconds with a TTL.
public struct WorkerHeartbeat: Codable, Sendable, Equatable {
    /// Unique per process: `<service>-<host>-<pid>-<random>`.
    public var instanceID: String
    /// The executable (`psync-gateway` …).
    public var service: String
    /// The broker a gateway serves; `nil` for other services.
    public var broker: String?
    public var host: String
    public var pid: Int32
    public var version: String
    public var startedAt: Date
    /// When this heartbeat was written.
    public var lastSeen: Date
    /// Jobs or requests being worked on now.
    public var inFlight: Int
    /// Completed successfully since start.
    public var processed: Int
    /// Failed since start.
    public var failed: Int
    /// Where its RPC server listens (`http://127.0.0.1:7105`), for service discovery.
    public var rpcAddress: String?

    /// A heartbeat from its parts.
    public init(
        instanceID: String,
        service: String,
        broker: String?,
        host: String,
        pid: Int32,
        version: String,
        startedAt: Date,
        lastSeen: Date,
        inFlight: Int,
        processed: Int,
        failed: Int,
        rpcAddress: String?
    ) {
        self.instanceID = instanceID
        self.service = service
        self.broker = broker
        self.host = host
        self.pid = pid
        self.version = version
        self.startedAt = startedAt
        self.lastSeen = lastSeen
        self.inFlight = inFlight
        self.processed = processed
        self.failed = failed
        self.rpcAddress = rpcAddress
    }
}

/// Redis key names shared by every service. Each carries a hash tag so related keys share a cluster slot.
public enum RedisKeys {
    /// One key per live instance, holding its JSON heartbeat, expiring when it stops refreshing.
    public static func worker(_ instanceID: String) -> String { "psync:{workers}:\(instanceID)" }
    /// Sorted set of instance ids scored by last heartbeat (ms since epoch), so silent instances show as lost.
    public static let workerIndex = "psync:{workers}:index"
}
