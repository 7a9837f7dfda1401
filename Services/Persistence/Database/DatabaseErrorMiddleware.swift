import Contracts
import Hummingbird
import Logging
import PostgresClient
import ServiceKit

/// Turns Postgres failures into the envelope: an outage is a 503 to retry; anything else is a fault of ours (500).
struct DatabaseErrorMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as PostgresError where error.isConnectionError {
            context.logger.warning("database unavailable", metadata: ["error": "\(error)"])
            throw APIError.unavailable("the database is unavailable; retry shortly")
        }
    }
}
