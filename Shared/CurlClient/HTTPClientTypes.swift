/// An HTTP request for `HTTPClient`.
public struct HTTPClientRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`.
    public var method: String
    /// The absolute URL, query included.
    public var url: String
    /// Header name/value pairs, sent in order.
    public var headers: [(String, String)]
    /// The body, if any.
    public var body: [UInt8]?
    /// Overrides the client's total timeout for this request.
    public var timeout: Duration?
    /// Overrides the client's largest accepted response body for this request.
    public var maximumResponseSize: Int?
    /// Addresses to connect to instead of resolving the URL's host, as libcurl's `CURLOPT_RESOLVE` takes them:
    /// `host:port:address[,address…]` (IPv6 addresses in brackets). A caller that has checked where a host resolves
    /// pins the connection to what it checked, so a DNS answer that changes in between cannot redirect it.
    public var resolve: [String]?

    /// A request; the body is sent as given, with whatever `Content-Type` the headers say.
    public init(
        method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, timeout: Duration? = nil,
        maximumResponseSize: Int? = nil, resolve: [String]? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maximumResponseSize = maximumResponseSize
        self.resolve = resolve
    }
}

/// The response to an `HTTPClientRequest`.
public struct HTTPClientResponse: Sendable {
    /// The status code (200, 404, …).
    public var status: Int
    /// Header name/value pairs of the final response, in order.
    public var headers: [(String, String)]
    /// The whole body.
    public var body: [UInt8]

    /// A response from its parts.
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.0.lowercased() == lowered }?.1
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why a request got no complete response.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    /// The kinds of failure a caller may want to treat differently.
    public enum Kind: Sendable, Equatable {
        /// The connection could not be opened (refused, unresolved host).
        case connect
        /// The connect or total timeout passed.
        case timeout
        /// The connection broke or the body was cut off mid-transfer.
        case transfer
        /// TLS failed, including certificate verification.
        case tls
        /// The request itself was invalid (a malformed URL, say).
        case invalidRequest
        /// The response was larger than the client accepts.
        case responseTooLarge
        /// The client was shut down.
        case shutdown
    }

    /// What kind of failure it was.
    public let kind: Kind
    /// libcurl's explanation, without the URL's credentials or query.
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "HTTP request failed (\(kind)): \(message)" }
}
