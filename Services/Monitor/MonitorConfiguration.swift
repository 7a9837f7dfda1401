import Contracts
import ServiceKit

/// Settings of psync-monitor: the shared ones (default port 7104) plus where persistence and the dispatcher listen.
struct MonitorConfiguration: Sendable {
    var service = ServiceConfiguration(defaultPort: 7104)
    /// Where psync-persistence listens (`PSYNC_PERSISTENCE_URL`); job and run history come from there.
    var persistenceURL = "http://127.0.0.1:7103"
    /// Where psync-dispatcher listens (`PSYNC_DISPATCHER_URL`), for run progress with stuck jobs.
    var dispatcherURL = "http://127.0.0.1:7102"
    /// Where psync-scheduler listens (`PSYNC_SCHEDULER_URL`), for the schedules pages.
    var schedulerURL = "http://127.0.0.1:7101"
    /// Where psync-webhooks listens (`PSYNC_WEBHOOKS_URL`), for adding and testing webhooks; `nil`: those two forms say it
    /// is not configured (listing, disabling, deleting and redelivering go through persistence and work without it).
    var webhooksURL: String?
    /// The address people reach the monitor at (`PSYNC_MONITOR_PUBLIC_URL`, e.g. `https://psync.example.com`), for the
    /// broker login callback a broker redirects the browser to; `nil`: the address the request came in on.
    var publicURL: String?
    /// The key that signs session cookies and records (`PSYNC_MONITOR_SESSION_SECRET` or `_FILE`, at least 32
    /// characters); `nil`: a random one per process, so sessions end when the monitor restarts.
    var sessionSecret: String?
    /// How long a browser login lasts at most, however active (`PSYNC_MONITOR_SESSION_TTL`).
    var sessionTTL: Duration = .seconds(12 * 3600)
    /// A session unused for this long ends (`PSYNC_MONITOR_SESSION_IDLE_TIMEOUT`).
    var sessionIdleTimeout: Duration = .seconds(30 * 60)
    /// How often an open `/events` stream checks that its session is still valid (`PSYNC_MONITOR_EVENTS_RECHECK`).
    var eventsRecheck: Duration = .seconds(5)
    /// Failed logins allowed per client address within `loginWindow` before 429 (`PSYNC_MONITOR_LOGIN_ATTEMPTS`).
    var loginAttempts = 10
    /// The window failed logins are counted in (`PSYNC_MONITOR_LOGIN_WINDOW`).
    var loginWindow: Duration = .seconds(5 * 60)
    /// Reverse proxies whose `X-Forwarded-For` names the client the login limit counts (`PSYNC_MONITOR_TRUSTED_PROXIES`).
    var trustedProxies = TrustedProxies.none
    /// Whether the session cookie is marked `Secure` (`PSYNC_MONITOR_SECURE_COOKIE`; set it behind HTTPS).
    var secureCookie = false
    /// A heartbeat older than this (and not refreshed) marks its instance lost (`PSYNC_MONITOR_LOST_AFTER`).
    var lostAfter: Duration = .seconds(10)
    /// Instances silent for longer than this are no longer listed at all (`PSYNC_MONITOR_FORGET_AFTER`).
    var forgetAfter: Duration = .seconds(24 * 3600)
    /// How often the system gauges and the workers' metrics are refreshed (`PSYNC_MONITOR_METRICS_INTERVAL`).
    var metricsInterval: Duration = .seconds(10)

    /// Shortest session secret accepted.
    static let minimumSecretLength = 32

    init() {}

    init(environment: EnvironmentReader) throws {
        service = try ServiceConfiguration(defaultPort: 7104, environment: environment)
        persistenceURL = environment.string("PSYNC_PERSISTENCE_URL") ?? persistenceURL
        dispatcherURL = environment.string("PSYNC_DISPATCHER_URL") ?? dispatcherURL
        schedulerURL = environment.string("PSYNC_SCHEDULER_URL") ?? schedulerURL
        webhooksURL = environment.string("PSYNC_WEBHOOKS_URL").flatMap { $0.isEmpty ? nil : $0 }
        publicURL = try environment.string("PSYNC_MONITOR_PUBLIC_URL").map(Self.publicURL)
        sessionSecret = try environment.secret("PSYNC_MONITOR_SESSION_SECRET")
        if let sessionSecret {
            try SecretPolicy.check(sessionSecret, setting: "PSYNC_MONITOR_SESSION_SECRET", minimumLength: Self.minimumSecretLength)
        }
        sessionTTL = try Self.positive(environment, "PSYNC_MONITOR_SESSION_TTL") ?? sessionTTL
        sessionIdleTimeout = try Self.positive(environment, "PSYNC_MONITOR_SESSION_IDLE_TIMEOUT") ?? sessionIdleTimeout
        eventsRecheck = try Self.positive(environment, "PSYNC_MONITOR_EVENTS_RECHECK") ?? eventsRecheck
        loginAttempts = try environment.int("PSYNC_MONITOR_LOGIN_ATTEMPTS", in: 1...10_000) ?? loginAttempts
        loginWindow = try Self.positive(environment, "PSYNC_MONITOR_LOGIN_WINDOW") ?? loginWindow
        secureCookie = try environment.bool("PSYNC_MONITOR_SECURE_COOKIE") ?? secureCookie
        do {
            trustedProxies = try TrustedProxies.parse(environment.string("PSYNC_MONITOR_TRUSTED_PROXIES"))
        } catch {
            throw ConfigurationError(error.message)
        }
        lostAfter = try environment.duration("PSYNC_MONITOR_LOST_AFTER") ?? lostAfter
        forgetAfter = try environment.duration("PSYNC_MONITOR_FORGET_AFTER") ?? forgetAfter
        metricsInterval = try environment.duration("PSYNC_MONITOR_METRICS_INTERVAL") ?? metricsInterval
    }

    /// An absolute http(s) URL without a query or fragment; a trailing slash is dropped.
    static func publicURL(_ text: String) throws -> String {
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), url.count > 8, url.count <= 512,
            !url.contains("?"), !url.contains("#"), !url.contains(where: { $0.isWhitespace })
        else {
            throw ConfigurationError("PSYNC_MONITOR_PUBLIC_URL must be an absolute http(s) URL without a query, such as https://psync.example.com")
        }
        return url
    }

    /// A duration setting that must be above zero.
    private static func positive(_ environment: EnvironmentReader, _ name: String) throws -> Duration? {
        guard let value = try environment.duration(name) else { return nil }
        guard value > .zero else { throw ConfigurationError("\(name) must be above zero, got '0'") }
        return value
    }
}
