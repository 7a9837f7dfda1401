import Cryptography
import ServiceKit

/// Settings of psync-webhooks: the shared ones (default port 7105) plus its own.
struct WebhooksConfiguration: Sendable {
    var service = ServiceConfiguration(defaultPort: 7105)
    /// Where psync-persistence listens (`PSYNC_PERSISTENCE_URL`).
    var persistenceURL = "http://127.0.0.1:7103"
    /// The key that seals webhook secrets, its id, and older keys that still open boxes (`PSYNC_WEBHOOKS_KEY` or `_FILE`,
    /// `PSYNC_WEBHOOKS_KEY_ID`, `PSYNC_WEBHOOKS_PREVIOUS_KEYS`). Required.
    var keys: KeyRing?
    /// Where webhooks may be sent (`PSYNC_WEBHOOKS_ALLOWED_HOSTS`, `PSYNC_WEBHOOKS_ALLOWED_NETWORKS`, `PSYNC_WEBHOOKS_ALLOW_HTTP`).
    var egress = EgressPolicy()
    /// The first retry waits up to this (full jitter), doubling per attempt (`PSYNC_WEBHOOKS_RETRY_BASE`).
    var retryBase: Duration = .seconds(10)
    /// The longest wait between two attempts (`PSYNC_WEBHOOKS_RETRY_MAX`).
    var retryMax: Duration = .seconds(3600)
    /// A delivery still failing this long after its first attempt fails for good (`PSYNC_WEBHOOKS_RETRY_WINDOW`).
    var retryWindow: Duration = .seconds(24 * 3600)
    /// A subscription whose every attempt has failed for this long is disabled (`PSYNC_WEBHOOKS_DISABLE_AFTER`).
    var disableAfter: Duration = .seconds(24 * 3600)
    /// One request's whole time, answer included (`PSYNC_WEBHOOKS_TIMEOUT`); connecting gets at most 5 s of it.
    var timeout: Duration = .seconds(10)
    /// Requests in flight at once (`PSYNC_WEBHOOKS_CONCURRENCY`).
    var concurrency = 32
    /// How long to wait before asking for deliveries again when the last claim found nothing to fill
    /// (`PSYNC_WEBHOOKS_POLL_INTERVAL`); a claim that filled every free slot is followed by another at once.
    var pollInterval: Duration = .milliseconds(250)

    init() {}

    init(environment: EnvironmentReader) throws {
        service = try ServiceConfiguration(defaultPort: 7105, environment: environment, usesRedis: false)
        persistenceURL = environment.string("PSYNC_PERSISTENCE_URL") ?? persistenceURL
        keys = try Self.keyRing(environment)
        do {
            egress = try EgressPolicy(
                allowedHosts: environment.string("PSYNC_WEBHOOKS_ALLOWED_HOSTS"),
                allowedNetworks: environment.string("PSYNC_WEBHOOKS_ALLOWED_NETWORKS"),
                allowsHTTP: try environment.bool("PSYNC_WEBHOOKS_ALLOW_HTTP") ?? false)
        } catch let error as EgressSettingError {
            throw ConfigurationError(error.message)
        }
        retryBase = try environment.duration("PSYNC_WEBHOOKS_RETRY_BASE") ?? retryBase
        retryMax = try environment.duration("PSYNC_WEBHOOKS_RETRY_MAX") ?? retryMax
        retryWindow = try environment.duration("PSYNC_WEBHOOKS_RETRY_WINDOW") ?? retryWindow
        disableAfter = try environment.duration("PSYNC_WEBHOOKS_DISABLE_AFTER") ?? disableAfter
        timeout = try environment.duration("PSYNC_WEBHOOKS_TIMEOUT") ?? timeout
        concurrency = try environment.int("PSYNC_WEBHOOKS_CONCURRENCY", in: 1...500) ?? concurrency
        pollInterval = try environment.duration("PSYNC_WEBHOOKS_POLL_INTERVAL") ?? pollInterval
        for (name, value, minimum, text) in [
            ("PSYNC_WEBHOOKS_RETRY_BASE", retryBase, Duration.milliseconds(10), "10ms"),
            ("PSYNC_WEBHOOKS_RETRY_MAX", retryMax, retryBase, "PSYNC_WEBHOOKS_RETRY_BASE"),
            ("PSYNC_WEBHOOKS_RETRY_WINDOW", retryWindow, .seconds(1), "1s"), ("PSYNC_WEBHOOKS_DISABLE_AFTER", disableAfter, .seconds(1), "1s"),
            ("PSYNC_WEBHOOKS_TIMEOUT", timeout, .milliseconds(100), "100ms"),
            ("PSYNC_WEBHOOKS_POLL_INTERVAL", pollInterval, .milliseconds(10), "10ms"),
        ] where value < minimum {
            throw ConfigurationError("\(name) must be at least \(text)")
        }
        guard timeout <= .seconds(120) else { throw ConfigurationError("PSYNC_WEBHOOKS_TIMEOUT must be at most 120s") }
    }

    /// Connecting gets at most 5 s, and never more than the whole request.
    var connectTimeout: Duration { min(.seconds(5), timeout) }

    /// How long a claimed delivery stays ours: name lookup, the request, and room to record it.
    var leaseSeconds: Int {
        let seconds = Int((EgressResolver.timeout + timeout).components.seconds) + 20
        return min(600, max(5, seconds))
    }

    /// The key ring: `PSYNC_WEBHOOKS_KEY` (or `_FILE`; 64 hex digits) under id `PSYNC_WEBHOOKS_KEY_ID` (default `k1`), with
    /// `PSYNC_WEBHOOKS_PREVIOUS_KEYS` (`id:hex,id:hex`, or `_FILE`) still opening secrets sealed before a rotation.
    static func keyRing(_ environment: EnvironmentReader) throws -> KeyRing? {
        guard let current = try environment.secret("PSYNC_WEBHOOKS_KEY") else { return nil }
        func key(_ hex: String, _ name: String) throws -> SymmetricKey {
            let parsed: SymmetricKey
            do {
                parsed = try SymmetricKey(hex: hex)
            } catch {
                throw ConfigurationError("\(name) must be 64 hex digits (a 256-bit key, e.g. `openssl rand -hex 32`)")
            }
            try SecretPolicy.check(hex, setting: name, minimumLength: 64)
            return parsed
        }
        let currentID = environment.string("PSYNC_WEBHOOKS_KEY_ID") ?? "k1"
        var keys = [currentID: try key(current, "PSYNC_WEBHOOKS_KEY")]
        for entry in (try environment.secret("PSYNC_WEBHOOKS_PREVIOUS_KEYS") ?? "").split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.filter { $0 != " " } }
            guard parts.count == 2, !parts[0].isEmpty, parts[0] != currentID else {
                throw ConfigurationError("PSYNC_WEBHOOKS_PREVIOUS_KEYS must be id:hex pairs separated by commas, with ids other than the current one")
            }
            keys[parts[0]] = try key(parts[1], "PSYNC_WEBHOOKS_PREVIOUS_KEYS")
        }
        do {
            return try KeyRing(current: currentID, keys: keys)
        } catch let error as CryptoError {
            throw ConfigurationError("PSYNC_WEBHOOKS_KEY_ID: \(error.message)")
        }
    }
}
