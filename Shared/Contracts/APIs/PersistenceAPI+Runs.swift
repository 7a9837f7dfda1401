public import FoundationEssentials

/// Creates a run and one job per (active account in scope, action), in one transaction.
public struct CreateRun: Codable, Sendable, Equatable {
    public var trigger: RunTrigger
    public var scheduleID: Int?
    /// For schedule runs: the fire it serves; a second request for the same fire returns the first run.
    public var fireTime: Date?
    public var scope: SyncScope
    public var actions: [JobAction]
    public var requestedBy: String?
    /// A run still unfinished this long after creation is reported as stuck.
    public var deadlineSeconds: Int?

    public init(
        trigger: RunTrigger,
        scheduleID: Int? = nil,
        fireTime: Date? = nil,
        scope: SyncScope,
        actions: [JobAction],
        requestedBy: String? = nil,
        deadlineSeconds: Int? = nil
    ) {
        self.trigger = trigger
        self.scheduleID = scheduleID
        self.fireTime = fireTime
        self.scope = scope
        self.actions = actions
        self.requestedBy = requestedBy
        self.deadlineSeconds = deadlineSeconds
    }
}

/// The run, and whether this call created it (false: it already existed for that fire).
public struct RunCreated: Codable, Sendable, Equatable {
    public var run: Run
    public var created: Bool
    public init(run: Run, created: Bool) {
        self.run = run
        self.created = created
    }
}

public struct ListRunJobs: PagedRequest, Equatable {
    public var id: Int
    public var status: [JobStatus]?
    public var cursor: String?
    public var limit: Int?
    public init(id: Int, status: [JobStatus]? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.id = id
        self.status = status
        self.cursor = cursor
        self.limit = limit
    }
}

public struct ListRuns: PagedRequest, Equatable {
    public var status: RunStatus?
    public var scheduleID: Int?
    public var cursor: String?
    public var limit: Int?
    public init(status: RunStatus? = nil, scheduleID: Int? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.status = status
        self.scheduleID = scheduleID
        self.cursor = cursor
        self.limit = limit
    }
}

/// Job counts of one broker in a run, by status.
public struct BrokerProgress: Codable, Sendable, Equatable {
    public var brokerCode: String
    public var total: Int
    public var byStatus: [String: Int]
    public init(brokerCode: String, total: Int, byStatus: [String: Int]) {
        self.brokerCode = brokerCode
        self.total = total
        self.byStatus = byStatus
    }
}

/// Failed jobs that share a reason.
public struct FailureGroup: Codable, Sendable, Equatable {
    public var reason: String
    public var kind: FailureKind?
    public var count: Int
    public init(reason: String, kind: FailureKind?, count: Int) {
        self.reason = reason
        self.kind = kind
        self.count = count
    }
}

/// A run with its progress: per broker and state, and failures grouped by reason.
public struct RunDetail: Codable, Sendable, Equatable {
    public var run: Run
    public var brokers: [BrokerProgress]
    public var failures: [FailureGroup]
    /// Jobs done (ended) out of all jobs.
    public var done: Int
    public var total: Int
    public init(run: Run, brokers: [BrokerProgress], failures: [FailureGroup], done: Int, total: Int) {
        self.run = run
        self.brokers = brokers
        self.failures = failures
        self.done = done
        self.total = total
    }
}

/// What completing a run did: totals recomputed for portfolios whose jobs all ended, and whether the run finished.
public struct RunCompletion: Codable, Sendable, Equatable {
    public var run: Run
    public var recomputedPortfolios: [Int]
    /// True when this call finished the run.
    public var finishedNow: Bool
    public init(run: Run, recomputedPortfolios: [Int], finishedNow: Bool) {
        self.run = run
        self.recomputedPortfolios = recomputedPortfolios
        self.finishedNow = finishedNow
    }
}

public struct ListJobs: PagedRequest, Equatable {
    public var status: [JobStatus]?
    public var brokerCode: String?
    public var accountID: Int?
    public var runID: Int?
    public var since: Date?
    public var until: Date?
    public var cursor: String?
    public var limit: Int?
    public init(
        status: [JobStatus]? = nil,
        brokerCode: String? = nil,
        accountID: Int? = nil,
        runID: Int? = nil,
        since: Date? = nil,
        until: Date? = nil,
        cursor: String? = nil,
        limit: Int? = nil
    ) {
        self.status = status
        self.brokerCode = brokerCode
        self.accountID = accountID
        self.runID = runID
        self.since = since
        self.until = until
        self.cursor = cursor
        self.limit = limit
    }
}

/// A state change for one job, from a service (the dispatcher marking jobs it could not queue, say).
public struct JobStateUpdate: Codable, Sendable, Equatable {
    public var jobID: Int
    public var status: JobStatus
    public var error: String?
    public var failureKind: FailureKind?
    public init(jobID: Int, status: JobStatus, error: String? = nil, failureKind: FailureKind? = nil) {
        self.jobID = jobID
        self.status = status
        self.error = error
        self.failureKind = failureKind
    }
}

public struct UpdateJobStates: Codable, Sendable, Equatable {
    public var updates: [JobStateUpdate]
    public init(updates: [JobStateUpdate]) { self.updates = updates }
}

