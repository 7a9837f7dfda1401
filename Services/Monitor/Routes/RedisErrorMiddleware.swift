import Contracts
import Hummingbird
import Logging
import RedisClient
import ServiceKit

/// Turns a Redis outage into a 503 to retry (an error page for a page, the envelope for the API).
struct RedisErrorMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RedisError where error.isConnectionError {
            context.logger.warning("redis unavailable", metadata: ["error": "\(error)"])
            let apiError = APIError.unavailable("Redis is unavailable; retry shortly")
            if request.uri.path.hasPrefix("/api/") || request.uri.path == "/events" || request.uri.path == "/metrics" { throw apiError }
            return PageResponses.error(apiError, viewer: nil)
        }
    }
}
