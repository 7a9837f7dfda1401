import Synchronization

/// Live counters a service updates and its heartbeat publishes.
public final class WorkerStats: Sendable {
    private let inFlightCount = Atomic<Int>(0)
    private let processedCount = Atomic<Int>(0)
    private let failedCount = Atomic<Int>(0)
    private let address = Mutex<String?>(nil)

    /// All zero.
    public init() {}

    /// Work being done now.
    public var inFlight: Int { inFlightCount.load(ordering: .relaxed) }
    /// Work done successfully since start.
    public var processed: Int { processedCount.load(ordering: .relaxed) }
    /// Work failed since start.
    public var failed: Int { failedCount.load(ordering: .relaxed) }
    /// Where the RPC server listens, once it does.
    public var rpcAddress: String? {
        get { address.withLock { $0 } }
        set { address.withLock { $0 = newValue } }
    }

    /// Marks one unit of work started.
    public func started() { inFlightCount.add(1, ordering: .relaxed) }

    /// Marks one unit of work finished, successfully or not.
    public func finished(succeeded: Bool) {
        inFlightCount.subtract(1, ordering: .relaxed)
        if succeeded {
            processedCount.add(1, ordering: .relaxed)
        } else {
            failedCount.add(1, ordering: .relaxed)
        }
    }
}
