public import Contracts
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// Adopts the caller's `x-request-id` (or makes one), puts it in every log line and task-local, and echoes it back.
public struct RequestIDMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[HTTPField.Name.requestID].flatMap { RequestID.isValid($0) ? $0 : nil }
        let id = incoming ?? RequestID.make()
        context.requestID = id
        context.logger[metadataKey: "request.id"] = .string(id)
        var response = try await RequestID.$current.withValue(id) {
            try await next(request, context)
        }
        response.headers[HTTPField.Name.requestID] = id
        return response
    }
}

/// Resolves the bearer token to an identity; it never rejects by itself (the endpoint decides).
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    private let tokens: TokenSet

    public init(tokens: TokenSet) {
        self.tokens = tokens
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                context.principal = tokens.principal(of: String(parts[1]).trimmingSpaces())
            }
            context.presentedUnknownToken = context.principal == nil
        }
        if context.principal?.scope.isPerson == false, let actor = request.headers[HTTPField.Name.actor], RequestActor.isValid(actor) {
            context.onBehalfOf = actor
        }
        return try await RequestActor.$current.withValue(context.auditActor) {
            try await next(request, context)
        }
    }
}

/// Turns every error into the one JSON envelope with the right status; unexpected errors become a 500 that says nothing more.
public struct ErrorMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error, context: context)
            if apiError.status >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "http.path": "\(request.uri.path)"])
            }
            return try Self.response(for: apiError)
        }
    }

    static func apiError(for error: any Error, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as any APIErrorConvertible:
            return error.apiError
        case let error as DecodingError:
            return .badRequest(error.fieldMessage, details: error.fieldName.map { .object(["field": .string($0)]) })
        case let error as HTTPError:
            return fromHTTPError(error)
        case is NIOTooManyBytesError:
            return .payloadTooLarge("the request body is larger than \(context.maxUploadSize >> 20) MiB")
        case let error as any HTTPResponseError:
            return APIError(status: Int(error.status.code), code: code(for: Int(error.status.code)), message: error.status.reasonPhrase.lowercased())
        case is CancellationError:
            return .unavailable("the service is shutting down; retry")
        default:
            return .internal(requestID: context.requestID.isEmpty ? nil : context.requestID)
        }
    }

    static func fromHTTPError(_ error: HTTPError) -> APIError {
        let status = Int(error.status.code)
        switch status {
        case 404: return .notFound(error.body ?? "no such endpoint")
        case 405: return APIError(status: 405, code: "method_not_allowed", message: error.body ?? "this path does not accept that method")
        case 413: return .payloadTooLarge(error.body ?? "the request body is too large")
        default: return APIError(status: status, code: code(for: status), message: error.body ?? error.status.reasonPhrase.lowercased())
        }
    }

    static func code(for status: Int) -> String {
        switch status {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "payload_too_large"
        case 422: "invalid"
        case 429: "rate_limited"
        case 503: "unavailable"
        case 500...: "internal"
        default: "error"
        }
    }

    /// The envelope response for an error.
    public static func response(for error: APIError) throws -> Response {
        let body = try JSONCoding.encode(ErrorEnvelope(error: error))
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if error.status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        return Response(
            status: HTTPResponse.Status(code: error.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("x-request-id")!
    static let actor = HTTPField.Name(RequestActor.header)!
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
