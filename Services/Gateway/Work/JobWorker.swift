import Contracts
import FoundationEssentials
import Logging
import Metrics
import RedisClient
import ServiceKit
import ServiceLifecycle
import Streams
import Synchronization

/// Consumes the broker's job stream: reads only as many jobs as it has free slots (no hoarding),
/// runs them concurrently, writes each outcome in one pipelined round trip, takes over jobs a dead
/// replica left behind, keeps its own long jobs from looking abandoned, and on shutdown stops
/// reading, lets in-flight jobs finish until a deadline, then hands the rest back for others.
struct JobWorker: Service {
    struct Configuration: Sendable {
        var broker: String
        var consumer: String
        var concurrency: Int
        var claimIdle: Duration
        var maxDeliveries: Int
        var drainTimeout: Duration
        /// Results waiting in Redis for persistence above which this replica takes no new jobs; 0 = no limit.
        var resultsBacklogLimit = 0
    }

    let configuration: Configuration
    let redis: RedisPool
    let runner: JobRunner
    let credentials: CredentialCache
    let stats: WorkerStats
    let logger: Logger

    private var stream: String { StreamNames.jobs(broker: configuration.broker) }

    func run() async throws {
        var reader = StreamReader<JobMessage>.Configuration(stream: stream, group: StreamNames.Group.gateway, consumer: configuration.consumer)
        reader.claimIdle = configuration.claimIdle
        reader.maxDeliveries = configuration.maxDeliveries
        let jobs = StreamReader<JobMessage>(redis: redis, configuration: reader)
        let deadLetters = DeadLetterQueue(redis: redis)
        while true {
            do {
                try await jobs.ensureGroup()
                break
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                logger.warning("cannot create the job stream's group; retrying", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
        let slots = Slots(configuration.concurrency)
        let inFlight = InFlightJobs()
        let broker = configuration.broker
        let durations = Timer(label: "psync_job_duration_seconds", dimensions: [("broker", broker)])
        let outcomes = CounterFamily(label: "psync_jobs_total", fixed: [("broker", broker)], dimension: "outcome")
        let clock = ContinuousClock()
        await withDiscardingTaskGroup { group in
            var lastClaim = clock.now - configuration.claimIdle
            var lastRenewal = clock.now
            var paused = false
            var backlog = ResultsBacklog(limit: configuration.resultsBacklogLimit)
            var lastPauseCheck = clock.now - .seconds(2)
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let free = await withGracefulShutdownHandler {
                    await slots.waitForFree()
                } onGracefulShutdown: {
                    slots.wakeUp()
                }
                if Task.isShuttingDownGracefully { break }
                if clock.now - lastPauseCheck >= .milliseconds(200) {
                    let replies = try? await redis.pipeline([
                        ["EXISTS", .init(StreamNames.paused(broker: configuration.broker))], ["XLEN", .init(StreamNames.results)],
                    ])
                    paused = replies?.first?.int == 1
                    if let length = replies?.last?.int, let change = backlog.update(length) {
                        logger.log(
                            level: change ? .warning : .info,
                            change ? "results backlog over its limit; taking no new jobs" : "results backlog drained; taking jobs again",
                            metadata: ["results.backlog": "\(length)", "results.limit": "\(configuration.resultsBacklogLimit)"])
                    }
                    lastPauseCheck = clock.now
                }
                if paused || backlog.isFull {
                    let wait: Duration = paused ? .milliseconds(500) : .milliseconds(100)
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                    continue
                }
                if clock.now - lastRenewal > configuration.claimIdle / 3 {
                    let held = Array(inFlight.ids.withLock { $0 })
                    if !held.isEmpty { try? await jobs.renew(held) }
                    lastRenewal = clock.now
                }
                var batch = StreamReader<JobMessage>.Batch()
                do {
                    if clock.now - lastClaim > configuration.claimIdle / 2 {
                        lastClaim = clock.now
                        batch = try await jobs.claimAbandoned(count: free)
                        if !batch.isEmpty { logger.info("took over abandoned jobs", metadata: ["count": "\(batch.count)"]) }
                    }
                    // A short block, so a pause takes effect within a second.
                    if batch.isEmpty { batch = try await jobs.readNew(count: free, block: .milliseconds(500)) }
                } catch {
                    logger.warning("job stream read failed", metadata: ["error": "\(error)"])
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(500)) }
                    continue
                }
                for rejected in batch.rejected {
                    logger.warning("dead-lettered a job entry", metadata: ["entry.id": "\(rejected.entry.id)", "reason": "\(rejected.reason)"])
                    try? await deadLetters.add(rejected, from: stream, group: StreamNames.Group.gateway)
                }
                guard !batch.deliveries.isEmpty else { continue }
                var deliveries: [Delivery<JobMessage>] = []
                for delivery in batch.deliveries {
                    if delivery.message.brokerCode != configuration.broker {
                        let reason = "a \(delivery.message.brokerCode) job reached the \(configuration.broker) stream"
                        try? await deadLetters.add(
                            Rejected(entry: StreamEntry(id: delivery.id, fields: delivery.fields), reason: reason, deliveries: delivery.deliveries),
                            from: stream, group: StreamNames.Group.gateway)
                    } else {
                        deliveries.append(delivery)
                    }
                }
                guard !deliveries.isEmpty else { continue }
                // The batch's credentials and account leases in one call each; a job whose account is full (or all of
                // them, when Redis did not answer) waits for its lease on its own.
                try? await credentials.prefetch(deliveries.map(\.message.accountID))
                let leased =
                    (try? await runner.accounts.tryAcquire(deliveries.map { ($0.message.accountID, runner.leaseHolder($0)) }))
                    ?? Array(repeating: false, count: deliveries.count)
                for (delivery, leased) in zip(deliveries, leased) {
                    slots.take()
                    inFlight.ids.withLock { _ = $0.insert(delivery.id) }
                    stats.started()
                    group.addTask {
                        defer {
                            inFlight.ids.withLock { _ = $0.remove(delivery.id) }
                            slots.release()
                        }
                        let started = ContinuousClock.now
                        guard let completion = await runner.run(delivery, leased: leased) else {
                            stats.finished(succeeded: false)
                            return
                        }
                        let written = await write(completion.commands)
                        stats.finished(succeeded: completion.outcome == .succeeded)
                        durations.record(duration: ContinuousClock.now - started)
                        outcomes.increment(completion.outcome.rawValue)
                        if !written { logger.warning("a job's outcome could not be written; it stays pending and will run again") }
                    }
                }
            }
            await drain(inFlight: inFlight, jobs: jobs)
            group.cancelAll()
        }
    }

