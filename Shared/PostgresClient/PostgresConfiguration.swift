/// Where and how to connect to Postgres.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// A libpq connection URI: `postgres://user:password@host:port/database`.
    public var url: String
    /// Longest wait for a connection to open.
    public var connectTimeout: Duration
    /// Shown in `pg_stat_activity`.
    public var applicationName: String

    /// A connection to `url`, with a 5 s connect timeout.
    public init(url: String, applicationName: String = "psync", connectTimeout: Duration = .seconds(5)) throws {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw PostgresError(.connection, "the postgres URL must start with postgres:// or postgresql://")
        }
        self.url = url
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
    }

    /// The URL with any password replaced by `***`, safe to log.
    public var description: String {
        guard let schemeEnd = url.firstRange(of: "://"), let at = url.lastIndex(of: "@"), at > schemeEnd.upperBound else { return url }
        let credentials = url[schemeEnd.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
