import ServiceKit

/// Settings of psync-monitor: the shared ones (default port 7104) plus where persistence and the dispatcher listen.
struct MonitorConfiguration: Sendable {
    var service = ServiceConfiguration(defaultPort: 7104)
    /// Where psync-persistence listens (`PSYNC_PERSISTENCE_URL`); job and run history come from there.
    var persistenceURL = "http://127.0.0.1:7103"
    /// Where psync-dispatcher listens (`PSYNC_DISPATCHER_URL`), for run progress with stuck jobs.
    var dispatcherURL = "http://127.0.0.1:7102"
    /// How long a browser login lasts (`PSYNC_MONITOR_SESSION_TTL`).
    var sessionTTL: Duration = .seconds(12 * 3600)
    /// Whether the session cookie is marked `Secure` (`PSYNC_MONITOR_SECURE_COOKIE`; set it behind HTTPS).
    var secureCookie = false
    /// A heartbeat older than this (and not refreshed) marks its instance lost (`PSYNC_MONITOR_LOST_AFTER`).
    var lostAfter: Duration = .seconds(10)
    /// Instances silent for longer than this are no longer listed at all (`PSYNC_MONITOR_FORGET_AFTER`).
    var forgetAfter: Duration = .seconds(24 * 3600)
    /// How often the system gauges and the workers' metrics are refreshed (`PSYNC_MONITOR_METRICS_INTERVAL`).
    var metricsInterval: Duration = .seconds(10)

    init() {}

    init(environment: EnvironmentReader) throws {
        service = try ServiceConfiguration(defaultPort: 7104, environment: environment)
        persistenceURL = environment.string("PSYNC_PERSISTENCE_URL") ?? persistenceURL
        dispatcherURL = environment.string("PSYNC_DISPATCHER_URL") ?? dispatcherURL
        sessionTTL = try environment.duration("PSYNC_MONITOR_SESSION_TTL") ?? sessionTTL
        secureCookie = try environment.bool("PSYNC_MONITOR_SECURE_COOKIE") ?? secureCookie
        lostAfter = try environment.duration("PSYNC_MONITOR_LOST_AFTER") ?? lostAfter
        forgetAfter = try environment.duration("PSYNC_MONITOR_FORGET_AFTER") ?? forgetAfter
        metricsInterval = try environment.duration("PSYNC_MONITOR_METRICS_INTERVAL") ?? metricsInterval
    }
}
