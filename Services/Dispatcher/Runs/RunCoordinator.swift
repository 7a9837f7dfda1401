import Contracts
import FoundationEssentials
import Logging
import RPC
import RedisClient
import Streams

/// Everything the dispatcher does to runs: create and fan out (for a fire or a request), complete
/// them as their jobs end (the seed's chord, tracked in the database), and sweep the unfinished
/// ones so that nothing depends on this process staying alive.
struct RunCoordinator: Sendable {
    let persistence: RPCClient<CurlTransport>
    let fanOut: FanOut
    let redis: RedisPool
    let publisher: StreamPublisher
    let deadlineSeconds: Int
    let logger: Logger

    /// A run still `dispatching` this long after creation has lost its dispatcher; the sweep finishes it.
    static let orphanAge: TimeInterval = 30

    /// Creates the run and queues its jobs.
    func start(_ request: CreateRun) async throws -> Run {
        let created = try await persistence.callForwardingErrors(PersistenceAPI.createRun, request)
        if created.run.status == .dispatching {
            do {
                try await fanOut.dispatch(created.run.id)
            } catch {
                logger.warning("fan-out interrupted; the sweep will finish it", metadata: ["run.id": "\(created.run.id)", "error": "\(error)"])
                throw APIError.unavailable(
                    "run \(created.run.id) was created but not all of its jobs are queued yet (\(error)); the dispatcher will finish queuing them")
            }
        }
        return created.run
    }

    /// Turns fires into runs. A fire whose run cannot be created (its scope deleted, say) is
    /// dead-lettered with the reason; an outage leaves the batch to be retried, which is safe
    /// because a fire names its run (schedule + fire time) and fan-out never queues a job twice.
    func handleFires(_ batch: [Delivery<FireMessage>]) async throws -> [StreamID: String] {
        var refused: [StreamID: String] = [:]
        for delivery in batch {
            let fire = delivery.message
            let request = CreateRun(
                trigger: .schedule, scheduleID: fire.scheduleID, fireTime: fire.fireTime, scope: fire.scope, actions: fire.actions,
                requestedBy: "schedule \(fire.scheduleID)", deadlineSeconds: deadlineSeconds)
            do {
                try await RequestID.$current.withValue(delivery.requestID) {
                    let run = try await start(request)
                    logger.info("fire turned into a run", metadata: ["schedule.id": "\(fire.scheduleID)", "run.id": "\(run.id)"])
                }
            } catch let error as APIError where (400..<500).contains(error.status) {
                refused[delivery.id] = "schedule \(fire.scheduleID) fire at \(ISO8601.format(fire.fireTime)) cannot start a run: \(error.message)"
            }
        }
        return refused
    }

    /// Completes runs whose portfolios or jobs have all ended.
    func handleEvents(_ batch: [Delivery<Event>]) async throws -> [StreamID: String] {
        var runs: Set<Int> = []
        for delivery in batch where delivery.message.kind == .portfolioJobsDone || delivery.message.kind == .runJobsDone {
            if let run = delivery.message.runID { runs.insert(run) }
        }
        for run in runs.sorted() { try await complete(run) }
        return [:]
    }

    /// Recomputes the totals of portfolios whose jobs all ended and finishes the run when every job has (idempotent).
    func complete(_ id: Int) async throws {
        do {
            let completion = try await persistence.call(PersistenceAPI.completeRun, ByID(id: id))
            if completion.finishedNow {
                let counts = completion.run.counts
                logger.info(
                    "run finished",
                    metadata: [
                        "run.id": "\(id)", "succeeded": "\(counts.succeeded)", "failed": "\(counts.failed)", "dead": "\(counts.dead)",
                        "reauth": "\(counts.reauthRequired)",
                    ])
            }
        } catch let error as RPCError where error.status == 404 {
            return  // purged by retention
        }
    }

    /// One pass over unfinished runs: finish orphaned fan-outs, complete what has ended, report what is past its deadline.
    func sweep() async throws {
        for run in try await unfinished(.dispatching) where run.createdAt.timeIntervalSinceNow < -Self.orphanAge {
            if let appended = try await fanOut.dispatch(run.id) {
                logger.notice("finished an interrupted fan-out", metadata: ["run.id": "\(run.id)", "jobs.appended": "\(appended)"])
            }
        }
        for run in try await unfinished(.running) {
            try await complete(run.id)
            if let deadline = run.deadlineAt, deadline < Date() { try await reportStuck(run) }
        }
    }

    private func unfinished(_ status: RunStatus) async throws -> [Run] {
        var runs: [Run] = []
        var cursor: String?
        repeat {
            let page = try await persistence.call(PersistenceAPI.listRuns, ListRuns(status: status, cursor: cursor, limit: 500))
            runs += page.items
            cursor = page.nextCursor
        } while cursor != nil && runs.count < 10_000
        return runs
    }

    /// Publishes `run.stuck` once per run, naming what it still waits for.
    private func reportStuck(_ run: Run) async throws {
        guard try await redis.set("psync:dispatcher:stuck:\(run.id)", "1", onlyIfAbsent: true, expiresIn: .seconds(7 * 24 * 3600)) else { return }
        let detail = try await persistence.call(PersistenceAPI.getRun, ByID(id: run.id))
        let waiting = try await waitingJobs(run.id)
        let sample = waiting.prefix(10).map { "job \($0.id) (\($0.brokerCode) account \($0.accountID), \($0.status.rawValue))" }
        let unfinished = detail.total - detail.done
        let message = "run \(run.id) is past its deadline with \(unfinished) of \(detail.total) jobs unfinished: \(sample.joined(separator: ", "))"
        logger.warning("run stuck", metadata: ["run.id": "\(run.id)", "unfinished": "\(unfinished)"])
        try await publisher.publish(Event(kind: .runStuck, runID: run.id, message: message, counts: detail.run.counts), to: StreamNames.events)
    }

    /// Up to 50 jobs of the run that have not ended, oldest first.
    func waitingJobs(_ id: Int) async throws -> [Job] {
        try await persistence.callForwardingErrors(PersistenceAPI.runJobs, ListRunJobs(id: id, status: [.queued, .running, .retrying], limit: 50))
            .items
    }

    /// The run's progress, with what it waits for when past its deadline.
    func progress(_ id: Int) async throws -> RunProgress {
        let detail = try await persistence.callForwardingErrors(PersistenceAPI.getRun, ByID(id: id))
        let stuck = detail.run.status != .finished && (detail.run.deadlineAt.map { $0 < Date() } ?? false)
        return RunProgress(detail: detail, stuck: stuck, waitingFor: stuck ? try await waitingJobs(id) : [])
    }
}
