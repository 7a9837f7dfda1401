import ServiceKit

/// Settings of psync-dispatcher: the shared ones (default port 7102) plus its own.
struct DispatcherConfiguration: Sendable {
    var service = ServiceConfiguration(defaultPort: 7102)
    /// Where psync-persistence listens (`PSYNC_PERSISTENCE_URL`).
    var persistenceURL = "http://127.0.0.1:7103"
    /// Fires and events left pending this long by a dispatcher that died are taken over (`PSYNC_CLAIM_IDLE`).
    var claimIdle: Duration = .seconds(30)
    /// A fire delivered more often than this is dead-lettered (`PSYNC_MAX_DELIVERIES`).
    var maxDeliveries = 5
    /// How often unfinished runs are checked: fan-out finished, completion, deadlines (`PSYNC_RUN_SWEEP_INTERVAL`).
    var sweepInterval: Duration = .seconds(5)
    /// A run unfinished this long after it was created is reported as stuck (`PSYNC_RUN_DEADLINE`).
    var runDeadline: Duration = .seconds(3600)
    /// Jobs fetched from persistence per page while fanning out (`PSYNC_FANOUT_PAGE`).
    var fanOutPage = 5000

    init() {}

    init(environment: EnvironmentReader) throws {
        service = try ServiceConfiguration(defaultPort: 7102, environment: environment)
        persistenceURL = environment.string("PSYNC_PERSISTENCE_URL") ?? persistenceURL
        claimIdle = try environment.duration("PSYNC_CLAIM_IDLE") ?? claimIdle
        maxDeliveries = try environment.int("PSYNC_MAX_DELIVERIES", in: 1...100) ?? maxDeliveries
        sweepInterval = try environment.duration("PSYNC_RUN_SWEEP_INTERVAL") ?? sweepInterval
        runDeadline = try environment.duration("PSYNC_RUN_DEADLINE") ?? runDeadline
        guard runDeadline >= .seconds(1) else { throw ConfigurationError("PSYNC_RUN_DEADLINE must be at least 1s") }
        fanOutPage = try environment.int("PSYNC_FANOUT_PAGE", in: 100...20_000) ?? fanOutPage
    }

    /// The deadline in whole seconds, as runs store it.
    var runDeadlineSeconds: Int { max(1, Int(runDeadline.components.seconds)) }
}
