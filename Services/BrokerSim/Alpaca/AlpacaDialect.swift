import HTTPTypes
import Hummingbird
import NIOCore

/// Alpaca's Trading API: `APCA-API-KEY-ID` and `APCA-API-SECRET-KEY` headers, `{"code","message"}`
/// errors, and `X-Ratelimit-*` headers on every response. One dialect per host: paper keys work only at the paper host and
/// live keys only at the live one; the other host answers 401 as for a wrong key (docs.alpaca.markets/docs/paper-trading).
struct AlpacaDialect: BrokerDialect {
    var broker: Broker { .alpaca }
    /// Whether this is the paper host (`/alpaca-paper`).
    var paper = false

    static let keyHeader = HTTPField.Name("APCA-API-KEY-ID")!
    static let secretHeader = HTTPField.Name("APCA-API-SECRET-KEY")!
    static let limitHeader = HTTPField.Name("X-Ratelimit-Limit")!
    static let remainingHeader = HTTPField.Name("X-Ratelimit-Remaining")!
    static let resetHeader = HTTPField.Name("X-Ratelimit-Reset")!
    /// What the rate-limit headers say when the simulator has no limit: Alpaca's own 200 a minute.
    static let nominalLimit = 200

    func caller(of request: Request) -> Result<BrokerCaller, BrokerFailure> {
        guard let key = request.headers[Self.keyHeader], !key.isEmpty, let secret = request.headers[Self.secretHeader], !secret.isEmpty else {
            return .failure(.unauthorized("unauthorized"))
        }
        guard AlpacaShapes(key: key).paper == paper else { return .failure(.unauthorized("request is not authorized")) }
        return .success(BrokerCaller(token: key, rateKey: key))
    }

    func response(for failure: BrokerFailure) -> Response {
        switch failure {
        case .badRequest(let message): Self.error(.unprocessableContent, code: 40_010_001, message)
        case .unauthorized: BrokerResponse.json(.unauthorized, #"{"code":40110000,"message":"unauthorized"}"#)
        case .rateLimited: BrokerResponse.rateLimited(#"{"code":42910000,"message":"rate limit exceeded"}"#, retryAfter: "1")
        case .unavailable: BrokerResponse.json(.serviceUnavailable, #"{"code":50300000,"message":"service unavailable, please try again"}"#)
        }
    }

    var wrongShapeBody: StaticString { #"{"unexpected":true}"# }

    func decorate(_ response: inout Response, quota: RateLimiter.Decision) {
        let limited = quota.limit > 0
        response.headers[Self.limitHeader] = String(limited ? quota.limit : Self.nominalLimit)
        response.headers[Self.remainingHeader] = String(limited ? quota.remaining : Self.nominalLimit)
        response.headers[Self.resetHeader] = String(SimulatedCalendar.nowSeconds() + 1)
    }

    /// Alpaca's error body.
    static func error(_ status: HTTPResponse.Status, code: Int, _ message: String) -> Response {
        var json = JSONWriter(capacity: 96)
        json.beginObject()
        json.field("code", integer: code)
        json.field("message", message)
        json.endObject()
        return BrokerResponse.json(status, json.buffer)
    }
}
