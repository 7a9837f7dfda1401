import HTTPTypes
import Hummingbird
import NIOCore

/// Dhan API v2 (served by brokersim under `/dhan`): the `access-token` header and `{"errorType","errorCode","errorMessage"}`
/// errors with DH-9xx codes (dhanhq.co/docs/v2 "Errors", annexure "Trading API Error").
struct DhanDialect: BrokerDialect {
    var broker: Broker { .dhan }

    static let tokenHeader = HTTPField.Name("access-token")!
    static let clientHeader = HTTPField.Name("client-id")!

    func caller(of request: Request) -> Result<BrokerCaller, BrokerFailure> {
        guard let token = request.headers[Self.tokenHeader], !token.isEmpty else {
            return .failure(.unauthorized("Client ID or user generated access token is invalid or expired."))
        }
        // Dhan counts its limits per user: the client id names them (the token when it is missing).
        let client = request.headers[Self.clientHeader].flatMap { $0.isEmpty ? nil : $0 } ?? token
        return .success(BrokerCaller(token: token, rateKey: client))
    }

    func response(for failure: BrokerFailure) -> Response {
        switch failure {
        case .badRequest(let message): Self.error(.badRequest, type: "Input_Exception", code: "DH-905", message)
        case .unauthorized(let message): Self.error(.unauthorized, type: "Invalid_Authentication", code: "DH-901", message)
        case .rateLimited:
            Self.error(.tooManyRequests, type: "Rate_Limit", code: "DH-904", "Too many requests on server from single user breaching rate limits.")
        case .unavailable: Self.error(.serviceUnavailable, type: "Network_Error", code: "DH-909", "Network error; please retry.")
        }
    }

    var wrongShapeBody: StaticString { #"{"unexpected":true}"# }

    /// Dhan's error envelope.
    static func error(_ status: HTTPResponse.Status, type: String, code: String, _ message: String) -> Response {
        var json = JSONWriter(capacity: 200)
        json.beginObject()
        json.field("errorType", type)
        json.field("errorCode", code)
        json.field("errorMessage", message)
        json.endObject()
        return BrokerResponse.json(status, json.buffer)
    }
}
