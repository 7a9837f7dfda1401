public import FoundationEssentials

/// The JSON API of `psync-monitor` (its pages show the same data): workers, queues, dead letters,
/// runs, jobs and accounts needing a new login. The CLI's `workers`, `queues` and `dead` commands use it.
public enum MonitorAPI {}

/// A running (or recently silent) instance, from its heartbeat.
public struct WorkerView: Codable, Sendable, Equatable {
    public var heartbeat: WorkerHeartbeat
    /// `alive`, or `lost` when its heartbeat expired without a clean stop.
    public var state: String
    public init(heartbeat: WorkerHeartbeat, state: String) {
        self.heartbeat = heartbeat
        self.state = state
    }
}

public struct ListWorkers: Codable, Sendable, Equatable {
    /// Only this executable (`psync-gateway` …).
    public var service: String?
    /// Only gateways of this broker.
    public var broker: String?
    /// Include instances gone silent (default true).
    public var includeLost: Bool?
    public init(service: String? = nil, broker: String? = nil, includeLost: Bool? = nil) {
        self.service = service
        self.broker = broker
        self.includeLost = includeLost
    }
}

/// One consumer of a group, from XINFO CONSUMERS.
public struct ConsumerView: Codable, Sendable, Equatable {
    public var name: String
    public var pending: Int
    public var idleMilliseconds: Int
    public init(name: String, pending: Int, idleMilliseconds: Int) {
        self.name = name
        self.pending = pending
        self.idleMilliseconds = idleMilliseconds
    }
}

/// One consumer group of a stream, from XINFO GROUPS.
public struct GroupView: Codable, Sendable, Equatable {
    public var name: String
    /// Delivered but not acknowledged.
    public var pending: Int
    /// Entries not yet delivered to the group (`nil` when Redis cannot tell).
    public var lag: Int?
    public var consumers: [ConsumerView]
    public init(name: String, pending: Int, lag: Int?, consumers: [ConsumerView]) {
        self.name = name
        self.pending = pending
        self.lag = lag
        self.consumers = consumers
    }
}

/// A stream: a broker's job queue, or one of the system streams.
public struct QueueView: Codable, Sendable, Equatable {
    public var stream: String
    /// The broker, for `psync:{broker:CODE}:jobs`.
    public var broker: String?
    public var length: Int
    public var groups: [GroupView]
    /// Jobs waiting in the broker's delayed-retry set.
    public var delayed: Int?
    /// Whether the broker's gateways are paused.
    public var paused: Bool?
    /// Age of the oldest entry not yet delivered, in seconds.
    public var oldestWaitingSeconds: Double?
    public init(
        stream: String,
        broker: String?,
        length: Int,
        groups: [GroupView],
        delayed: Int?,
        paused: Bool?,
        oldestWaitingSeconds: Double?
    ) {
        self.stream = stream
        self.broker = broker
        self.length = length
        self.groups = groups
        self.delayed = delayed
        self.paused = paused
        self.oldestWaitingSeconds = oldestWaitingSeconds
    }
}

/// Names a broker's queue.
public struct BrokerQueue: Codable, Sendable, Equatable {
    public var broker: String
    public init(broker: String) { self.broker = broker }
}

public struct ListDeadLetters: Codable, Sendable, Equatable {
    /// Letters older than this id (a previous page's last id).
    public var before: String?
    /// At most this many (default 50, at most 500).
    public var limit: Int?
    public init(before: String? = nil, limit: Int? = nil) {
        self.before = before
        self.limit = limit
    }
}

public struct DeadLetterPage: Codable, Sendable, Equatable {
    public var letters: [DeadLetter]
    /// Letters on the dead-letter stream in all.
    public var total: Int
    /// `before` for the next page; `nil` after the last.
    public var next: String?
    public init(letters: [DeadLetter], total: Int, next: String?) {
        self.letters = letters
        self.total = total
        self.next = next
    }
}

/// Names a dead letter.
public struct DeadLetterID: Codable, Sendable, Equatable {
    public var id: String
    public init(id: String) { self.id = id }
}

/// What a retry did: letters put back (a dead job is reopened in the database and queued again from attempt 1).
public struct DeadLettersRetried: Codable, Sendable, Equatable {
    public var retried: Int
    /// Letters that could not be retried, with why.
    public var refused: [String: String]
    public init(retried: Int, refused: [String: String]) {
        self.retried = retried
        self.refused = refused
    }
}

