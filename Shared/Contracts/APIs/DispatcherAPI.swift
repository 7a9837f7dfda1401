public import FoundationEssentials

/// The RPCs of `psync-dispatcher`: start a run now, and follow one.
public enum DispatcherAPI {}

/// Starts a run now: one job per (active account in scope, action).
public struct StartRun: Codable, Sendable, Equatable {
    public var scope: SyncScope
    public var actions: [JobAction]
    /// Report the run as stuck if it has not finished this long after it started (default: one hour).
    public var deadlineSeconds: Int?
    public init(scope: SyncScope, actions: [JobAction] = [.holdings], deadlineSeconds: Int? = nil) {
        self.scope = scope
        self.actions = actions
        self.deadlineSeconds = deadlineSeconds
    }
}

/// A run's progress, and when it is past its deadline, the jobs it still waits for.
public struct RunProgress: Codable, Sendable, Equatable {
    public var detail: RunDetail
    /// Unfinished past its deadline.
    public var stuck: Bool
    /// When stuck: up to 50 of the jobs that have not ended, oldest first.
    public var waitingFor: [Job]
    public init(detail: RunDetail, stuck: Bool, waitingFor: [Job]) {
        self.detail = detail
        self.stuck = stuck
        self.waitingFor = waitingFor
    }
}

extension DispatcherAPI {
    public static let startRun = Endpoint<StartRun, RunDetail>(
        .post, "/v1/runs", scopes: .administrators.and(.monitor), summary: "Create a run and queue its jobs on the brokers' streams"
    )
    public static let runProgress = Endpoint<ByID, RunProgress>(
        .get, "/v1/runs/{id}", scopes: .readers.and(.monitor),
        summary: "A run's progress: jobs done of total, per broker and state; what a stuck run waits for"
    )
}
