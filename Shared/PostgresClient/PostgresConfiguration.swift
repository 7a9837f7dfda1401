/// Where and how to connect to Postgres.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// A libpq connection URI: `postgres://user:password@host:port/database`.
    public var url: String
    /// Longest wait for a connection to open.
    public var connectTimeout: Duration
    /// Shown in `pg_stat_activity`.
    public var applicationName: String
    /// The server cancels a statement that runs longer (`statement_timeout`); 0 turns it off.
    public var statementTimeout: Duration = .seconds(60)
    /// The longest a caller waits for a pooled connection before it gets an error (a connection error, so the caller
    /// treats it as an outage).
    public var leaseTimeout: Duration = .seconds(15)
    /// A connection whose sent data stays unacknowledged this long is broken (`tcp_user_timeout`); TCP keepalives
    /// probe an idle one every 10 s after 30 s, so a vanished server is noticed within about a minute.
    public var tcpUserTimeout: Duration = .seconds(30)

    /// A connection to `url`, with a 5 s connect timeout.
    public init(url: String, applicationName: String = "psync", connectTimeout: Duration = .seconds(5)) throws {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw PostgresError(.connection, "the postgres URL must start with postgres:// or postgresql://")
        }
        self.url = url
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
    }

    /// The URL with any password (in the user part or as a `password=` parameter) replaced by `***`, safe to log.
    public var description: String {
        var text = url
        if let schemeEnd = text.firstRange(of: "://"), let at = text.lastIndex(of: "@"), at > schemeEnd.upperBound,
            let colon = text[schemeEnd.upperBound..<at].firstIndex(of: ":")
        {
            text = String(text[..<colon]) + ":***" + String(text[at...])
        }
        guard let question = text.firstIndex(of: "?") else { return text }
        let parameters = text[text.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { parameter in
            parameter.lowercased().hasPrefix("password=") ? "password=***" : String(parameter)
        }
        return String(text[...question]) + parameters.joined(separator: "&")
    }
}
