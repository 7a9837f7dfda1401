public import Contracts
public import CurlClient
public import FoundationEssentials

/// One broker's API behind one protocol: fetch, normalise, classify failures.
///
/// A new broker is one file implementing this protocol plus one line in `BrokerRegistry`.
/// Results are normalised: exact decimals, ISO currency, ISIN and exchange, times in UTC, the
/// broker's raw item kept in `meta`. Every failure is a `BrokerError` of one of four kinds.
public protocol BrokerAdapter: Sendable {
    /// The broker code, e.g. `ZERODHA`.
    static var code: String { get }
    /// Credential fields the adapter needs (for a clear error before sealing).
    static var requiredCredentialFields: [String] { get }

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
}

extension BrokerAdapter {
    public static var requiredCredentialFields: [String] { [] }

    public static func loginExpiry(of fields: [String: String], issuedAt: Date) -> Date? { nil }

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
    /// The shared HTTP client (libcurl multi, keep-alive).
    public var http: HTTPClient
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
        http: HTTPClient,
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
