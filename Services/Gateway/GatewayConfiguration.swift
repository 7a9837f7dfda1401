import Brokers
import Cryptography
import ServiceKit

/// Settings of psync-gateway: the shared ones (default port 0, any free port) plus its broker's.
struct GatewayConfiguration: Sendable {
    var service = ServiceConfiguration(defaultPort: 0)
    /// The broker code, upper case (`--broker` or `PSYNC_BROKER`).
    var broker: String
    /// The broker API (`PSYNC_<BROKER>_BASE_URL`).
    var baseURL: String
    /// Other variants of the API by name, e.g. Alpaca's `paper` (`PSYNC_<BROKER>_<VARIANT>_BASE_URL`). Setting
    /// `PSYNC_<BROKER>_BASE_URL` drops the variants not set alongside it, so an account of another variant is refused rather
    /// than sent to the URL given for live (a paper key at Alpaca's live API is refused as a wrong key).
    var variantURLs: [String: String] = [:]
    /// Other `PSYNC_<BROKER>_*` settings, for the adapter (`MUTUAL_FUNDS`, `LOGIN_URL` …).
    var adapterOptions: [String: String] = [:]
    /// The broker's limit across every replica: its adapter's documented windows, or `PSYNC_<BROKER>_RATE_LIMIT`
    /// (`10/s`, `200/m`, `50/s,500/m,2000/30m`; `0` = none), counted per API key or per user as the broker counts.
    var rateLimit: RateLimitRule
    /// Jobs in flight in this replica (`PSYNC_GATEWAY_CONCURRENCY`).
    var concurrency = 64
    /// Jobs in flight per account, across replicas; 0 = no cap (`PSYNC_ACCOUNT_CONCURRENCY`).
    var accountConcurrency = 2
    /// Attempts before a job is dead-lettered (`PSYNC_MAX_ATTEMPTS`).
    var maxAttempts = 5
    /// Backoff: first retry waits up to this (full jitter), doubling per attempt (`PSYNC_RETRY_BASE`).
    var retryBase: Duration = .seconds(1)
    /// Backoff ceiling (`PSYNC_RETRY_MAX`).
    var retryMax: Duration = .seconds(60)
    /// One broker call's timeout, a body that drips included (`PSYNC_BROKER_TIMEOUT`).
    var brokerTimeout: Duration = .seconds(10)
    /// Largest broker response body accepted (`PSYNC_BROKER_MAX_BODY`: `32MiB`, `512KiB` or bytes).
    var brokerMaxBody = 32 << 20
    /// The longest wait a broker's Retry-After is obeyed for (`PSYNC_RETRY_AFTER_MAX`).
    var retryAfterMax: Duration = .seconds(15 * 60)
    /// A job that met a fault of our own (persistence, Postgres or Redis away) runs again after this, its attempts
    /// unchanged (`PSYNC_OWN_FAULT_DELAY`).
    var ownFaultDelay: Duration = .seconds(5)
    /// Results waiting for persistence above which a replica takes no new jobs (`PSYNC_RESULTS_BACKLOG_MAX`; 0 = none).
    var resultsBacklogMax = 5_000
    /// Jobs left pending this long by a replica that died are taken over (`PSYNC_CLAIM_IDLE`).
    var claimIdle: Duration = .seconds(30)
    /// A job delivered more often than this is dead-lettered (`PSYNC_MAX_DELIVERIES`).
    var maxDeliveries = 10
    /// On shutdown, how long in-flight jobs may finish before they are handed back (`PSYNC_DRAIN_TIMEOUT`).
    var drainTimeout: Duration = .seconds(5)
    /// Where psync-persistence listens (`PSYNC_PERSISTENCE_URL`).
    var persistenceURL = "http://127.0.0.1:7103"
    /// How long sealed boxes are cached (ciphertext only; `PSYNC_CREDENTIALS_CACHE_TTL`).
    var credentialsCacheTTL: Duration = .seconds(60)
    /// The current key id and key, and older ones that still open boxes.
    var keys: KeyRing?

    init(broker: String) {
        self.broker = broker.uppercased()
        let description = BrokerRegistry.description(for: self.broker)
        baseURL = description?.defaultBaseURL ?? ""
        variantURLs = description?.baseURLs.filter { $0.key != "live" } ?? [:]
        rateLimit = description?.rateLimit ?? .none
    }

