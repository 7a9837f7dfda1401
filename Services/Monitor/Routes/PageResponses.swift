import Contracts
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceKit

/// How pages answer: HTML with strict headers, redirects, and error pages.
enum PageResponses {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("x-frame-options")!] = "DENY"
        headers[HTTPField.Name("x-content-type-options")!] = "nosniff"
        headers[HTTPField.Name("referrer-policy")!] = "same-origin"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    static func error(_ error: APIError, viewer: Viewer?) -> Response {
        let body = "<p class=\"error\" role=\"alert\">\(HTML.escape(error.message))</p><p>\(HTML.link("/", "Back to the overview"))</p>"
        return html(
            Layout.page(title: "Error \(error.status)", active: "", viewer: viewer, live: false, body: body),
            status: HTTPResponse.Status(code: error.status))
    }

    /// The request's path and query, for coming back after a login.
    static func here(_ request: Request) -> String {
        request.uri.query.map { request.uri.path + "?" + $0 } ?? request.uri.path
    }
}
