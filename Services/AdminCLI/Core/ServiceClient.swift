import Contracts
import CurlClient
import RPC

/// The typed RPC client for one service, turning transport failures into advice that names the service.
struct ServiceClient: Sendable {
    /// `psync-persistence` …
    let name: String
    let baseURL: String
    /// How to point the CLI elsewhere: `PSYNC_PERSISTENCE_URL or --persistence-url`.
    let setting: String
    let rpc: RPCClient<CurlTransport>
    /// Whether an admin token was configured at all.
    let hasToken: Bool

    init(name: String, baseURL: String, setting: String, token: String?, http: HTTPClient) {
        self.name = name
        self.baseURL = baseURL
        self.setting = setting
        rpc = RPCClient(baseURL: baseURL, token: token, client: http)
        hasToken = token != nil
    }

    /// Calls `endpoint`; a failure is a `CLIError` with the server's message or what to check.
    @discardableResult
    func call<Request, Response>(_ endpoint: Endpoint<Request, Response>, _ request: Request) async throws -> Response {
        do {
            return try await rpc.call(endpoint, request)
        } catch let error as RPCError {
            throw explained(error)
        }
    }

    /// Calls an endpoint that takes no request fields.
    @discardableResult
    func call<Response>(_ endpoint: Endpoint<Empty, Response>) async throws -> Response {
        try await call(endpoint, Empty())
    }

    private func explained(_ error: RPCError) -> CLIError {
        switch error.kind {
        case .unreachable:
            return CLIError("cannot reach \(name) at \(baseURL); is it running? (set \(setting))")
        case .server where error.status == 401 && !hasToken:
            return CLIError(
                "no admin token is configured; set PSYNC_ADMIN_TOKEN or PSYNC_ADMIN_TOKEN_FILE, pass --token-file, "
                    + "or put PSYNC_ADMIN_TOKEN in the config file (make up writes one)")
        case .server where error.status == 401:
            return CLIError("\(name) refused the admin token (\(error.message)); set PSYNC_ADMIN_TOKEN, --token-file or the config file")
        case .server where error.status == 403:
            return CLIError("\(name): \(error.message); the CLI needs the admin token")
        case .server:
            return CLIError(error.message)
        case .invalidResponse:
            return CLIError("\(name) at \(baseURL) answered unexpectedly: \(error.message)")
        }
    }
}
