public import Contracts
public import CurlClient
public import FoundationEssentials

/// One broker's API behind one protocol: fetch, normalise, classify failures.
///
/// A new broker is one file implementing this protocol plus one line in `BrokerRegistry`: the adapter's
/// `broker` declares its name, base URLs, credentials, rate limits, login and capabilities.
/// Results are normalised: exact decimals, ISO currency, ISIN and exchange, times in UTC, the
/// broker's raw item kept in `meta`. Every failure is a `BrokerError` of one of four kinds.
public protocol BrokerAdapter: Sendable {
    /// What the broker is and can do.
    static var broker: BrokerDescription { get }

    init(environment: BrokerEnvironment)

    /// Long-term holdings now.
    func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot
    /// Transactions since `cursor` (the cursor a previous call returned), with the next cursor.
    func transactions(_ credentials: BrokerCredentials, since cursor: String?) async throws -> TransactionsBatch
    /// Open positions, where the broker has them.
    func positions(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot
    /// Checks the credentials with the broker's profile endpoint.
    func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile
    /// When a login made at `issuedAt` with these credential fields stops working, for brokers whose logins expire.
    static func loginExpiry(of fields: [String: String], issuedAt: Date) -> Date?

    /// The broker's login page for these credentials (brokers with `.login`); `state` comes back in the redirect.
    func loginURL(_ credentials: BrokerCredentials, state: String?) throws -> String
    /// Exchanges the one-time code from the login redirect for the credential fields to store (a new access token …).
    func completeLogin(_ credentials: BrokerCredentials, code: String) async throws -> [String: String]
    /// Reads a statement file (brokers with `.statementImport`); every problem is reported with its line.
    func statement(_ text: String, asOf: Date) throws -> Statement
}

/// Everything wrong with a statement, one line each ("line 4: quantity must be a decimal …"); nothing is stored.
public struct StatementProblems: Error, CustomStringConvertible, Sendable {
    public let lines: [String]
    public init(lines: [String]) { self.lines = lines }
    public var description: String { lines.joined(separator: "; ") }
}

/// What a statement held: a whole holdings snapshot, and transactions if it lists any.
public struct Statement: Sendable {
    public var holdings: [Holding]
    public var transactions: [BrokerTransaction]

    public init(holdings: [Holding], transactions: [BrokerTransaction] = []) {
        self.holdings = holdings
        self.transactions = transactions
    }
}

extension BrokerAdapter {
    /// The broker code, e.g. `ZERODHA`.
    public static var code: String { broker.code }

    public static func loginExpiry(of fields: [String: String], issuedAt: Date) -> Date? { nil }

    public func loginURL(_ credentials: BrokerCredentials, state: String?) throws -> String {
        throw BrokerError.permanent("\(Self.code) has no login page; set the account's credentials with `psync credentials set`")
    }

    public func completeLogin(_ credentials: BrokerCredentials, code: String) async throws -> [String: String] {
        throw BrokerError.permanent("\(Self.code) has no login flow")
    }

    public func statement(_ text: String, asOf: Date) throws -> Statement {
        throw BrokerError.permanent("\(Self.code) is synced from its API; statements are for brokers without one")
    }

    public func positions(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        throw BrokerError.permanent("\(Self.code) has no positions API")
    }

    public func transactions(_ credentials: BrokerCredentials, since cursor: String?) async throws -> TransactionsBatch {
        throw BrokerError.permanent("\(Self.code) has no transactions API")
    }

    /// Runs the fetch `action` names.
    public func fetch(_ action: JobAction, _ credentials: BrokerCredentials, cursor: String?) async throws -> FetchResult {
        switch action {
        case .holdings: .snapshot(try await holdings(credentials))
        case .positions: .snapshot(try await positions(credentials))
        case .transactions: .transactions(try await transactions(credentials, since: cursor))
        }
    }
}

/// What a fetch returned.
public enum FetchResult: Sendable {
    case snapshot(HoldingsSnapshot)
    case transactions(TransactionsBatch)
}

/// What every adapter is given: where the broker is and how to reach it.
public struct BrokerEnvironment: Sendable {
    /// The broker API's base URL (a real broker, or psync-brokersim).
    public var baseURL: String
    /// Base URLs of other variants by name (Alpaca's `paper`); an account picks one with its `environment` credential field.
    public var variantURLs: [String: String] = [:]
    /// What sends broker calls: the shared HTTP client (libcurl multi, keep-alive), or a canned one in a benchmark.
    public var http: any HTTPTransport
    /// Longest wait for one broker call, a body that drips included.
    public var timeout: Duration
    /// Largest response body accepted from the broker; a larger one is a permanent error.
    public var maximumResponseSize = 32 << 20
    /// Longest wait a broker's `Retry-After` (or `X-Ratelimit-Reset`) can ask for; longer ones are cut to this.
    public var retryAfterLimit: Duration = .seconds(15 * 60)
    /// Now, for `as_of` (injectable for tests).
    public var now: @Sendable () -> Date
    /// Waits for a slot of the global rate limit named by the key before each broker call.
    public var throttle: @Sendable (_ rateLimitKey: String) async throws -> Void
    /// Adapter options (`PSYNC_<CODE>_<OPTION>`), e.g. Kite's `MUTUAL_FUNDS`.
    public var options: [String: String]
    /// Told the outcome of every broker call: the HTTP status (`200`, `429` …), or `timeout` / `error` when none came.
    public var observe: @Sendable (_ status: String) -> Void = { _ in }

    public init(
        baseURL: String,
        http: any HTTPTransport,
        timeout: Duration = .seconds(10),
        options: [String: String] = [:],
        now: @escaping @Sendable () -> Date = { Date() },
        throttle: @escaping @Sendable (String) async throws -> Void = { _ in }
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
        self.timeout = timeout
        self.options = options
        self.now = now
        self.throttle = throttle
    }

    /// The base URL for the account's variant (`environment` credential field): `live` (the default) or another the broker has.
    public func baseURL(for credentials: BrokerCredentials) throws -> String {
        guard let variant = credentials.fields["environment"], variant != "live" else { return baseURL }
        guard let url = variantURLs[variant] else {
            throw BrokerError.permanent(
                "the credentials ask for the '\(variant.prefix(20))' environment, which this broker does not have (known: \((["live"] + variantURLs.keys.sorted()).joined(separator: ", ")))"
            )
        }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}

/// An account's credentials: the fields of the JSON object the user supplied. Never printed.
public struct BrokerCredentials: Sendable, CustomStringConvertible {
    public let fields: [String: String]
    /// The global rate limit these credentials count against (accounts sharing an API key share one).
    public var rateLimitKey: String

    public init(_ fields: [String: String], rateLimitKey: String = "default") {
        self.fields = fields
        self.rateLimitKey = rateLimitKey
    }

    /// The field `name`, or a permanent error naming it (never its value).
    public func require(_ name: String) throws -> String {
        guard let value = fields[name], !value.isEmpty else {
            throw BrokerError.permanent("the stored credentials have no '\(name)'; set them again with `psync credentials set`")
        }
        return value
    }

    public var description: String { "BrokerCredentials(\(fields.keys.sorted().joined(separator: ", ")): <redacted>)" }
}
