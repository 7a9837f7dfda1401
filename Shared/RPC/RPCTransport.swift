/// An HTTP exchange as the RPC client sees it.
public struct RPCRequest: Sendable {
    /// `GET`, `POST` …
    public var method: String
    /// Path and query, e.g. `/v1/users?limit=50`.
    public var target: String
    /// Header name/value pairs.
    public var headers: [(String, String)]
    /// JSON body, if any.
    public var body: [UInt8]?
}

/// The reply to an `RPCRequest`.
public struct RPCResponse: Sendable {
    /// HTTP status.
    public var status: Int
    /// Header name/value pairs.
    public var headers: [(String, String)]
    /// The body.
    public var body: [UInt8]

    /// A response from its parts.
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// How an `RPCClient` moves bytes: libcurl in production, an in-process router in tests.
public protocol RPCTransport: Sendable {
    /// Sends one request and returns the response, or throws when no response came back.
    func send(_ request: RPCRequest) async throws -> RPCResponse
}
