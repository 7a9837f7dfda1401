import Contracts
import Logging
import RedisClient
import ServiceLifecycle
import Streams
import Synchronization

/// Collects events and appends them to `psync:events` in one pipelined round trip every 50 ms,
/// so announcing a job costs it nothing on its own path.
final class EventBuffer: Service, Sendable {
    private let redis: RedisPool
    private let logger: Logger
    private let pending = Mutex<[Event]>([])

    init(redis: RedisPool, logger: Logger) {
        self.redis = redis
        self.logger = logger
    }

    func add(_ event: Event) {
        pending.withLock { $0.append(event) }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(50)) }
            await flush()
        }
        await flush()
    }

    func flush() async {
        let events = pending.withLock { events in
            defer { events.removeAll(keepingCapacity: true) }
            return events
        }
        guard !events.isEmpty else { return }
        do {
            try await StreamPublisher(redis: redis).publish(events.map { ($0, StreamNames.events) }, requestID: nil)
        } catch {
            logger.debug("events not published", metadata: ["error": "\(error)", "events": "\(events.count)"])
        }
    }
}
