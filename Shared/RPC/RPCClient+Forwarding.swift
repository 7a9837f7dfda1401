public import Contracts

extension RPCClient {
    /// Calls another service on behalf of a request this service is answering: the other service's
    /// 4xx answers are passed on as they are (a 404 for a missing account, say); anything else is
    /// a 503 naming `service`.
    public func callForwardingErrors<Request, Response>(
        _ endpoint: Endpoint<Request, Response>, _ request: Request, service: String = "psync-persistence"
    ) async throws -> Response {
        do {
            return try await call(endpoint, request)
        } catch let error as RPCError {
            if let apiError = error.apiError, (400..<500).contains(apiError.status) { throw apiError }
            throw APIError.unavailable("\(service) is unavailable: \(error.message)")
        }
    }

    /// Like `callForwardingErrors`, but a 404 is `nil`.
    public func callOptional<Request, Response>(
        _ endpoint: Endpoint<Request, Response>, _ request: Request, service: String = "psync-persistence"
    ) async throws -> Response? {
        do {
            return try await callForwardingErrors(endpoint, request, service: service)
        } catch let error as APIError where error.status == 404 {
            return nil
        }
    }
}