    init(environment: EnvironmentReader, broker flag: String?) throws {
        guard let broker = flag ?? environment.string("PSYNC_BROKER") else {
            throw ConfigurationError("a broker is required: --broker CODE or PSYNC_BROKER (one of \(BrokerRegistry.codes.joined(separator: ", ")))")
        }
        guard BrokerRegistry.codes.contains(broker.uppercased()) else {
            throw ConfigurationError("no adapter for broker '\(broker.prefix(40))'; known: \(BrokerRegistry.codes.joined(separator: ", "))")
        }
        self.init(broker: broker)
        service = try ServiceConfiguration(defaultPort: 0, environment: environment)
        let prefix = "PSYNC_\(self.broker)_"
        if let url = environment.string(prefix + "BASE_URL") {
            baseURL = url
            for variant in variantURLs.keys where environment.string(prefix + variant.uppercased() + "_BASE_URL") == nil {
                variantURLs[variant] = nil
            }
        }
        for variant in variantURLs.keys {
            if let url = environment.string(prefix + variant.uppercased() + "_BASE_URL") { variantURLs[variant] = url }
        }
        adapterOptions = environment.values(withPrefix: prefix)
        if let limit = environment.string(prefix + "RATE_LIMIT") {
            guard let parsed = RateLimitRule.parse(limit, scope: rateLimit.scope) else {
                throw ConfigurationError(
                    "\(prefix)RATE_LIMIT must be rates such as 10/s, 200/m or 50/s,500/m,2000/30m (0 for none), got '\(limit.prefix(40))'")
            }
            rateLimit = rateLimit.with(windows: parsed.windows)
        }
        concurrency = try environment.int("PSYNC_GATEWAY_CONCURRENCY", in: 1...4096) ?? concurrency
        accountConcurrency = try environment.int("PSYNC_ACCOUNT_CONCURRENCY", in: 0...1000) ?? accountConcurrency
        maxAttempts = try environment.int("PSYNC_MAX_ATTEMPTS", in: 1...100) ?? maxAttempts
        retryBase = try environment.duration("PSYNC_RETRY_BASE") ?? retryBase
        retryMax = try environment.duration("PSYNC_RETRY_MAX") ?? retryMax
        brokerTimeout = try environment.duration("PSYNC_BROKER_TIMEOUT") ?? brokerTimeout
        if let text = environment.string("PSYNC_BROKER_MAX_BODY") { brokerMaxBody = try Self.parseSize(text, name: "PSYNC_BROKER_MAX_BODY") }
        retryAfterMax = try environment.duration("PSYNC_RETRY_AFTER_MAX") ?? retryAfterMax
        ownFaultDelay = try environment.duration("PSYNC_OWN_FAULT_DELAY") ?? ownFaultDelay
        resultsBacklogMax = try environment.int("PSYNC_RESULTS_BACKLOG_MAX", in: 0...10_000_000) ?? resultsBacklogMax
        claimIdle = try environment.duration("PSYNC_CLAIM_IDLE") ?? claimIdle
        maxDeliveries = try environment.int("PSYNC_MAX_DELIVERIES", in: 1...1000) ?? maxDeliveries
        drainTimeout = try environment.duration("PSYNC_DRAIN_TIMEOUT") ?? drainTimeout
        persistenceURL = environment.string("PSYNC_PERSISTENCE_URL") ?? persistenceURL
        credentialsCacheTTL = try environment.duration("PSYNC_CREDENTIALS_CACHE_TTL") ?? credentialsCacheTTL
        keys = try Self.keyRing(environment, broker: self.broker)
    }

    /// `32MiB`, `512KiB` or a number of bytes, from 1 KiB to 1 GiB.
    static func parseSize(_ text: String, name: String) throws -> Int {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("", 1)]
        for (suffix, unit) in units where text.hasSuffix(suffix) {
            guard let count = Int(text.dropLast(suffix.count)), count > 0, count <= (1 << 30) / unit, count * unit >= 1 << 10 else { break }
            return count * unit
        }
        throw ConfigurationError("\(name) must be a size from 1KiB to 1GiB such as 32MiB, 512KiB or a number of bytes, got '\(text.prefix(20))'")
    }

    /// The broker's key ring: `PSYNC_<BROKER>_KEY` given directly (id `PSYNC_<BROKER>_KEY_ID`, else
    /// `PSYNC_MASTER_KEY_ID`, else `k1`), with `PSYNC_<BROKER>_PREVIOUS_KEYS` (`id:hex,id:hex`) still opening boxes
    /// sealed before a rotation; or derived with HKDF from `PSYNC_MASTER_KEY`, with `PSYNC_PREVIOUS_MASTER_KEYS`.
    static func keyRing(_ environment: EnvironmentReader, broker: String) throws -> KeyRing? {
        var keys: [String: SymmetricKey] = [:]
        func key(_ hex: String, _ name: String) throws -> SymmetricKey {
            let parsed: SymmetricKey
            do {
                parsed = try SymmetricKey(hex: hex)
            } catch {
                throw ConfigurationError("\(name) must be 64 hex digits (a 256-bit key)")
            }
            try SecretPolicy.check(hex, setting: name, minimumLength: 64)  // refuses .env.example's all-zero key
            return parsed
        }
        let currentID: String
        let previousName: String
        let derive: (SymmetricKey) throws -> SymmetricKey
        if let direct = try environment.secret("PSYNC_\(broker)_KEY") {
            currentID = environment.string("PSYNC_\(broker)_KEY_ID") ?? environment.string("PSYNC_MASTER_KEY_ID") ?? "k1"
            keys[currentID] = try key(direct, "PSYNC_\(broker)_KEY")
            previousName = "PSYNC_\(broker)_PREVIOUS_KEYS"
            derive = { $0 }
        } else if let master = try environment.secret("PSYNC_MASTER_KEY") {
            currentID = environment.string("PSYNC_MASTER_KEY_ID") ?? "k1"
            derive = { try KeyRing.deriveKey(master: $0, info: "psync credentials \(broker)") }
            keys[currentID] = try derive(try key(master, "PSYNC_MASTER_KEY"))
            previousName = "PSYNC_PREVIOUS_MASTER_KEYS"
        } else {
            return nil
        }
        for entry in (try environment.secret(previousName) ?? "").split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: " ") }
            guard parts.count == 2, !parts[0].isEmpty, parts[0] != currentID else {
                throw ConfigurationError("\(previousName) must be id:hex pairs separated by commas, with ids other than the current one")
            }
            keys[parts[0]] = try derive(try key(parts[1], previousName))
        }
        return try KeyRing(current: currentID, keys: keys)
    }
}

extension String {
    func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
