public import FoundationEssentials

/// Which accounts a sync or schedule covers.
public enum ScopeKind: String, Codable, Sendable, CaseIterable {
    /// Every active account of every active portfolio of every active user.
    case all
    case user, portfolio, account
}

/// A scope: `all`, or one user, portfolio or account by id.
public struct SyncScope: Codable, Sendable, Equatable, CustomStringConvertible {
    public var kind: ScopeKind
    /// The user, portfolio or account id; `nil` for `all`.
    public var id: Int?

    public init(kind: ScopeKind, id: Int? = nil) {
        self.kind = kind
        self.id = id
    }

    public static let all = SyncScope(kind: .all)
    public static func user(_ id: Int) -> SyncScope { SyncScope(kind: .user, id: id) }
    public static func portfolio(_ id: Int) -> SyncScope { SyncScope(kind: .portfolio, id: id) }
    public static func account(_ id: Int) -> SyncScope { SyncScope(kind: .account, id: id) }

    /// Why the scope is malformed, if it is.
    public var problem: String? {
        switch (kind, id) {
        case (.all, nil): nil
        case (.all, .some): "scope 'all' takes no id"
        case (_, nil): "scope '\(kind.rawValue)' needs an id"
        case (_, .some(let id)) where id <= 0: "scope id must be positive, got \(id)"
        default: nil
        }
    }

    public var description: String { id.map { "\(kind.rawValue) \($0)" } ?? kind.rawValue }
}

/// What a job fetches.
public enum JobAction: String, Codable, Sendable, CaseIterable {
    case holdings, transactions, positions
}

/// Where a job is in its life.
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, retrying, succeeded, failed, dead
    /// Ended by an administrator cancelling its run; a result a gateway sends for it afterwards is discarded.
    case cancelled

    /// Whether the job will not run again.
    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .dead || self == .cancelled }
}

/// How a broker call failed, which decides what happens next.
public enum FailureKind: String, Codable, Sendable, CaseIterable {
    /// The credentials were refused: never retried; the account needs a new login.
    case auth
    /// The broker said slow down: retried after its Retry-After or our backoff.
    case rateLimited = "rate_limited"
    /// Network, timeout, 5xx: retried with exponential backoff and full jitter.
    case transient
    /// Bad data or a 4xx: failed with the reason.
    case permanent
}

/// What started a run.
public enum RunTrigger: String, Codable, Sendable, CaseIterable {
    case manual, schedule
}

/// Where a run is.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    /// Jobs are being created and queued.
    case dispatching
    /// Jobs are queued or running.
    case running
    /// Every job ended.
    case finished
}

/// Job counts of a run.
public struct RunCounts: Codable, Sendable, Equatable {
    public var total: Int
    public var succeeded: Int
    public var failed: Int
    public var dead: Int
    /// Jobs ended by an administrator cancelling the run.
    public var cancelled: Int
    /// Jobs that failed because the broker refused the credentials.
    public var reauthRequired: Int
    public var skippedUsers: Int
    public var skippedPortfolios: Int
    public var skippedAccounts: Int
    public var skippedReauth: Int

    public init(
        total: Int = 0,
        succeeded: Int = 0,
        failed: Int = 0,
        dead: Int = 0,
        cancelled: Int = 0,
        reauthRequired: Int = 0,
        skippedUsers: Int = 0,
        skippedPortfolios: Int = 0,
        skippedAccounts: Int = 0,
        skippedReauth: Int = 0
    ) {
        self.total = total
        self.succeeded = succeeded
        self.failed = failed
        self.dead = dead
        self.cancelled = cancelled
        self.reauthRequired = reauthRequired
        self.skippedUsers = skippedUsers
        self.skippedPortfolios = skippedPortfolios
        self.skippedAccounts = skippedAccounts
        self.skippedReauth = skippedReauth
    }

    /// Jobs that ended, one way or another.
    public var done: Int { succeeded + failed + dead + cancelled }

    /// Decodes counts written before `cancelled` existed (events still on a stream) as none cancelled.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        total = try container.decode(Int.self, forKey: .total)
        succeeded = try container.decode(Int.self, forKey: .succeeded)
        failed = try container.decode(Int.self, forKey: .failed)
        dead = try container.decode(Int.self, forKey: .dead)
        cancelled = try container.decodeIfPresent(Int.self, forKey: .cancelled) ?? 0
        reauthRequired = try container.decode(Int.self, forKey: .reauthRequired)
        skippedUsers = try container.decode(Int.self, forKey: .skippedUsers)
        skippedPortfolios = try container.decode(Int.self, forKey: .skippedPortfolios)
        skippedAccounts = try container.decode(Int.self, forKey: .skippedAccounts)
        skippedReauth = try container.decode(Int.self, forKey: .skippedReauth)
    }
}

