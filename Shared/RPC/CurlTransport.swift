public import CurlClient

/// The production transport: HTTP/1.1 over libcurl with keep-alive.
public struct CurlTransport: RPCTransport {
    /// The service's base URL, e.g. `http://127.0.0.1:7102`.
    public let baseURL: String
    private let client: HTTPClient
    private let timeout: Duration?

    /// A transport to `baseURL` sharing `client`'s connections.
    public init(baseURL: String, client: HTTPClient, timeout: Duration? = nil) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
        self.timeout = timeout
    }

    public func send(_ request: RPCRequest) async throws -> RPCResponse {
        let response = try await client.execute(
            HTTPClientRequest(method: request.method, url: baseURL + request.target, headers: request.headers, body: request.body, timeout: timeout)
        )
        return RPCResponse(status: response.status, headers: response.headers, body: response.body)
    }
}
