import ServiceKit

/// Settings of psync-scheduler: the shared ones (default port 7101) plus its own.
struct SchedulerConfiguration: Sendable {
    var service = ServiceConfiguration(defaultPort: 7101)
    /// Where psync-persistence listens (`PSYNC_PERSISTENCE_URL`).
    var persistenceURL = "http://127.0.0.1:7103"
    /// The leader lease's lifetime: a leader that dies is replaced within this (`PSYNC_LEADER_LEASE`).
    var leaseTTL: Duration = .seconds(5)
    /// How often the leader checks for edited schedules (`PSYNC_SCHEDULE_POLL`).
    var pollInterval: Duration = .milliseconds(500)
    /// A fire later than this is a misfire, handled by the schedule's policy (`PSYNC_MISFIRE_GRACE`).
    var misfireGrace: Duration = .seconds(60)
    /// At most this many missed fires are sent for one schedule under the `all` policy (`PSYNC_MISFIRE_LIMIT`).
    var misfireLimit = 1000

    init() {}

    init(environment: EnvironmentReader) throws {
        service = try ServiceConfiguration(defaultPort: 7101, environment: environment)
        persistenceURL = environment.string("PSYNC_PERSISTENCE_URL") ?? persistenceURL
        leaseTTL = try environment.duration("PSYNC_LEADER_LEASE") ?? leaseTTL
        guard leaseTTL >= .milliseconds(300) else { throw ConfigurationError("PSYNC_LEADER_LEASE must be at least 300ms") }
        pollInterval = try environment.duration("PSYNC_SCHEDULE_POLL") ?? pollInterval
        guard pollInterval >= .milliseconds(10) else { throw ConfigurationError("PSYNC_SCHEDULE_POLL must be at least 10ms") }
        misfireGrace = try environment.duration("PSYNC_MISFIRE_GRACE") ?? misfireGrace
        misfireLimit = try environment.int("PSYNC_MISFIRE_LIMIT", in: 1...100_000) ?? misfireLimit
    }
}
