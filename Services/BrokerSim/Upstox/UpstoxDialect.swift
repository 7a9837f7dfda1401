import HTTPTypes
import Hummingbird
import NIOCore

/// Upstox API v2: `Authorization: Bearer <token>` and `{"status":"error","errors":[…]}` errors
/// (upstox.com/developer/api-documentation/error-codes; SDK `ApiGatewayErrorResponse`, `Problem`). Calls count
/// against the user the token belongs to: Upstox's limits are per user.
struct UpstoxDialect: BrokerDialect {
    var broker: Broker { .upstox }

    func caller(of request: Request) -> Result<BrokerCaller, BrokerFailure> {
        guard let token = BearerToken.of(request) else { return .failure(.unauthorized("Invalid token used to access API")) }
        return .success(BrokerCaller(token: token, rateKey: "user:" + UpstoxShapes.user(of: token)))
    }

    func response(for failure: BrokerFailure) -> Response {
        switch failure {
        case .badRequest(let message): Self.error(.badRequest, code: "UDAPI1026", message)
        case .unauthorized: Self.error(.unauthorized, code: "UDAPI100050", "Invalid token used to access API")
        case .rateLimited:
            // Upstox documents no rate-limit headers, `Retry-After` included (rate-limiting page): none is sent.
            Self.error(.tooManyRequests, code: "UDAPI10005", "Too Many Request Sent")
        case .unavailable: Self.error(.serviceUnavailable, code: "UDAPI100500", "Something went wrong. Please try again later.")
        }
    }

    var wrongShapeBody: StaticString { #"{"status":"success","data":{"unexpected":true}}"# }

    /// Upstox's error envelope; it carries the code under both `errorCode` and `error_code`.
    static func error(_ status: HTTPResponse.Status, code: String, _ message: String) -> Response {
        var json = JSONWriter(capacity: 200)
        json.beginObject()
        json.field("status", "error")
        json.key("errors")
        json.beginArray()
        json.beginObject()
        json.field("errorCode", code)
        json.field("error_code", code)
        json.field("message", message)
        json.field("propertyPath", raw: "null")
        json.field("invalidValue", raw: "null")
        json.endObject()
        json.endArray()
        json.endObject()
        return BrokerResponse.json(status, json.buffer)
    }
}
