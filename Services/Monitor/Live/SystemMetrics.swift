import Contracts
import CurlClient
import FoundationEssentials
import Logging
import Metrics
import RPC
import RedisClient
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Refreshes the monitor's gauges for the whole system every few seconds: queue depth, lag and pending per stream and group,
/// dead letters, workers alive, runs by status, and jobs by broker and status (from persistence).
struct SystemMetrics: Service {
    let data: MonitorData
    let http: HTTPClient
    let registry: MetricsRegistry
    /// The service token, to scrape the workers' `/metrics`.
    let token: String?
    /// Checks a worker's address before the token goes there (heartbeats can be forged by whoever writes to Redis).
    let verifier: WorkerVerifier
    let trusted = TrustedAddresses()
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var healthy = true
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await refresh()
                healthy = true
            } catch {
                if healthy { logger.warning("system metrics refresh failed", metadata: ["error": "\(error)"]) }
                healthy = false
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    func refresh() async throws {
        let workers = try await data.workers.list()
        var alive: [String: Int] = [:]
        for worker in workers where worker.state == "alive" {
            alive["\(worker.heartbeat.service)|\(worker.heartbeat.broker ?? "")", default: 0] += 1
        }
        for worker in workers {
            let key = "\(worker.heartbeat.service)|\(worker.heartbeat.broker ?? "")"
            alive[key] = alive[key] ?? 0
        }
        for (key, count) in alive {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            Gauge(label: "psync_workers_alive", dimensions: [("service", parts[0]), ("broker", parts[1])]).record(count)
        }
        Gauge(label: "psync_workers_lost").record(workers.filter { $0.state != "alive" }.count)
        registry.setAppendix(MetricsFederation.merge(await scrape(workers.filter { $0.state == "alive" && $0.heartbeat.service != "psync-monitor" })))
        let brokers = workers.compactMap { $0.state == "alive" ? $0.heartbeat.broker : nil }
        for queue in try await data.queues.all(extraBrokers: brokers) {
            let stream = [("stream", queue.stream)]
            Gauge(label: "psync_stream_length", dimensions: stream).record(queue.length)
            if let delayed = queue.delayed { Gauge(label: "psync_delayed_jobs", dimensions: [("broker", queue.broker ?? "")]).record(delayed) }
            if let paused = queue.paused { Gauge(label: "psync_queue_paused", dimensions: [("broker", queue.broker ?? "")]).record(paused ? 1 : 0) }
            Gauge(label: "psync_stream_oldest_waiting_seconds", dimensions: stream).record(queue.oldestWaitingSeconds ?? 0)
            for group in queue.groups {
                let dimensions = stream + [("group", group.name)]
                Gauge(label: "psync_stream_pending", dimensions: dimensions).record(group.pending)
                if let lag = group.lag { Gauge(label: "psync_stream_lag", dimensions: dimensions).record(lag) }
            }
        }
        Gauge(label: "psync_dead_letters").record(try await data.redis.xlen(StreamNames.deadLetters))
        let statistics = try await data.statistics()
        for status in RunStatus.allCases {
            Gauge(label: "psync_runs", dimensions: [("status", status.rawValue)]).record(statistics.runs[status.rawValue] ?? 0)
        }
        for (outcome, count) in statistics.runOutcomes {
            Gauge(label: "psync_runs_finished", dimensions: [("outcome", outcome)]).record(count)
        }
        for count in statistics.jobs {
            Gauge(label: "psync_jobs", dimensions: [("broker", count.brokerCode), ("status", count.status.rawValue)]).record(count.count)
        }
    }

    /// Each worker's `/metrics` text; a worker that does not answer in 3 s is left out of this round.
    private func scrape(_ workers: [WorkerView]) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            for worker in workers {
                guard let address = worker.heartbeat.rpcAddress else { continue }
                group.addTask {
                    var headers: [(String, String)] = []
                    if let token {
                        guard await trusted.check(address, { try await verifier.verify(address, token: token) }) else { return nil }
                        headers.append(("Authorization", "Bearer \(token)"))
                    }
                    let request = HTTPClientRequest(url: address + "/metrics", headers: headers, timeout: .seconds(3))
                    guard let response = try? await http.execute(request), response.status == 200 else { return nil }
                    return response.text
                }
            }
            var texts: [String] = []
            for await text in group { if let text { texts.append(text) } }
            return texts
        }
    }
}

/// Worker addresses that proved themselves lately, so each is checked once every 5 minutes, not every scrape.
final class TrustedAddresses: Sendable {
    private let proven = Mutex<[String: ContinuousClock.Instant]>([:])

    /// Whether `address` is trusted: proven in the last 5 minutes, or proving itself now through `verify`.
    func check(_ address: String, _ verify: () async throws -> Void) async -> Bool {
        let now = ContinuousClock.now
        if let at = proven.withLock({ $0[address] }), now - at < .seconds(300) { return true }
        do {
            try await verify()
        } catch {
            return false
        }
        proven.withLock { proven in
            if proven.count > 1000 { proven.removeAll() }
            proven[address] = now
        }
        return true
    }
}
