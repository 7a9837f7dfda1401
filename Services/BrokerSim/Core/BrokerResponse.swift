import HTTPTypes
import Hummingbird
import NIOCore

/// Builders for the responses broker routes return (they never throw).
enum BrokerResponse {
    /// `status` with a JSON body.
    static func json(_ status: HTTPResponse.Status, _ body: ByteBuffer) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// `status` with literal JSON.
    static func json(_ status: HTTPResponse.Status, _ body: StaticString) -> Response {
        var buffer = ByteBuffer()
        buffer.writeStaticString(body)
        return json(status, buffer)
    }

    /// `status` with JSON text built at run time.
    static func json(_ status: HTTPResponse.Status, text: String) -> Response {
        json(status, ByteBuffer(string: text))
    }

    /// `status` with an HTML page.
    static func html(_ status: HTTPResponse.Status, _ page: StaticString) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html"
        var buffer = ByteBuffer()
        buffer.writeStaticString(page)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// A 429 with the broker's JSON body and, when the broker sends one, `Retry-After`.
    static func rateLimited(_ body: StaticString, retryAfter: String?) -> Response {
        var response = json(.tooManyRequests, body)
        if let retryAfter { response.headers[.retryAfter] = retryAfter }
        return response
    }

    /// nginx's 502 page, as a broker's load balancer sends it when the backend is down.
    static let badGatewayPage: StaticString = """
        <html>\r
        <head><title>502 Bad Gateway</title></head>\r
        <body>\r
        <center><h1>502 Bad Gateway</h1></center>\r
        <hr><center>nginx</center>\r
        </body>\r
        </html>\r

        """

    /// A login page served with 200 where JSON was expected (a captive portal, a maintenance page).
    static let maintenancePage: StaticString = """
        <!DOCTYPE html>
        <html><head><title>Scheduled maintenance</title></head>
        <body><h1>We'll be back soon</h1><p>The API is under scheduled maintenance.</p></body></html>

        """
}