/// An account that needs a new login, and what to run to fix it.
public struct ReauthAccount: Codable, Sendable, Equatable {
    public var account: BrokerAccount
    /// e.g. `psync login 12` or `psync credentials set 12`.
    public var fix: String
    public init(account: BrokerAccount, fix: String) {
        self.account = account
        self.fix = fix
    }
}

/// Jobs per minute over the last hour, for the overview's chart.
public struct ThroughputPoint: Codable, Sendable, Equatable {
    public var minute: Date
    public var succeeded: Int
    public var failed: Int
    public init(minute: Date, succeeded: Int, failed: Int) {
        self.minute = minute
        self.succeeded = succeeded
        self.failed = failed
    }
}

/// Everything the overview page shows.
public struct Overview: Codable, Sendable, Equatable {
    public var workers: [WorkerView]
    public var queues: [QueueView]
    public var throughput: [ThroughputPoint]
    public var deadLetters: Int
    public var reauthAccounts: Int
    /// Unfinished runs, and the most recent finished one.
    public var runs: [RunDetail]
    public init(
        workers: [WorkerView],
        queues: [QueueView],
        throughput: [ThroughputPoint],
        deadLetters: Int,
        reauthAccounts: Int,
        runs: [RunDetail]
    ) {
        self.workers = workers
        self.queues = queues
        self.throughput = throughput
        self.deadLetters = deadLetters
        self.reauthAccounts = reauthAccounts
        self.runs = runs
    }
}

extension MonitorAPI {
    public static let overview = Endpoint<Empty, Overview>(.get, "/api/v1/overview", scopes: .readers, summary: "The overview page's data")
    public static let workers = Endpoint<ListWorkers, [WorkerView]>(.get, "/api/v1/workers", scopes: .readers, summary: "Instances from heartbeats")
    public static let queues = Endpoint<Empty, [QueueView]>(.get, "/api/v1/queues", scopes: .readers, summary: "Streams, groups, consumers, delays")
    public static let pauseQueue = Endpoint<BrokerQueue, QueueView>(
        .post, "/api/v1/queues/{broker}/pause", scopes: .administrators, summary: "Stop a broker's gateways taking new jobs"
    )
    public static let resumeQueue = Endpoint<BrokerQueue, QueueView>(
        .post, "/api/v1/queues/{broker}/resume", scopes: .administrators, summary: "Let a broker's gateways take jobs again"
    )
    public static let deadLetters = Endpoint<ListDeadLetters, DeadLetterPage>(
        .get, "/api/v1/dead-letters", scopes: .readers, summary: "Dead letters, newest first"
    )
    public static let deadLetter = Endpoint<DeadLetterID, DeadLetter>(.get, "/api/v1/dead-letters/{id}", scopes: .readers, summary: "One dead letter")
    public static let retryDeadLetter = Endpoint<DeadLetterID, DeadLettersRetried>(
        .post, "/api/v1/dead-letters/{id}/retry", scopes: .administrators, summary: "Put one dead letter back"
    )
    public static let retryAllDeadLetters = Endpoint<Empty, DeadLettersRetried>(
        .post, "/api/v1/dead-letters/retry", scopes: .administrators, summary: "Put every dead letter back"
    )
    public static let runs = Endpoint<ListRuns, Page<Run>>(.get, "/api/v1/runs", scopes: .readers, summary: "Runs, newest first")
    public static let run = Endpoint<ByID, RunProgress>(.get, "/api/v1/runs/{id}", scopes: .readers, summary: "A run's progress")
    public static let jobs = Endpoint<ListJobs, Page<Job>>(.get, "/api/v1/jobs", scopes: .readers, summary: "Jobs, newest first, filtered")
    public static let job = Endpoint<ByID, JobDetail>(.get, "/api/v1/jobs/{id}", scopes: .readers, summary: "A job with every attempt")
    public static let reauthAccounts = Endpoint<Empty, [ReauthAccount]>(
        .get, "/api/v1/accounts/reauth", scopes: .readers, summary: "Accounts needing a new login, with the fix"
    )
}

