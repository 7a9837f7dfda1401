import HTTPTypes
import Hummingbird
import NIOCore

/// psync's own SANDBOX broker: `Authorization: Bearer <token>` and `{"error":{"code","message"}}` errors.
struct SandboxDialect: BrokerDialect {
    var broker: Broker { .sandbox }

    func caller(of request: Request) -> Result<BrokerCaller, BrokerFailure> {
        guard let token = BearerToken.of(request) else { return .failure(.unauthorized("a bearer token is required")) }
        return .success(BrokerCaller(token: token, rateKey: token))
    }

    func response(for failure: BrokerFailure) -> Response {
        switch failure {
        case .badRequest(let message): Self.error(.badRequest, code: "bad_request", message)
        case .unauthorized(let message): Self.error(.unauthorized, code: "invalid_token", message)
        case .rateLimited:
            BrokerResponse.rateLimited(#"{"error":{"code":"rate_limited","message":"too many requests; retry after 1 s"}}"#, retryAfter: "1")
        case .unavailable: Self.error(.serviceUnavailable, code: "unavailable", "the sandbox broker is unavailable; retry")
        }
    }

    var wrongShapeBody: StaticString { #"{"unexpected":true}"# }

    /// The sandbox error envelope.
    static func error(_ status: HTTPResponse.Status, code: StaticString, _ message: String) -> Response {
        var json = JSONWriter(capacity: 128)
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.key("code")
        json.string(String(describing: code))
        json.field("message", message)
        json.endObject()
        json.endObject()
        return BrokerResponse.json(status, json.buffer)
    }
}
