/// An async HTTP client on libcurl's multi interface: one thread drives every transfer.
///
/// Hundreds of requests can be in flight from one process without a thread each; connections
/// are kept alive and reused between requests to the same host; TLS certificates are verified
/// unless the configuration says otherwise.
///
/// ```swift
/// let client = HTTPClient()
/// let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:8080/healthz"))
/// print(response.status, response.text)
/// client.shutdown()
/// ```
public final class HTTPClient: Sendable {
    /// Limits and TLS settings.
    public struct Configuration: Sendable {
        /// Longest wait for a connection to open.
        public var connectTimeout: Duration = .seconds(5)
        /// Longest wait for the whole request, unless the request sets its own.
        public var timeout: Duration = .seconds(30)
        /// Idle connections kept open for reuse.
        public var maximumIdleConnections = 512
        /// Connections at once to one host; 0 means no limit.
        public var maximumConnectionsPerHost = 0
        /// Largest response body accepted, unless the request sets its own.
        public var maximumResponseSize = 64 << 20
        /// Largest total size of a response's header lines.
        public var maximumHeaderSize = 256 << 10
        /// Whether to verify the server's TLS certificate and host name.
        public var verifyTLS = true
        /// Sent as `User-Agent`.
        public var userAgent = "portfolio-sync"
        /// Whether a proxy named by `http_proxy`, `https_proxy` or `ALL_PROXY` is used; false connects directly whatever
        /// the environment says (a client whose every connection must go where it was checked to go).
        public var usesProxyEnvironment = true

        /// The defaults: 5 s connect, 30 s total, TLS verified.
        public init() {}
    }

    /// The settings this client uses.
    public let configuration: Configuration
    private let loop: CurlMultiLoop

    /// Starts the client's transfer thread.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.loop = CurlMultiLoop(configuration: configuration)
    }

    deinit { loop.shutdown() }

    /// Sends the request and waits for the whole response; a cancelled task aborts its transfer.
    ///
    /// A request that is not plain HTTP(S), or whose method or headers could smuggle another line
    /// into it (CR, LF or NUL), fails with `.invalidRequest` before anything is sent.
    public func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        if let problem = request.problem { throw HTTPClientError(.invalidRequest, problem) }
        let transfer = CurlTransfer(request: request, configuration: configuration)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
    }

    /// Connections opened since the client started; stays flat when keep-alive works.
    public var connectionsOpened: Int { loop.connectionsOpened }

    /// Stops the transfer thread; requests in flight fail with `.shutdown`.
    public func shutdown() {
        loop.shutdown()
    }
}