    /// Writes a job's outcome; retries while Redis is away, up to the drain deadline on shutdown.
    private func write(_ commands: [[RedisArgument]]) async -> Bool {
        var delay: Duration = .milliseconds(100)
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while true {
            do {
                let replies = try await redis.pipeline(commands)
                for case .error(let message) in replies {
                    logger.warning("redis refused part of a job's outcome", metadata: ["error": "\(message)"])
                }
                return true
            } catch {
                if Task.isShuttingDownGracefully && ContinuousClock.now > deadline { return false }
                if Task.isCancelled { return false }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    /// Lets in-flight jobs finish until the deadline, then hands the rest back: their idle time is set
    /// so high that a live replica's next takeover picks them up at once. They are never marked failed.
    private func drain(inFlight: InFlightJobs, jobs: StreamReader<JobMessage>) async {
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while ContinuousClock.now < deadline, !inFlight.ids.withLock({ $0.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let unfinished = Array(inFlight.ids.withLock { $0 })
        guard !unfinished.isEmpty else { return }
        logger.info("handing back unfinished jobs", metadata: ["count": "\(unfinished.count)"])
        var command: [RedisArgument] = ["XCLAIM", .init(stream), .init(StreamNames.Group.gateway), .init(configuration.consumer), "0"]
        command += unfinished.map { RedisArgument($0.description) }
        let idle = Int(configuration.claimIdle.components.seconds) * 100_000
        command += ["IDLE", .init(idle), "JUSTID"]
        _ = try? await redis.send(command)
    }
}

/// Backpressure: while persistence is behind, the results stream grows in Redis' memory. Above `limit` entries the
/// replica takes no new jobs, and it takes them again once the stream is back under 80 % of it, so Redis stays
/// bounded whatever persistence's speed (jobs wait in the jobs stream, which costs a few bytes each).
struct ResultsBacklog {
    let limit: Int
    private(set) var isFull = false

    init(limit: Int) {
        self.limit = limit
    }

    /// Records the stream's length; returns `true` when it just went over the limit, `false` when it just drained.
    mutating func update(_ length: Int) -> Bool? {
        guard limit > 0 else { return nil }
        if !isFull && length >= limit {
            isFull = true
            Gauge(label: "psync_gateway_backpressure").record(1)
            return true
        }
        if isFull && length < limit * 8 / 10 {
            isFull = false
            Gauge(label: "psync_gateway_backpressure").record(0)
            return false
        }
        return nil
    }
}

/// The ids of the jobs this replica is running.
final class InFlightJobs: Sendable {
    let ids = Mutex<Set<StreamID>>([])
}

/// Free job slots: the reader asks for at most this many jobs.
final class Slots: Sendable {
    private struct State {
        var free: Int
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    init(_ count: Int) {
        state = Mutex(State(free: count))
    }

    /// Waits until a slot is free (or `wakeUp()`); returns how many are free.
    func waitForFree() async -> Int {
        while true {
            let free = state.withLock { $0.free }
            if free > 0 || Task.isShuttingDownGracefully { return free }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.free > 0 { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    func take() {
        state.withLock { $0.free -= 1 }
    }

    /// Resumes a waiter without freeing a slot (shutdown).
    func wakeUp() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.free += 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
