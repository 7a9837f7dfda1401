import HTTPTypes
import Hummingbird
import NIOCore

/// The response an injected fault gives, in the broker's own words where it has any.
enum FaultResponse {
    /// The response for `fault` to a request for `path`, or `nil` when the normal answer is due
    /// (`.slow`, which the caller delays; a hostile value the route has nowhere to put).
    static func make(_ fault: Fault, dialect: some BrokerDialect, path: String) -> Response? {
        switch fault {
        case .badGatewayHTML: BrokerResponse.html(.badGateway, BrokerResponse.badGatewayPage)
        case .unavailable: dialect.response(for: .unavailable)
        case .rateLimited: dialect.response(for: .rateLimited)
        case .rateLimitedBare: bare(dialect.response(for: .rateLimited))
        case .auth: dialect.response(for: .unauthorized("the access token is invalid"))
        case .okHTML: BrokerResponse.html(.ok, BrokerResponse.maintenancePage)
        case .wrongShape: BrokerResponse.json(.ok, dialect.wrongShapeBody)
        case .truncated: truncated()
        case .slow: nil
        case .retryAfter(let text): retryAfter(text, dialect: dialect)
        case .hostile(let value): HostileBody.response(value, broker: dialect.broker, path: path)
        case .deepJSON: BrokerResponse.json(.ok, HostileBody.deep)
        case .hugeBody: HostileBody.huge(broker: dialect.broker, path: path)
        case .drip: HostileBody.drip(broker: dialect.broker, path: path)
        case .crlfToken: dialect.broker == .kite ? BrokerResponse.json(.ok, text: HostileBody.kiteSessionWithCRLF) : nil
        }
    }

    /// `response` without a `Retry-After` header.
    static func bare(_ response: Response) -> Response {
        var response = response
        response.headers[.retryAfter] = nil
        return response
    }

    /// The broker's 429 with `Retry-After: text`.
    static func retryAfter(_ text: String, dialect: some BrokerDialect) -> Response {
        var response = dialect.response(for: .rateLimited)
        response.headers[.retryAfter] = text
        return response
    }

    /// A 200 that declares 8 KiB of JSON, sends its first bytes, then drops the connection.
    ///
    /// Throwing from the body writer makes Hummingbird close the channel, so the client sees a
    /// transfer cut off mid-body (curl: "transfer closed with N bytes remaining").
    static func truncated() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.connection] = "close"
        let body = ResponseBody(contentLength: declaredLength) { writer in
            var partial = ByteBuffer()
            partial.writeStaticString(#"{"status":"success","data":[{"tradingsymbol":"RELI"#)
            try await writer.write(partial)
            throw TruncatedTransfer()
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static let declaredLength = 8192

    /// Thrown to abort a response mid-body.
    struct TruncatedTransfer: Error {}
}
