import Contracts
import FoundationEssentials
import RedisClient
import Synchronization

/// Every instance from its heartbeat; one whose heartbeat expired without a clean stop is listed as lost.
///
/// A clean stop removes the instance from the index, so only crashes and hangs show as lost. The last
/// heartbeat seen is remembered here; after a monitor restart a lost instance is rebuilt from its id.
final class WorkerDirectory: Sendable {
    private let redis: RedisPool
    private let lostAfter: Duration
    private let forgetAfter: Duration
    private let lastSeen = Mutex<[String: WorkerHeartbeat]>([:])

    init(redis: RedisPool, lostAfter: Duration, forgetAfter: Duration) {
        self.redis = redis
        self.lostAfter = lostAfter
        self.forgetAfter = forgetAfter
    }

    func list(_ filter: ListWorkers = ListWorkers()) async throws -> [WorkerView] {
        let now = Date()
        let oldest = (now.timeIntervalSince1970 - forgetAfter.seconds) * 1000
        _ = try await redis.zremRangeByScore(RedisKeys.workerIndex, min: -.infinity, max: oldest)
        let index = try await redis.zrangeByScore(RedisKeys.workerIndex, min: oldest)
        let ids = index.map { String(decoding: $0.member, as: UTF8.self) }
        guard !ids.isEmpty else { return [] }
        let reply = try await redis.send(["MGET"] + ids.map { RedisArgument(RedisKeys.worker($0)) })
        let values = reply.array ?? []
        let listed = Set(ids)
        lastSeen.withLock { cache in cache = cache.filter { listed.contains($0.key) } }
        var views: [WorkerView] = []
        for (position, entry) in index.enumerated() {
            let id = ids[position]
            let lastBeat = Date(timeIntervalSince1970: entry.score / 1000)
            if position < values.count, let bytes = values[position].bytes, let beat = try? JSONCoding.decode(WorkerHeartbeat.self, from: bytes) {
                lastSeen.withLock { $0[id] = beat }
                let silent = now.timeIntervalSince(beat.lastSeen) > lostAfter.seconds
                views.append(WorkerView(heartbeat: beat, state: silent ? "lost" : "alive"))
            } else {
                var beat = lastSeen.withLock { $0[id] } ?? Self.reconstruct(id)
                beat.lastSeen = lastBeat
                beat.inFlight = 0
                views.append(WorkerView(heartbeat: beat, state: "lost"))
            }
        }
        return views.filter { view in
            (filter.service == nil || view.heartbeat.service == filter.service)
                && (filter.broker == nil || view.heartbeat.broker?.uppercased() == filter.broker?.uppercased())
                && (filter.includeLost ?? true || view.state == "alive")
        }.sorted {
            ($0.heartbeat.service, $0.heartbeat.broker ?? "", $0.heartbeat.instanceID) < (
                $1.heartbeat.service, $1.heartbeat.broker ?? "", $1.heartbeat.instanceID
            )
        }
    }

    /// A heartbeat rebuilt from an instance id (`<service>[-<broker>]-<host>-<pid>-<suffix>`), for one lost before this monitor saw it.
    static func reconstruct(_ id: String) -> WorkerHeartbeat {
        var parts = id.split(separator: "-").map(String.init)
        var pid: Int32 = 0
        if parts.count >= 4 {
            parts.removeLast()
            pid = Int32(parts.removeLast()) ?? 0
        }
        let service = parts.prefix(2).joined(separator: "-")
        var rest = Array(parts.dropFirst(2))
        var broker: String?
        if service == "psync-gateway", !rest.isEmpty { broker = rest.removeFirst().uppercased() }
        return WorkerHeartbeat(
            instanceID: id, service: service, broker: broker, host: rest.joined(separator: "-"), pid: pid, version: "?",
            startedAt: Date(timeIntervalSince1970: 0), lastSeen: Date(timeIntervalSince1970: 0), inFlight: 0, processed: 0, failed: 0,
            rpcAddress: nil)
    }
}

extension Duration {
    /// In seconds, with fractions.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
