import Contracts
import FoundationEssentials
import Logging
import RPC
import RedisClient
import Streams

/// Bulk actions: cancel a run, retry a run's failed jobs, and retry or discard the dead letters a filter matches.
extension MonitorActions {
    /// Letters examined at most by one filter (the dead-letter stream is trimmed well below this).
    static let scanLimit = 100_000

    /// Ends the run's open jobs as cancelled (persistence audits it and finishes the run), then takes what it can of them
    /// off the broker streams and delayed-retry sets so no gateway starts them; a job a gateway already holds runs, and its
    /// result is discarded at commit.
    func cancelRun(_ id: Int) async throws -> RunCancelled {
        let cancelled = try await rpc { try await persistence.call(PersistenceAPI.cancelRun, ByID(id: id)) }
        if !cancelled.cancelledJobs.isEmpty { await unqueue(Set(cancelled.cancelledJobs)) }
        logger.notice("run cancelled", metadata: ["run.id": "\(id)", "jobs": "\(cancelled.cancelledJobs.count)"])
        return cancelled
    }

    /// Reopens the run's failed and dead jobs (persistence audits each) and puts them on their brokers' streams.
    func retryFailed(run id: Int) async throws -> RunJobsRetried {
        var ids: [Int] = []
        var cursor: String?
        repeat {
            let page = try await rpc {
                try await persistence.call(PersistenceAPI.runJobs, ListRunJobs(id: id, status: [.failed, .dead], cursor: cursor, limit: 500))
            }
            ids += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil && ids.count < 1000
        guard !ids.isEmpty else {
            _ = try await rpc { try await persistence.call(PersistenceAPI.getRun, ByID(id: id)) }  // 404 for a run that does not exist
            return RunJobsRetried(runID: id, retried: [], refused: [:])
        }
        let reopened = try await rpc {
            try await persistence.call(PersistenceAPI.reopenJobs, ReopenJobs(jobIDs: ids, reason: "failed jobs of run \(id) retried"))
        }
        if !reopened.jobs.isEmpty {
            try await publisher.publish(reopened.jobs.map { ($0, StreamNames.jobs(broker: $0.brokerCode)) })
        }
        // Their dead letters are now stale: the jobs run again.
        let retried = Set(reopened.jobs.map(\.jobID))
        let stale = try await matching(DeadLetterFilter(all: true)).filter { Self.isJob($0) && retried.contains($0.jobID ?? 0) }
        _ = try await redis.xdel(StreamNames.deadLetters, ids: stale.compactMap { StreamID($0.id) })
        logger.notice("failed jobs retried", metadata: ["run.id": "\(id)", "count": "\(retried.count)"])
        return RunJobsRetried(runID: id, retried: reopened.jobs.map(\.jobID).sorted(), refused: reopened.refused)
    }

    /// The letters matching `filter`, newest first; 422 for a filter with no criterion and no `all`.
    func matching(_ filter: DeadLetterFilter) async throws -> [DeadLetter] {
        guard filter.hasCriteria || filter.all == true else {
            throw APIError.unprocessable("give ids, a criterion (origin, broker, reason, type, before, after) or all", field: "all")
        }
        if let before = filter.before, let after = filter.after, before <= after {
            throw APIError.unprocessable("before must be later than after", field: "before")
        }
        if let ids = filter.ids, !ids.isEmpty {
            for id in ids where StreamID(id) == nil {
                throw APIError.badRequest("a dead letter id looks like 1700000000000-0, got '\(id.prefix(40))'")
            }
        }
        let broker = try filter.broker.map(Self.brokerCode)
        let wanted = filter.ids.map(Set.init)
        var letters: [DeadLetter] = []
        // Stream ids are the time a letter arrived: `before` bounds the scan's start.
        var cursor = filter.before.map { "\(Int(($0.timeIntervalSince1970 * 1000).rounded(.up)))-0" }
        var scanned = 0
        scan: while scanned < Self.scanLimit {
            let page = try await deadLetters.list(count: 500, before: cursor)
            guard let last = page.last else { break }
            scanned += page.count
            cursor = last.id
            for letter in page {
                if let after = filter.after, letter.at < after { break scan }
                if Self.matches(letter, filter, broker: broker, ids: wanted) { letters.append(letter) }
            }
        }
        return letters
    }

    static func matches(_ letter: DeadLetter, _ filter: DeadLetterFilter, broker: String?, ids: Set<String>?) -> Bool {
        if let ids, !ids.isEmpty, !ids.contains(letter.id) { return false }
        if let origin = filter.origin, letter.originStream != origin { return false }
        if let broker, letter.originStream != StreamNames.jobs(broker: broker) { return false }
        if let reason = filter.reason, !letter.reason.lowercased().contains(reason.lowercased()) { return false }
        if let type = filter.messageType, letter.messageType != type { return false }
        if let before = filter.before, letter.at >= before { return false }
        if let after = filter.after, letter.at < after { return false }
        return true
    }

    func matchCount(_ filter: DeadLetterFilter) async throws -> DeadLetterMatches {
        let letters = try await matching(filter)
        return DeadLetterMatches(count: letters.count, sample: Array(letters.prefix(20)))
    }

    /// Puts back the matching letters, oldest first (as `retry` does one).
    func retryMatching(_ filter: DeadLetterFilter) async throws -> DeadLettersRetried {
        let letters = try await matching(filter).reversed()
        var total = DeadLettersRetried(retried: 0, refused: [:])
        for start in stride(from: 0, to: letters.count, by: 500) {
            let result = try await retry(Array(letters.dropFirst(start).prefix(500)))
            total.retried += result.retried
            total.refused.merge(result.refused) { first, _ in first }
        }
        return total
    }

    /// Deletes the matching letters from the dead-letter stream; a job's letter leaves the job dead. Audited once, with the ids.
    func discard(_ filter: DeadLetterFilter) async throws -> DeadLettersDiscarded {
        let letters = try await matching(filter)
        let ids = letters.map(\.id)
        var removed = 0
        for start in stride(from: 0, to: ids.count, by: 500) {
            removed += try await redis.xdel(StreamNames.deadLetters, ids: ids.dropFirst(start).prefix(500).compactMap(StreamID.init))
        }
        if !ids.isEmpty {
            await audit(
                action: "discard", entity: "dead_letter", id: ids.count == 1 ? ids[0] : nil,
                details: .object([
                    "count": .number(Decimal(ids.count)), "ids": .array(ids.prefix(1000).map(JSONValue.string)),
                    "jobs": .array(letters.compactMap(\.jobID).prefix(1000).map { .number(Decimal($0)) }),
                ]))
        }
        logger.notice("dead letters discarded", metadata: ["count": "\(removed)"])
        return DeadLettersDiscarded(discarded: removed, ids: ids)
    }

    /// Removes cancelled jobs' entries from their brokers' streams (a delivered one a gateway holds stays pending there and
    /// is worked; its result is discarded), and their delayed retries. Best effort: a failure is logged.
    private func unqueue(_ jobs: Set<Int>) async {
        do {
            for queue in try await queues.all(extraBrokers: []) {
                guard let broker = queue.broker else { continue }
                let stream = StreamNames.jobs(broker: broker)
                var start = "-"
                var stale: [StreamID] = []
                while true {
                    let entries = try await redis.xrange(stream, start: start, count: 500)
                    guard let last = entries.last else { break }
                    start = "(" + last.id.description
                    for entry in entries {
                        guard let body = entry.string("body"), let message = try? JSONCoding.decode(JobMessage.self, from: Array(body.utf8)),
                            jobs.contains(message.jobID)
                        else { continue }
                        stale.append(entry.id)
                    }
                }
                _ = try await redis.xdel(stream, ids: stale)
                let delayed = StreamNames.delayed(broker: broker)
                let waiting = try await redis.zrangeByScore(delayed, limit: 10_000).map(\.member).filter { member in
                    (try? JSONCoding.decode(JobMessage.self, from: member)).map { jobs.contains($0.jobID) } ?? false
                }
                if !waiting.isEmpty { _ = try await redis.zrem(delayed, waiting.map { RedisArgument(bytes: $0) }) }
            }
        } catch {
            logger.warning("could not take cancelled jobs off the streams", metadata: ["error": "\(error)"])
        }
    }
}
