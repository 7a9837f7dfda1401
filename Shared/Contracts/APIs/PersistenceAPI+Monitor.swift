/// Puts ended jobs back to `queued` (attempts from 0) so they can run again: a dead letter's retry.
public struct ReopenJobs: Codable, Sendable, Equatable {
    public var jobIDs: [Int]
    /// Why, for the audit log (`dead letter 1700000000000-0 retried`).
    public var reason: String?
    public init(jobIDs: [Int], reason: String? = nil) {
        self.jobIDs = jobIDs
        self.reason = reason
    }
}

/// The reopened jobs as the messages to put on their brokers' streams, and the ones refused with why.
public struct ReopenedJobs: Codable, Sendable, Equatable {
    public var jobs: [JobMessage]
    /// Job id (as text) → why it was not reopened.
    public var refused: [String: String]
    public init(jobs: [JobMessage], refused: [String: String]) {
        self.jobs = jobs
        self.refused = refused
    }
}

public struct JobStatisticsRequest: Codable, Sendable, Equatable {
    /// Minutes of throughput, ending now (default 60, at most 1440).
    public var minutes: Int?
    public init(minutes: Int? = nil) { self.minutes = minutes }
}

/// Jobs of one broker in one status.
public struct JobCount: Codable, Sendable, Equatable {
    public var brokerCode: String
    public var status: JobStatus
    public var count: Int
    public init(brokerCode: String, status: JobStatus, count: Int) {
        self.brokerCode = brokerCode
        self.status = status
        self.count = count
    }
}

/// What the monitor charts and exports: jobs finished per minute, and jobs and runs by state.
public struct JobStatistics: Codable, Sendable, Equatable {
    /// One point per minute, oldest first, zero-filled.
    public var throughput: [ThroughputPoint]
    public var jobs: [JobCount]
    /// Run status → runs.
    public var runs: [String: Int]
    /// Finished runs by outcome: `succeeded` (every job did), `failed` (some failed or died).
    public var runOutcomes: [String: Int]
    public init(throughput: [ThroughputPoint], jobs: [JobCount], runs: [String: Int], runOutcomes: [String: Int] = [:]) {
        self.throughput = throughput
        self.jobs = jobs
        self.runs = runs
        self.runOutcomes = runOutcomes
    }
}

/// An administrative action taken outside persistence (pausing a queue, retrying a letter), for the audit log.
public struct RecordAudit: Codable, Sendable, Equatable {
    public var action: String
    public var entity: String
    public var entityID: String?
    public var details: JSONValue?
    public init(action: String, entity: String, entityID: String? = nil, details: JSONValue? = nil) {
        self.action = action
        self.entity = entity
        self.entityID = entityID
        self.details = details
    }
}

extension PersistenceAPI {
    public static let reopenJobs = Endpoint<ReopenJobs, ReopenedJobs>(
        .post, "/v1/jobs/reopen", scopes: .administrators.and(.monitor), summary: "Put ended jobs back to queued for another round of attempts"
    )
    public static let jobStatistics = Endpoint<JobStatisticsRequest, JobStatistics>(
        .get, "/v1/statistics/jobs", scopes: .readers.and(.monitor), summary: "Jobs finished per minute, and jobs and runs by state"
    )
    public static let recordAudit = Endpoint<RecordAudit, AuditEntry>(
        .post, "/v1/audit", scopes: .administrators.and(.monitor), summary: "Record an administrative action taken in another service"
    )
}