/// A single-use link that logs a browser in as an administrator (for a headless browser, or a link printed by the CLI).
public struct LoginTicket: Codable, Sendable, Equatable {
    /// `/login?ticket=…`, relative to the monitor's address; good once.
    public var path: String
    public var expiresInSeconds: Int
    public init(path: String, expiresInSeconds: Int) {
        self.path = path
        self.expiresInSeconds = expiresInSeconds
    }
}

extension MonitorAPI {
    public static let createLoginTicket = Endpoint<Empty, LoginTicket>(
        .post, "/api/v1/login-tickets", scopes: .administrators, summary: "A single-use browser login link, good for a minute"
    )
}

/// Which dead letters a bulk retry or discard acts on: the ids given, or every letter matching all the criteria given
/// (`all` with no criterion: every letter).
public struct DeadLetterFilter: Codable, Sendable, Equatable {
    /// These letters only.
    public var ids: [String]?
    /// Every letter (needed when no criterion is given, so an empty filter never acts on everything by accident).
    public var all: Bool?
    /// From this stream (`psync:{broker:ZERODHA}:jobs`, `psync:results` …).
    public var origin: String?
    /// From this broker's job stream.
    public var broker: String?
    /// Whose reason contains this text (case-insensitive).
    public var reason: String?
    /// Of this message type (`job`, `job.result`, `fire` …).
    public var messageType: String?
    /// Dead-lettered before this time.
    public var before: Date?
    /// Dead-lettered at or after this time.
    public var after: Date?
    public init(
        ids: [String]? = nil, all: Bool? = nil, origin: String? = nil, broker: String? = nil, reason: String? = nil, messageType: String? = nil,
        before: Date? = nil, after: Date? = nil
    ) {
        self.ids = ids
        self.all = all
        self.origin = origin
        self.broker = broker
        self.reason = reason
        self.messageType = messageType
        self.before = before
        self.after = after
    }

    /// Whether any criterion (not `all`) is given.
    public var hasCriteria: Bool {
        !(ids ?? []).isEmpty || origin != nil || broker != nil || reason != nil || messageType != nil || before != nil || after != nil
    }
}

/// How many dead letters a filter matches (and the first few), before acting on them.
public struct DeadLetterMatches: Codable, Sendable, Equatable {
    public var count: Int
    /// Up to 20 of them, newest first.
    public var sample: [DeadLetter]
    public init(count: Int, sample: [DeadLetter]) {
        self.count = count
        self.sample = sample
    }
}

/// What a discard removed from the dead-letter stream (a job's letter leaves the job dead).
public struct DeadLettersDiscarded: Codable, Sendable, Equatable {
    public var discarded: Int
    public var ids: [String]
    public init(discarded: Int, ids: [String]) {
        self.discarded = discarded
        self.ids = ids
    }
}

/// What retrying a run's failed and dead jobs did: jobs reopened and queued again, and the ones refused with why.
public struct RunJobsRetried: Codable, Sendable, Equatable {
    public var runID: Int
    public var retried: [Int]
    /// Job id (as text) → why it was not reopened.
    public var refused: [String: String]
    public init(runID: Int, retried: [Int], refused: [String: String]) {
        self.runID = runID
        self.retried = retried
        self.refused = refused
    }
}

extension MonitorAPI {
    public static let cancelRun = Endpoint<ByID, RunCancelled>(
        .post, "/api/v1/runs/{id}/cancel", scopes: .administrators, summary: "End a run's open jobs as cancelled and finish the run"
    )
    public static let retryFailedJobs = Endpoint<ByID, RunJobsRetried>(
        .post, "/api/v1/runs/{id}/retry-failed", scopes: .administrators, summary: "Reopen a run's failed and dead jobs and queue them again"
    )
    public static let matchingDeadLetters = Endpoint<DeadLetterFilter, DeadLetterMatches>(
        .get, "/api/v1/dead-letter-matches", scopes: .readers, summary: "How many dead letters a filter matches"
    )
    public static let retryMatchingDeadLetters = Endpoint<DeadLetterFilter, DeadLettersRetried>(
        .post, "/api/v1/dead-letters/retry-matching", scopes: .administrators, summary: "Put back the dead letters a filter matches"
    )
    public static let discardDeadLetters = Endpoint<DeadLetterFilter, DeadLettersDiscarded>(
        .post, "/api/v1/dead-letters/discard", scopes: .administrators, summary: "Delete the dead letters a filter matches"
    )
}