public struct RecomputeTotals: Codable, Sendable, Equatable {
    public var portfolioIDs: [Int]
    public var runID: Int?
    public init(portfolioIDs: [Int], runID: Int? = nil) {
        self.portfolioIDs = portfolioIDs
        self.runID = runID
    }
}

/// One account a scope covers, with what a job for it needs.
public struct SyncTarget: Codable, Sendable, Equatable {
    public var accountID: Int
    public var portfolioID: Int
    public var userID: Int
    public var brokerCode: String
    public var apiKeyID: String?
    /// Where the account's last transactions fetch stopped.
    public var transactionsCursor: String?
    public init(accountID: Int, portfolioID: Int, userID: Int, brokerCode: String, apiKeyID: String?, transactionsCursor: String? = nil) {
        self.accountID = accountID
        self.portfolioID = portfolioID
        self.userID = userID
        self.brokerCode = brokerCode
        self.apiKeyID = apiKeyID
        self.transactionsCursor = transactionsCursor
    }
}

public struct ListSyncTargets: PagedRequest, Equatable {
    public var scopeKind: ScopeKind
    public var scopeID: Int?
    public var cursor: String?
    public var limit: Int?
    public init(scopeKind: ScopeKind, scopeID: Int? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.scopeKind = scopeKind
        self.scopeID = scopeID
        self.cursor = cursor
        self.limit = limit
    }
}

/// A run's queued jobs, in job id order, as the messages the dispatcher puts on the brokers' streams.
public struct ListQueuedJobs: Codable, Sendable, Equatable {
    /// The run.
    public var id: Int
    /// Continue after this job id (a previous page's `next`).
    public var after: Int?
    /// Jobs per page: default 5,000, at most 20,000.
    public var limit: Int?
    public init(id: Int, after: Int? = nil, limit: Int? = nil) {
        self.id = id
        self.after = after
        self.limit = limit
    }
}

public struct QueuedJobs: Codable, Sendable, Equatable {
    public var jobs: [JobMessage]
    /// `after` for the next page; `nil` after the last.
    public var next: Int?
    public init(jobs: [JobMessage], next: Int?) {
        self.jobs = jobs
        self.next = next
    }
}

extension PersistenceAPI {
    public static let createRun = Endpoint<CreateRun, RunCreated>(.post, "/v1/runs", scopes: [.dispatcher], summary: "Create a run and its jobs")
    public static let runJobs = Endpoint<ListRunJobs, Page<Job>>(
        .get, "/v1/runs/{id}/jobs", scopes: .readers.and(.dispatcher, .monitor), summary: "A run's jobs")
    public static let queuedJobs = Endpoint<ListQueuedJobs, QueuedJobs>(
        .get, "/v1/runs/{id}/queued-jobs", scopes: [.dispatcher], summary: "A run's queued jobs as stream messages, for fan-out"
    )
    public static let markRunDispatched = Endpoint<ByID, Run>(
        .post, "/v1/runs/{id}/dispatched", scopes: [.dispatcher], summary: "Record that every job of a run is queued"
    )
    public static let completeRun = Endpoint<ByID, RunCompletion>(
        .post, "/v1/runs/{id}/complete", scopes: [.dispatcher],
        summary: "Recompute totals of finished portfolios; finish the run when every job ended"
    )
    public static let listRuns = Endpoint<ListRuns, Page<Run>>(
        .get, "/v1/runs", scopes: .readers.and(.dispatcher, .monitor), summary: "List runs, newest first")
    public static let getRun = Endpoint<ByID, RunDetail>(
        .get, "/v1/runs/{id}", scopes: .readers.and(.dispatcher, .monitor), summary: "A run with its progress")
    public static let listJobs = Endpoint<ListJobs, Page<Job>>(.get, "/v1/jobs", scopes: .readers.and(.monitor), summary: "List jobs, newest first")
    public static let getJob = Endpoint<ByID, JobDetail>(.get, "/v1/jobs/{id}", scopes: .readers.and(.monitor), summary: "A job with every attempt")
    public static let updateJobStates = Endpoint<UpdateJobStates, StoredCount>(
        .post, "/v1/jobs/states", scopes: .administrators, summary: "Record job state changes"
    )
    public static let recomputeTotals = Endpoint<RecomputeTotals, [PortfolioTotal]>(
        .post, "/v1/totals/recompute", scopes: .administrators, summary: "Recompute portfolio totals now"
    )
    public static let syncTargets = Endpoint<ListSyncTargets, Page<SyncTarget>>(
        .get, "/v1/sync-targets", scopes: .administrators, summary: "Active accounts a scope covers, paged"
    )
}

/// What cancelling a run did: its open jobs ended as `cancelled`, and the run finished.
public struct RunCancelled: Codable, Sendable, Equatable {
    public var run: Run
    /// The jobs cancelled now (queued, retrying or running when the cancel came).
    public var cancelledJobs: [Int]
    public init(run: Run, cancelledJobs: [Int]) {
        self.run = run
        self.cancelledJobs = cancelledJobs
    }
}

extension PersistenceAPI {
    public static let cancelRun = Endpoint<ByID, RunCancelled>(
        .post, "/v1/runs/{id}/cancel", scopes: .administrators.and(.monitor),
        summary: "End a run's open jobs as cancelled (a late result for one is discarded) and finish the run"
    )
}