/// One sync run: a fire or a manual request, fanned out into jobs.
public struct Run: Codable, Sendable, Equatable {
    public var id: Int
    public var trigger: RunTrigger
    public var scheduleID: Int?
    public var fireTime: Date?
    public var scope: SyncScope
    public var actions: [JobAction]
    public var status: RunStatus
    public var requestedBy: String?
    public var counts: RunCounts
    public var createdAt: Date
    public var dispatchedAt: Date?
    public var finishedAt: Date?
    public var deadlineAt: Date?

    public init(
        id: Int,
        trigger: RunTrigger,
        scheduleID: Int?,
        fireTime: Date?,
        scope: SyncScope,
        actions: [JobAction],
        status: RunStatus,
        requestedBy: String?,
        counts: RunCounts,
        createdAt: Date,
        dispatchedAt: Date?,
        finishedAt: Date?,
        deadlineAt: Date?
    ) {
        self.id = id
        self.trigger = trigger
        self.scheduleID = scheduleID
        self.fireTime = fireTime
        self.scope = scope
        self.actions = actions
        self.status = status
        self.requestedBy = requestedBy
        self.counts = counts
        self.createdAt = createdAt
        self.dispatchedAt = dispatchedAt
        self.finishedAt = finishedAt
        self.deadlineAt = deadlineAt
    }
}

/// One (account, action) of a run.
public struct Job: Codable, Sendable, Equatable {
    public var id: Int
    public var runID: Int?
    public var accountID: Int
    public var portfolioID: Int
    public var brokerCode: String
    public var action: JobAction
    public var status: JobStatus
    public var attempts: Int
    public var lastError: String?
    public var errorKind: FailureKind?
    public var worker: String?
    public var queuedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var nextAttemptAt: Date?
    /// What a succeeded job did not store (mutual funds refused …) or found inconsistent; `nil` when it stored everything.
    public var note: String?

    public init(
        id: Int,
        runID: Int?,
        accountID: Int,
        portfolioID: Int,
        brokerCode: String,
        action: JobAction,
        status: JobStatus,
        attempts: Int,
        lastError: String?,
        errorKind: FailureKind?,
        worker: String?,
        queuedAt: Date,
        startedAt: Date?,
        finishedAt: Date?,
        nextAttemptAt: Date?,
        note: String? = nil
    ) {
        self.id = id
        self.runID = runID
        self.accountID = accountID
        self.portfolioID = portfolioID
        self.brokerCode = brokerCode
        self.action = action
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.errorKind = errorKind
        self.worker = worker
        self.queuedAt = queuedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.nextAttemptAt = nextAttemptAt
        self.note = note
    }
}

/// One try at a job.
public struct JobAttempt: Codable, Sendable, Equatable {
    public var attempt: Int
    public var worker: String?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// `succeeded`, `retrying`, `failed` or `dead`.
    public var outcome: String
    public var errorKind: FailureKind?
    public var error: String?

    public init(attempt: Int, worker: String?, startedAt: Date?, finishedAt: Date?, outcome: String, errorKind: FailureKind?, error: String?) {
        self.attempt = attempt
        self.worker = worker
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.errorKind = errorKind
        self.error = error
    }
}

/// A job with every attempt.
public struct JobDetail: Codable, Sendable, Equatable {
    public var job: Job
    public var attempts: [JobAttempt]

    public init(job: Job, attempts: [JobAttempt]) {
        self.job = job
        self.attempts = attempts
    }
}

/// An administrative change, as the audit log keeps it (never a secret).
public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int
    public var at: Date
    public var actor: String
    public var scope: String
    public var action: String
    public var entity: String
    public var entityID: String?
    public var before: JSONValue?
    public var after: JSONValue?
    public var requestID: String?

    public init(
        id: Int,
        at: Date,
        actor: String,
        scope: String,
        action: String,
        entity: String,
        entityID: String?,
        before: JSONValue?,
        after: JSONValue?,
        requestID: String?
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.scope = scope
        self.action = action
        self.entity = entity
        self.entityID = entityID
        self.before = before
        self.after = after
        self.requestID = requestID
    }
}
