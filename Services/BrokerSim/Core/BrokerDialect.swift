import Hummingbird

/// Who is calling a broker route: the token whose data and faults apply, and the key its rate limit counts against.
struct BrokerCaller: Sendable {
    /// The per-account access credential (Kite's access token, Alpaca's key id, Upstox's and the sandbox's bearer token).
    var token: String
    /// The rate-limit key (Kite's `api_key`; the token itself for the others).
    var rateKey: String
    /// Whether an expired token is refused (not for Kite's login, which has no access token yet).
    var checksExpiry = true
}

/// Why a broker answers with an error; each dialect words it its own way.
enum BrokerFailure: Error, Sendable, Equatable {
    /// A missing or malformed parameter or header (Kite's InputException).
    case badRequest(String)
    /// No usable credentials, or expired ones.
    case unauthorized(String)
    /// Over the rate limit.
    case rateLimited
    /// The broker's own transient 5xx.
    case unavailable
}

/// One broker's wire conventions: how it reads credentials and how its errors and odd bodies look.
protocol BrokerDialect: Sendable {
    /// Which broker this is.
    var broker: Broker { get }
    /// The caller's credentials, or the failure this broker answers a request without usable ones with.
    func caller(of request: Request) -> Result<BrokerCaller, BrokerFailure>
    /// The broker's response to `failure`.
    func response(for failure: BrokerFailure) -> Response
    /// Valid JSON of the wrong shape, served with HTTP 200 by the `200-wrong-shape` fault.
    var wrongShapeBody: StaticString { get }
    /// Adds headers the broker sends on every response (Alpaca's `X-Ratelimit-*`).
    func decorate(_ response: inout Response, quota: RateLimiter.Decision)
}

extension BrokerDialect {
    func decorate(_ response: inout Response, quota: RateLimiter.Decision) {}
}
