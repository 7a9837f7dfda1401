import Brokers
import Contracts
import FoundationEssentials
import Logging
import Metrics
import RedisClient
import Streams

/// Runs one job: account slot, credentials, rate-limited broker calls, then the commands that
/// record what happened (result, retry or dead letter, acknowledgement), for one pipelined write.
struct JobRunner: Sendable {
    let broker: String
    let worker: String
    let adapter: any BrokerAdapter
    let vault: CredentialVault
    let credentials: CredentialCache
    let accounts: AccountLimiter
    let events: EventBuffer
    let backoff: Backoff
    let maxAttempts: Int
    /// How long a job waits after a fault of our own (persistence, Postgres or Redis away) before it runs again.
    let ownFaultDelay: Duration
    let keyHealth: KeyHealth
    let logger: Logger

    /// What finishing a job writes to Redis, in order; `nil` when the job was interrupted by shutdown (left pending).
    struct Completion {
        var commands: [[RedisArgument]]
        var outcome: JobOutcome
        var failure: FailureKind?
    }

    /// The name of the account lease a delivery holds while it runs.
    func leaseHolder(_ delivery: Delivery<JobMessage>) -> String { "\(worker):\(delivery.id)" }

    /// Runs the job; `leased` says its account lease was already granted with its batch's (otherwise it waits for one).
    func run(_ delivery: Delivery<JobMessage>, leased: Bool = false) async -> Completion? {
        let job = delivery.message
        var logger = logger
        logger[metadataKey: "job.id"] = "\(job.jobID)"
        logger[metadataKey: "account.id"] = "\(job.accountID)"
        let startedAt = Date()
        events.add(
            Event(
                kind: .jobStarted, runID: job.runID, jobID: job.jobID, accountID: job.accountID, brokerCode: broker, worker: worker,
                attempt: job.attempt))
        var commands: [[RedisArgument]] = []
        var lease: String?
        let fetched: Result<FetchResult, BrokerError>
        do {
            if leased {
                lease = accounts.limit > 0 ? leaseHolder(delivery) : nil
            } else {
                lease = try await accounts.acquire(job.accountID, holder: leaseHolder(delivery))
            }
            let stored: SealedCredentials?
            do {
                stored = try await credentials.box(for: job.accountID)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw OwnFault.unavailable("the credentials could not be fetched from persistence: \(error)")
            }
            guard let box = stored else {
                throw BrokerError.auth("account \(job.accountID) has no credentials; set them with `psync credentials set \(job.accountID)`")
            }
            if let expired = LoginExpiry.failure(of: box, broker: broker, now: Date()) { throw expired }
            let opened = try vault.open(box, apiKeyID: job.apiKeyID, rule: type(of: adapter).broker.rateLimit)
            fetched = .success(try await adapter.fetch(job.action, opened, cursor: job.cursor))
        } catch is CancellationError {
            return nil
        } catch let fault as OwnFault {
            return Task.isCancelled ? nil : requeue(delivery, after: fault, lease: lease, logger: logger)
        } catch let error as BrokerError {
            fetched = .failure(error)
        } catch {
            fetched = .failure(.transient("\(error)"))
        }
        if Task.isCancelled { return nil }
        if let lease { commands.append(accounts.releaseCommand(job.accountID, holder: lease)) }
        let finishedAt = Date()
        var result = JobResult(
            jobID: job.jobID, runID: job.runID, accountID: job.accountID, portfolioID: job.portfolioID, brokerCode: broker, action: job.action,
            attempt: job.attempt, worker: worker, startedAt: startedAt, finishedAt: finishedAt, outcome: .succeeded
        )
        switch fetched {
        case .success(.snapshot(let snapshot)):
            result.snapshot = snapshot
        case .success(.transactions(let batch)):
            result.transactions = batch
        case .failure(let error):
            result.failureKind = error.kind
            result.error = error.message
            let retryable = error.kind == .transient || error.kind == .rateLimited
            if retryable && job.attempt < maxAttempts {
                let delay = backoff.delay(afterAttempt: job.attempt, retryAfter: error.retryAfter)
                let due = finishedAt.addingTimeInterval(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                result.outcome = .retrying
                result.nextAttemptAt = due
                var next = job
                next.attempt += 1
                if let body = try? JSONCoding.encode(next) {
                    commands.append([
                        "ZADD", .init(StreamNames.delayed(broker: broker)), .init(String(Int64(due.timeIntervalSince1970 * 1000))),
                        .init(bytes: body),
                    ])
                }
                events.add(
                    Event(
                        kind: .jobRetrying, runID: job.runID, jobID: job.jobID, accountID: job.accountID, brokerCode: broker, worker: worker,
                        attempt: job.attempt, message: error.message, failureKind: error.kind, nextAttemptAt: due
                    )
                )
                logger.info("job will be retried", metadata: ["error": "\(error.message)", "job.attempt": "\(job.attempt)"])
            } else if retryable {
                result.outcome = .dead
                result.error = "gave up after \(job.attempt) attempts: \(error.message)"
                commands.append(deadLetter(delivery, reason: result.error!))
                logger.warning("job dead", metadata: ["error": "\(error.message)"])
            } else {
                result.outcome = .failed
                if error.kind == .auth { credentials.forget(job.accountID) }
                logger.warning("job failed", metadata: ["error": "\(error.message)", "failure.kind": "\(error.kind.rawValue)"])
            }
        }
        do {
            commands.insert(
                RedisPool.xaddArguments(StreamNames.results, fields: try StreamEnvelope.fields(result).map { ($0.0, RedisArgument(bytes: $0.1)) }),
                at: 0)
        } catch {
            // A result too large to carry (a broker returning an absurd amount): record the failure instead.
            var failed = result
            failed.snapshot = nil
            failed.transactions = nil
            failed.outcome = .failed
            failed.failureKind = .permanent
            failed.error = "the broker's answer is too large to store: \(error)"
            let fields = (try? StreamEnvelope.fields(failed)) ?? []
            commands.insert(RedisPool.xaddArguments(StreamNames.results, fields: fields.map { ($0.0, RedisArgument(bytes: $0.1)) }), at: 0)
            result = failed
        }
        commands.append(["XACK", .init(StreamNames.jobs(broker: broker)), .init(StreamNames.Group.gateway), .init(delivery.id.description)])
        return Completion(commands: commands, outcome: result.outcome, failure: result.failureKind)
    }

    /// A fault of our own: the job goes back to the queue as it came (the same attempt), due after `ownFaultDelay` (a
    /// replica missing a key hands it on within a second, for a replica that has it). No result is written, so
    /// neither the job's attempts nor the account's status change; the run simply waits.
    private func requeue(_ delivery: Delivery<JobMessage>, after fault: OwnFault, lease: String?, logger: Logger) -> Completion? {
        let job = delivery.message
        keyHealth.record(fault)
        guard let body = try? JSONCoding.encode(job) else { return nil }
        let delay = fault.kind == .configuration ? .seconds(1) : ownFaultDelay
        let due = Date().addingTimeInterval(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
        var commands: [[RedisArgument]] = []
        if let lease { commands.append(accounts.releaseCommand(job.accountID, holder: lease)) }
        commands.append([
            "ZADD", .init(StreamNames.delayed(broker: broker)), .init(String(Int64(due.timeIntervalSince1970 * 1000))), .init(bytes: body),
        ])
        commands.append(["XACK", .init(StreamNames.jobs(broker: broker)), .init(StreamNames.Group.gateway), .init(delivery.id.description)])
        events.add(
            Event(
                kind: .jobRetrying, runID: job.runID, jobID: job.jobID, accountID: job.accountID, brokerCode: broker, worker: worker,
                attempt: job.attempt, message: "waiting for our own fault to clear: \(fault.message)", nextAttemptAt: due))
        logger.warning(
            "job put back after a fault of our own; its attempts are unchanged",
            metadata: ["error": "\(fault.message)", "job.attempt": "\(job.attempt)"])
        return Completion(commands: commands, outcome: .retrying, failure: nil)
    }

    /// The dead-letter entry for a job that used up its attempts: the job as it arrived, with the reason.
    func deadLetter(_ delivery: Delivery<JobMessage>, reason: String) -> [RedisArgument] {
        var fields: [(String, RedisArgument)] = [
            ("origin", .init(StreamNames.jobs(broker: broker))), ("origin_id", .init(delivery.id.description)),
            ("group", .init(StreamNames.Group.gateway)),
            ("reason", .init(String(reason.prefix(1000)))), ("deliveries", .init(delivery.deliveries)), ("at", .init(ISO8601.format(Date()))),
        ]
        for name in StreamEnvelope.messageFields {
            if let value = delivery.fields[name] { fields.append((name, .init(bytes: value))) }
        }
        return RedisPool.xaddArguments(StreamNames.deadLetters, fields: fields)
    }
}
