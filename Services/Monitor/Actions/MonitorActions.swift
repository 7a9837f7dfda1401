import Contracts
import CurlClient
import FoundationEssentials
import Logging
import RPC
import RedisClient
import Streams

/// What an administrator can do from the monitor: pause or resume a broker's queue, and put dead letters back.
/// Each action leaves an audit-log entry (through persistence) and an event.
struct MonitorActions: Sendable {
    let redis: RedisPool
    let persistence: RPCClient<CurlTransport>
    let queues: QueueInspector
    let logger: Logger

    var deadLetters: DeadLetterQueue { DeadLetterQueue(redis: redis) }
    var publisher: StreamPublisher { StreamPublisher(redis: redis) }

    /// A broker code as the streams spell it, or 400.
    static func brokerCode(_ text: String) throws -> String {
        let code = text.uppercased()
        guard (1...32).contains(code.count), code.utf8.allSatisfy({ (65...90).contains($0) || (48...57).contains($0) || $0 == 95 }) else {
            throw APIError.badRequest("broker must be 1-32 letters, digits or underscores, got '\(text.prefix(40))'")
        }
        return code
    }

    /// Sets or clears the broker's pause flag; gateways notice within half a second and finish what they hold.
    func setPaused(_ paused: Bool, broker text: String) async throws -> QueueView {
        let broker = try Self.brokerCode(text)
        let key = StreamNames.paused(broker: broker)
        if paused {
            let note = "{\"by\":\"\(RequestActor.current ?? "unknown")\",\"at\":\"\(ISO8601.format(Date()))\"}"
            try await redis.set(key, .init(note))
        } else {
            try await redis.delete([key])
        }
        logger.notice(paused ? "queue paused" : "queue resumed", metadata: ["broker.code": "\(broker)"])
        await audit(action: paused ? "pause" : "resume", entity: "queue", id: broker, details: nil)
        _ = try? await publisher.publish(Event(kind: paused ? .queuePaused : .queueResumed, brokerCode: broker), to: StreamNames.events)
        return try await queues.queue(broker: broker)
    }

    /// Puts one letter back: a dead job is reopened in the database and queued again from attempt 1; any other goes back as it was.
    func retry(_ id: String) async throws -> DeadLettersRetried {
        guard StreamID(id) != nil else { throw APIError.badRequest("a dead letter id looks like 1700000000000-0, got '\(id.prefix(40))'") }
        guard let letter = try await deadLetters.get(id) else { throw APIError.notFound("dead letter \(id) does not exist") }
        return try await retry([letter])
    }

    /// Puts every letter back, oldest first; letters that cannot go back stay, and are reported.
    func retryAll() async throws -> DeadLettersRetried {
        var total = DeadLettersRetried(retried: 0, refused: [:])
        // Only the letters there now: one that dies again while this runs is not chased round again.
        guard let newest = try await redis.xrange(StreamNames.deadLetters, count: 1, reverse: true).first?.id else { return total }
        var after = "-"
        while true {
            let entries = try await redis.xrange(StreamNames.deadLetters, start: after, end: newest.description, count: 200)
            guard let last = entries.last else { break }
            after = "(" + last.id.description
            var letters: [DeadLetter] = []
            for entry in entries {
                if let letter = try await deadLetters.get(entry.id.description) { letters.append(letter) }
            }
            let result = try await retry(letters)
            total.retried += result.retried
            total.refused.merge(result.refused) { first, _ in first }
        }
        return total
    }

    func retry(_ letters: [DeadLetter]) async throws -> DeadLettersRetried {
        var result = DeadLettersRetried(retried: 0, refused: [:])
        let jobLetters = letters.filter(Self.isJob)
        if !jobLetters.isEmpty {
            let jobIDs = jobLetters.compactMap(\.jobID)
            let reason = jobLetters.count == 1 ? "dead letter \(jobLetters[0].id) retried" : "\(jobLetters.count) dead letters retried"
            let reopened: ReopenedJobs
            do {
                reopened = try await persistence.call(PersistenceAPI.reopenJobs, ReopenJobs(jobIDs: jobIDs, reason: reason))
            } catch let error as RPCError {
                throw error.apiError ?? APIError.unavailable("persistence could not reopen the jobs: \(error.message)")
            }
            let messages = Dictionary(reopened.jobs.map { ($0.jobID, $0) }, uniquingKeysWith: { first, _ in first })
            var queued: [(message: JobMessage, stream: String)] = []
            var done: [StreamID] = []
            var seen = Set<Int>()
            for letter in jobLetters {
                guard let jobID = letter.jobID else { continue }
                if let message = messages[jobID], seen.insert(jobID).inserted {
                    queued.append((message, StreamNames.jobs(broker: message.brokerCode)))
                    done.append(StreamID(letter.id)!)
                } else if seen.contains(jobID) {
                    done.append(StreamID(letter.id)!)  // a second letter for a job already queued again
                } else {
                    result.refused[letter.id] = reopened.refused["\(jobID)"] ?? "job \(jobID) could not be reopened"
                }
            }
            if !queued.isEmpty { try await publisher.publish(queued) }
            if !done.isEmpty { _ = try await redis.xdel(StreamNames.deadLetters, ids: done) }
            result.retried += done.count
            for (message, _) in queued {
                _ = try? await publisher.publish(
                    Event(
                        kind: .deadLetterRetried, runID: message.runID, jobID: message.jobID, accountID: message.accountID,
                        brokerCode: message.brokerCode),
                    to: StreamNames.events)
            }
        }
        for letter in letters where !Self.isJob(letter) {
            let requeued: StreamID?
            do {
                requeued = try await deadLetters.retry(letter.id)
            } catch let error as RedisError where error.serverErrorPrefix == "NOPERM" {
                // The monitor's Redis user may not append there (results come only from gateways): the letter stays.
                result.refused[letter.id] = "the monitor may not put a letter back on \(letter.originStream); it stays here"
                continue
            }
            if requeued != nil {
                result.retried += 1
                await audit(
                    action: "retry", entity: "dead_letter", id: letter.id,
                    details: .object(["origin": .string(letter.originStream), "reason": .string(letter.reason)]))
                _ = try? await publisher.publish(Event(kind: .deadLetterRetried, message: letter.originStream), to: StreamNames.events)
            } else {
                result.refused[letter.id] = "dead letter \(letter.id) has no origin stream to go back to"
            }
        }
        logger.notice("dead letters retried", metadata: ["count": "\(result.retried)", "refused": "\(result.refused.count)"])
        return result
    }

    /// A job message that a broker's gateways gave up on.
    static func isJob(_ letter: DeadLetter) -> Bool {
        letter.messageType == JobMessage.messageType && letter.jobID != nil && letter.originStream.hasPrefix("psync:{broker:")
    }

    func audit(action: String, entity: String, id: String?, details: JSONValue?) async {
        do {
            _ = try await persistence.call(PersistenceAPI.recordAudit, RecordAudit(action: action, entity: entity, entityID: id, details: details))
        } catch {
            logger.warning("could not write the audit entry", metadata: ["audit.action": "\(action)", "error": "\(error)"])
        }
    }
}
