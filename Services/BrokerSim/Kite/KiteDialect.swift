import HTTPTypes
import Hummingbird
import NIOCore

/// Kite Connect v3: `X-Kite-Version: 3`, `Authorization: token api_key:access_token`, and the
/// `{"status":"error","message","error_type"}` envelope.
struct KiteDialect: BrokerDialect {
    var broker: Broker { .kite }

    static let versionHeader = HTTPField.Name("X-Kite-Version")!

    func caller(of request: Request) -> Result<BrokerCaller, BrokerFailure> {
        if let failure = versionFailure(request) { return .failure(failure) }
        guard let header = request.headers[.authorization] else {
            return .failure(.unauthorized("Incorrect `api_key` or `access_token`."))
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "token", let colon = parts[1].firstIndex(of: ":") else {
            return .failure(.unauthorized("Incorrect `api_key` or `access_token`."))
        }
        let apiKey = parts[1][..<colon]
        let accessToken = parts[1][parts[1].index(after: colon)...]
        guard !apiKey.isEmpty, !accessToken.isEmpty else {
            return .failure(.unauthorized("Incorrect `api_key` or `access_token`."))
        }
        return .success(BrokerCaller(token: String(accessToken), rateKey: String(apiKey)))
    }

    /// The 400 a request without `X-Kite-Version: 3` gets, or `nil`.
    func versionFailure(_ request: Request) -> BrokerFailure? {
        guard let version = request.headers[Self.versionHeader] else {
            return .badRequest("Missing or empty X-Kite-Version header.")
        }
        return version == "3" ? nil : .badRequest("Invalid X-Kite-Version header; only version 3 is supported.")
    }

    func response(for failure: BrokerFailure) -> Response {
        switch failure {
        case .badRequest(let message): Self.error(.badRequest, message, type: "InputException")
        case .unauthorized(let message): Self.error(.forbidden, message, type: "TokenException")
        case .rateLimited:
            // Kite documents neither a body nor a Retry-After for its 429 ("subsequent requests will fail with error code 429",
            // kite.trade/forum/discussion/11404): none is sent, so clients must back off on their own.
            BrokerResponse.rateLimited(
                #"{"status":"error","message":"Too many requests","data":null,"error_type":"NetworkException"}"#, retryAfter: nil)
        case .unavailable:
            BrokerResponse.json(
                .serviceUnavailable, #"{"status":"error","message":"Service unavailable; please retry.","data":null,"error_type":"NetworkException"}"#
            )
        }
    }

    var wrongShapeBody: StaticString { #"{"status":"success","data":{"unexpected":true}}"# }

    /// Kite's error envelope.
    static func error(_ status: HTTPResponse.Status, _ message: String, type: StaticString) -> Response {
        var json = JSONWriter(capacity: 128)
        json.beginObject()
        json.field("status", "error")
        json.field("message", message)
        json.field("data", raw: "null")
        json.key("error_type")
        json.string(String(describing: type))
        json.endObject()
        return BrokerResponse.json(status, json.buffer)
    }
}
