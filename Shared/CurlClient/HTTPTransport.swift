/// What sends an HTTP request and waits for the whole response: `HTTPClient` in every service; a canned
/// answer where a test or a micro-benchmark wants a broker adapter's own work without a network.
public protocol HTTPTransport: Sendable {
    /// Sends `request`; throws `HTTPClientError` when no response arrives.
    func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse
}

extension HTTPClient: HTTPTransport {}
