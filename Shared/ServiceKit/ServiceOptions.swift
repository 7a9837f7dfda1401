public import ArgumentParser

/// Command-line flags every service accepts; each overrides its `PSYNC_*` variable.
///
/// Secrets have no flags: command lines are visible to every user of the machine.
public struct ServiceOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("http-host"), help: "Address to bind (PSYNC_HTTP_HOST).")
    public var httpHost: String?

    @Option(name: .customLong("http-port"), help: "Port to bind, 0 for any free port (PSYNC_HTTP_PORT).")
    public var httpPort: Int?

    @Option(name: .customLong("redis-url"), help: "Redis URL, redis://host:port/db (PSYNC_REDIS_URL).")
    public var redisURL: String?

    @Option(name: .customLong("log-format"), help: "auto, text or json (PSYNC_LOG_FORMAT).")
    public var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (PSYNC_LOG_LEVEL).")
    public var logLevel: String?

    public init() {}
}
