import Contracts
import Hummingbird
import Logging
import PostgresClient
import ServiceKit

/// Turns Postgres failures into the envelope: an outage is a 503 to retry; a refused row (a missing reference,
/// a duplicate, a value out of range) is the caller's 422 or 409; anything else is a fault of ours (500).
struct DatabaseErrorMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as PostgresError where error.isConnectionError {
            context.logger.warning("database unavailable", metadata: ["error": "\(error)"])
            throw APIError.unavailable("the database is unavailable; retry shortly")
        } catch let error as PostgresError where error.isForeignKeyViolation {
            // Stores check what a request refers to; this is the net under a check that was missed.
            throw APIError.unprocessable("the request refers to something that does not exist (\(error.message))")
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict("that already exists (\(error.message))")
        } catch let error as PostgresError where error.isDataError {
            throw APIError.unprocessable("a value is out of range or malformed (\(error.message))")
        }
    }
}
