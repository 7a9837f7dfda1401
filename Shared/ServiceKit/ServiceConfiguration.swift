public import Contracts
import FoundationEssentials

/// The settings every service shares, with their defaults; each executable adds its own beside them.
///
/// | variable | default |
/// | --- | --- |
/// | `PSYNC_HTTP_HOST` | `127.0.0.1` |
/// | `PSYNC_HTTP_PORT` | the service's own port |
/// | `PSYNC_ADVERTISE_HOST` | the bound address, or the machine's host name when bound to every interface |
/// | `PSYNC_ADDRESS_FILE` | unset; else the file the bound address is written to once serving (healthchecks of port-0 replicas) |
/// | `PSYNC_REDIS_URL` | `redis://127.0.0.1:6379/0` |
/// | `PSYNC_REDIS_USER`, `PSYNC_REDIS_PASSWORD_FILE` | unset: the URL's user and password, if any (the password only from a file) |
/// | `PSYNC_POSTGRES_URL` | `postgres://psync@127.0.0.1:5432/psync` |
/// | `PSYNC_TOKENS_FILE` | unset: the tokens accepted, as `identity sha256-hex` lines (`TokenSet`) |
/// | `PSYNC_SERVICE_TOKEN` (or `_FILE`) | unset: this service's own token, sent when it calls another |
/// | `PSYNC_ADMIN_TOKEN`, `PSYNC_READ_TOKEN` (or `*_FILE`) | unset: also accepted as `admin` and `read` (hashed at start) |
/// | `PSYNC_LOG_FORMAT` | `auto`: text on a terminal, JSON lines otherwise |
/// | `PSYNC_LOG_LEVEL` | `info` |
public struct ServiceConfiguration: Sendable {
    /// Address the HTTP server binds; loopback unless set.
    public var httpHost = "127.0.0.1"
    /// Port the HTTP server binds; 0 picks a free one.
    public var httpPort: Int
    /// The host others reach this process by, announced in its heartbeat (gateways are found that way);
    /// nil: the bound address, or the host name when the server binds every interface (0.0.0.0 or ::).
    public var advertiseHost: String?
    /// A file to write the bound address to once serving, so a healthcheck can find a replica bound to port 0.
    public var addressFile: String?
    /// Redis, as `redis://host:port/db`.
    public var redisURL = "redis://127.0.0.1:6379/0"
    /// The Redis ACL user (`PSYNC_REDIS_USER`); nil: the URL's user, if any.
    public var redisUser: String?
    /// That user's password, read from the file `PSYNC_REDIS_PASSWORD_FILE` names; nil: the URL's, if any.
    public var redisPassword: String?
    /// Postgres, as `postgres://user:pass@host:port/db` (only psync-persistence connects).
    public var postgresURL = "postgres://psync@127.0.0.1:5432/psync"
    /// The tokens accepted (as hashes, by identity) and this service's own.
    public var tokens = TokenSet()
    /// How log lines look.
    public var logFormat = LogFormat.auto
    /// The lowest level logged.
    public var logLevel = "info"
    /// How often the heartbeat is refreshed.
    public var heartbeatInterval: Duration = .seconds(2)
    /// Hosts a service found through a heartbeat may be at before it is sent a token (`PSYNC_TRUSTED_WORKER_HOSTS`).
    public var trustedWorkers = WorkerAddressPolicy.loopback

    /// Defaults, with `port` as the service's own default port.
    public init(defaultPort: Int) {
        httpPort = defaultPort
    }

    /// Defaults overridden by whatever the environment sets. A service without Redis (`usesRedis: false`, psync-webhooks)
    /// reads none of its settings, so a deployment's shared Redis password file need not be mounted there.
    public init(defaultPort: Int, environment: EnvironmentReader, usesRedis: Bool = true) throws {
        self.init(defaultPort: defaultPort)
        httpHost = environment.string("PSYNC_HTTP_HOST") ?? httpHost
        httpPort = try environment.port("PSYNC_HTTP_PORT") ?? httpPort
        advertiseHost = environment.string("PSYNC_ADVERTISE_HOST") ?? advertiseHost
        addressFile = environment.string("PSYNC_ADDRESS_FILE") ?? addressFile
        if usesRedis {
            redisURL = environment.string("PSYNC_REDIS_URL") ?? redisURL
            redisUser = environment.string("PSYNC_REDIS_USER")
            redisPassword = try environment.fileSecret("PSYNC_REDIS_PASSWORD")
        }
        postgresURL = try environment.secret("PSYNC_POSTGRES_URL") ?? postgresURL
        tokens = try Self.tokens(from: environment)
        if let format = try environment.choice("PSYNC_LOG_FORMAT", ["auto", "text", "json"]) {
            logFormat = LogFormat(rawValue: format)!
        }
        logLevel = try environment.choice("PSYNC_LOG_LEVEL", LogFormat.levels) ?? logLevel
        heartbeatInterval = try environment.duration("PSYNC_HEARTBEAT_INTERVAL") ?? heartbeatInterval
        do {
            trustedWorkers = try WorkerAddressPolicy.parse(environment.string("PSYNC_TRUSTED_WORKER_HOSTS"))
        } catch {
            throw ConfigurationError(error.message)
        }
    }

    /// The accepted tokens: the tokens file's hashes, then the admin and read tokens of the environment, hashed.
    static func tokens(from environment: EnvironmentReader) throws -> TokenSet {
        var tokens = TokenSet()
        tokens.own = try environment.secret("PSYNC_SERVICE_TOKEN")
        if let path = environment.string("PSYNC_TOKENS_FILE") {
            guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else {
                throw ConfigurationError("PSYNC_TOKENS_FILE names \(path), which cannot be read (or is over 1 MiB)")
            }
            try tokens.accept(file: String(decoding: data, as: UTF8.self), source: "PSYNC_TOKENS_FILE")
        }
        for (setting, scope) in [("PSYNC_ADMIN_TOKEN", Scope.admin), ("PSYNC_READ_TOKEN", .read)] {
            guard let token = try environment.secret(setting) else { continue }
            try SecretPolicy.check(token, setting: setting, minimumLength: TokenSet.minimumLength)
            tokens.accept(hash: TokenSet.hash(token), as: Principal(scope))
        }
        return tokens
    }

    /// Applies command-line flags, which win over the environment.
    public mutating func apply(_ options: ServiceOptions) throws {
        if let host = options.httpHost { httpHost = host }
        if let port = options.httpPort {
            guard (0...65535).contains(port) else { throw ConfigurationError("--http-port must be 0-65535, got \(port)") }
            httpPort = port
        }
        if let url = options.redisURL {
            try Self.refusePassword(inRedisURL: url)
            redisURL = url
        }
        if let format = options.logFormat {
            guard let parsed = LogFormat(rawValue: format) else {
                throw ConfigurationError("--log-format must be auto, text or json, got '\(format)'")
            }
            logFormat = parsed
        }
        if let level = options.logLevel {
            guard LogFormat.levels.contains(level) else {
                throw ConfigurationError("--log-level must be one of \(LogFormat.levels.joined(separator: ", ")), got '\(level)'")
            }
            logLevel = level
        }
    }
}

/// How log lines are written.
public enum LogFormat: String, Sendable {
    /// Text when standard error is a terminal, JSON lines otherwise.
    case auto
    /// `2026-11-24T09:30:00.125Z info psync-persistence: ready http.address=127.0.0.1:7103`.
    case text
    /// One JSON object per line.
    case json

    /// Level names, lowest first.
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}
