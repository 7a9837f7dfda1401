import Contracts
import FoundationEssentials
import Logging
import Metrics
import RPC
import RedisClient
import Synchronization

/// Puts a run's queued jobs on their brokers' streams, in pages from persistence and chunks of
/// 1,000 appends per script call, and can be repeated safely: each broker stream keeps, beside
/// it, the highest job id of the run already appended (updated by the same script that appends),
/// so a dispatcher that dies mid-way and the one that finishes its work never queue a job twice.
final class FanOut: Sendable {
    /// Appends the messages whose job id is above the run's progress mark, then moves the mark.
    /// ARGV: mark lifetime (ms), then per message: job id, field count, fields and values.
    static let appendScript = RedisScript(
        """
        local done = tonumber(redis.call('GET', KEYS[2]) or '0')
        local i = 2
        local appended = 0
        local last = done
        while i <= #ARGV do
            local job = tonumber(ARGV[i])
            local n = tonumber(ARGV[i + 1])
            if job > done then
                redis.call('XADD', KEYS[1], '*', unpack(ARGV, i + 2, i + 1 + n))
                appended = appended + 1
                if job > last then last = job end
            end
            i = i + 2 + n
        end
        redis.call('SET', KEYS[2], last, 'PX', ARGV[1])
        return appended
        """
    )
    static let releaseScript = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """
    )
    static let chunkSize = 1000
    static let markLifetimeMilliseconds = 7 * 24 * 3600 * 1000

    let redis: RedisPool
    let persistence: RPCClient<CurlTransport>
    let pageSize: Int
    let logger: Logger
    private let ensuredGroups = Mutex<Set<String>>([])
    private let queued = Counter(label: "psync_dispatcher_jobs_queued_total")

    init(redis: RedisPool, persistence: RPCClient<CurlTransport>, pageSize: Int, logger: Logger) {
        self.redis = redis
        self.persistence = persistence
        self.pageSize = pageSize
        self.logger = logger
    }

    static func progressKey(broker: String, run: Int) -> String { "psync:{broker:\(broker)}:fanout:\(run)" }
    static func lockKey(run: Int) -> String { "psync:dispatcher:fanout:\(run)" }

    /// Queues every job of the run that is still queued and not yet on its stream, then marks the
    /// run dispatched. Returns how many jobs it appended, or `nil` if another dispatcher is at it.
    @discardableResult
    func dispatch(_ runID: Int) async throws -> Int? {
        let lock = Self.lockKey(run: runID)
        let token = RequestID.make()
        guard try await redis.set(lock, .init(token), onlyIfAbsent: true, expiresIn: .seconds(60)) else { return nil }
        do {
            let appended = try await appendAll(runID, lock: lock)
            _ = try? await redis.evaluate(Self.releaseScript, keys: [lock], arguments: [.init(token)])
            return appended
        } catch {
            _ = try? await redis.evaluate(Self.releaseScript, keys: [lock], arguments: [.init(token)])
            throw error
        }
    }

    private func appendAll(_ runID: Int, lock: String) async throws -> Int {
        var brokers: Set<String> = []
        var after: Int?
        var appended = 0
        let clock = ContinuousClock()
        let start = clock.now
        var fetching = Duration.zero
        repeat {
            let fetchStart = clock.now
            let page = try await persistence.call(PersistenceAPI.queuedJobs, ListQueuedJobs(id: runID, after: after, limit: pageSize))
            fetching += clock.now - fetchStart
            var byBroker: [String: [JobMessage]] = [:]
            for job in page.jobs { byBroker[job.brokerCode, default: []].append(job) }
            for (broker, jobs) in byBroker.sorted(by: { $0.key < $1.key }) {
                try await ensureGroup(broker)
                for start in stride(from: 0, to: jobs.count, by: Self.chunkSize) {
                    appended += try await append(jobs[start..<min(start + Self.chunkSize, jobs.count)], broker: broker, run: runID)
                }
                brokers.insert(broker)
            }
            after = page.next
            _ = try await redis.expire(lock, after: .seconds(60))
        } while after != nil
        _ = try await persistence.call(PersistenceAPI.markRunDispatched, ByID(id: runID))
        queued.increment(by: appended)
        logger.info(
            "run dispatched",
            metadata: [
                "run.id": "\(runID)", "jobs.appended": "\(appended)", "brokers": "\(brokers.sorted())", "took": "\(clock.now - start)",
                "fetching": "\(fetching)",
            ])
        return appended
    }

    private func append(_ chunk: ArraySlice<JobMessage>, broker: String, run: Int) async throws -> Int {
        var arguments: [RedisArgument] = [.init(Self.markLifetimeMilliseconds)]
        arguments.reserveCapacity(1 + chunk.count * 10)
        let requestID = RequestID.current
        for job in chunk {
            let fields = try StreamEnvelope.fields(job, requestID: requestID)
            arguments.append(.init(job.jobID))
            arguments.append(.init(fields.count * 2))
            for (name, value) in fields {
                arguments.append(.init(name))
                arguments.append(RedisArgument(bytes: value))
            }
        }
        let reply = try await redis.evaluate(
            Self.appendScript, keys: [StreamNames.jobs(broker: broker), Self.progressKey(broker: broker, run: run)], arguments: arguments)
        return reply.int ?? 0
    }

    /// The gateways' group starts at the beginning of the stream, so jobs queued before any gateway
    /// of the broker ever ran wait for the first one.
    private func ensureGroup(_ broker: String) async throws {
        let stream = StreamNames.jobs(broker: broker)
        guard !ensuredGroups.withLock({ $0.contains(stream) }) else { return }
        try await redis.createGroup(stream, group: StreamNames.Group.gateway, startingAt: "0", makeStream: true)
        ensuredGroups.withLock { _ = $0.insert(stream) }
    }
}
