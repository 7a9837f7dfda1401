public import FoundationEssentials

/// A job for a broker's gateways (`psync:{broker:CODE}:jobs`).
public struct JobMessage: StreamMessage, Equatable {
    public static let messageType = "job"
    public static let version = 1

    public var jobID: Int
    public var runID: Int?
    public var accountID: Int
    public var portfolioID: Int
    public var brokerCode: String
    public var action: JobAction
    /// 1 for the first try; retries count up.
    public var attempt: Int
    public var queuedAt: Date
    /// The account's API key id, which names its rate limit (accounts on one key share it).
    public var apiKeyID: String?
    /// For transactions jobs: where the previous fetch stopped.
    public var cursor: String?

    public init(
        jobID: Int,
        runID: Int?,
        accountID: Int,
        portfolioID: Int,
        brokerCode: String,
        action: JobAction,
        attempt: Int,
        queuedAt: Date,
        apiKeyID: String? = nil,
        cursor: String? = nil
    ) {
        self.jobID = jobID
        self.runID = runID
        self.accountID = accountID
        self.portfolioID = portfolioID
        self.brokerCode = brokerCode
        self.action = action
        self.attempt = attempt
        self.queuedAt = queuedAt
        self.apiKeyID = apiKeyID
        self.cursor = cursor
    }
}

/// How one attempt at a job ended.
public enum JobOutcome: String, Codable, Sendable, CaseIterable {
    /// Fetched and normalised; the payload is in the result.
    case succeeded
    /// Failed for now; another attempt is scheduled at `nextAttemptAt`.
    case retrying
    /// Failed for good (auth or permanent).
    case failed
    /// Failed after the last allowed attempt.
    case dead

    /// Whether the job ends with this outcome.
    public var isTerminal: Bool { self != .retrying }
}

/// What a gateway hands persistence after an attempt (`psync:results`).
///
/// Version 2 carries a snapshot's holdings as a `HoldingsTable` in the entry's `table` field, beside the
/// JSON body (version 1 had the table inside the body as one JSON string, escaped on one side and
/// un-escaped on the other: 14 % of persistence's CPU). Version 1 entries are still read.
public struct JobResult: StreamMessage, Equatable {
    public static let messageType = "job.result"
    public static let version = 2
    public static let oldestReadableVersion = 1

    public var jobID: Int
    public var runID: Int?
    public var accountID: Int
    public var portfolioID: Int
    public var brokerCode: String
    public var action: JobAction
    public var attempt: Int
    public var worker: String
    public var startedAt: Date
    public var finishedAt: Date
    public var outcome: JobOutcome
    public var failureKind: FailureKind?
    /// Why it failed, in one clause, without secrets.
    public var error: String?
    public var nextAttemptAt: Date?
    /// For `holdings` and `positions` jobs that succeeded.
    public var snapshot: HoldingsSnapshot?
    /// For `transactions` jobs that succeeded.
    public var transactions: TransactionsBatch?

    public init(
        jobID: Int,
        runID: Int?,
        accountID: Int,
        portfolioID: Int,
        brokerCode: String,
        action: JobAction,
        attempt: Int,
        worker: String,
        startedAt: Date,
        finishedAt: Date,
        outcome: JobOutcome,
        failureKind: FailureKind? = nil,
        error: String? = nil,
        nextAttemptAt: Date? = nil,
        snapshot: HoldingsSnapshot? = nil,
        transactions: TransactionsBatch? = nil
    ) {
        self.jobID = jobID
        self.runID = runID
        self.accountID = accountID
        self.portfolioID = portfolioID
        self.brokerCode = brokerCode
        self.action = action
        self.attempt = attempt
        self.worker = worker
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.failureKind = failureKind
        self.error = error
        self.nextAttemptAt = nextAttemptAt
        self.snapshot = snapshot
        self.transactions = transactions
    }
}

extension JobResult {
    public var streamTable: [UInt8]? {
        snapshot.map { HoldingsTable.encode($0.holdings) }
    }

    public mutating func takeStreamTable(_ table: [UInt8]?, version: Int) throws {
        guard let table else { return }
        guard snapshot != nil else { throw StreamDecodingError("the 'job.result' entry has a 'table' field but no snapshot") }
        do {
            snapshot!.holdings = try HoldingsTable.decode(table)
        } catch let error as HoldingsTable.FormatError {
            throw StreamDecodingError("the 'job.result' table is malformed: \(error.message)")
        }
    }
}

/// A schedule fire for the dispatcher (`psync:dispatch`).
public struct FireMessage: StreamMessage, Equatable {
    public static let messageType = "fire"
    public static let version = 1

    public var scheduleID: Int
    /// The scheduled time of this fire (not when it was sent).
    public var fireTime: Date
    public var scope: SyncScope
    public var actions: [JobAction]

    public init(scheduleID: Int, fireTime: Date, scope: SyncScope, actions: [JobAction]) {
        self.scheduleID = scheduleID
        self.fireTime = fireTime
        self.scope = scope
        self.actions = actions
    }
}

/// What kind of thing happened.
public enum EventKind: String, Codable, Sendable, CaseIterable {
    case jobStarted = "job.started"
    case jobRetrying = "job.retrying"
    case jobSucceeded = "job.succeeded"
    case jobFailed = "job.failed"
    case jobDead = "job.dead"
    case accountReauthRequired = "account.reauth_required"
    case portfolioJobsDone = "portfolio.jobs_done"
    case runJobsDone = "run.jobs_done"
    case runCreated = "run.created"
    case runFinished = "run.finished"
    case runStuck = "run.stuck"
    case scheduleFired = "schedule.fired"
    case deadLettered = "deadletter.added"
    case deadLetterRetried = "deadletter.retried"
    case queuePaused = "queue.paused"
    case queueResumed = "queue.resumed"
    /// A webhook subscription was disabled after its attempts failed for the whole window (`message` says which and why).
    case webhookDisabled = "webhook.disabled"
}

/// Something that happened, on `psync:events` for the dispatcher and the monitor.
public struct Event: StreamMessage, Equatable {
    public static let messageType = "event"
    public static let version = 1

    public var kind: EventKind
    public var at: Date
    public var runID: Int?
    public var jobID: Int?
    public var accountID: Int?
    public var portfolioID: Int?
    public var brokerCode: String?
    public var worker: String?
    public var attempt: Int?
    public var message: String?
    public var failureKind: FailureKind?
    public var nextAttemptAt: Date?
    public var counts: RunCounts?

    public init(
        kind: EventKind,
        at: Date = Date(),
        runID: Int? = nil,
        jobID: Int? = nil,
        accountID: Int? = nil,
        portfolioID: Int? = nil,
        brokerCode: String? = nil,
        worker: String? = nil,
        attempt: Int? = nil,
        message: String? = nil,
        failureKind: FailureKind? = nil,
        nextAttemptAt: Date? = nil,
        counts: RunCounts? = nil
    ) {
        self.kind = kind
        self.at = at
        self.runID = runID
        self.jobID = jobID
        self.accountID = accountID
        self.portfolioID = portfolioID
        self.brokerCode = brokerCode
        self.worker = worker
        self.attempt = attempt
        self.message = message
        self.failureKind = failureKind
        self.nextAttemptAt = nextAttemptAt
        self.counts = counts
    }
}
