/// The one error shape every RPC returns: `{"error": {"code", "message", "details"}}`.
///
/// Servers throw it with a message a person can act on ("portfolio 42 does not exist"); clients
/// decode it into `RPCError`. It never carries a secret, SQL or a stack trace.
public struct APIError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status it travels with (not part of the JSON body).
    public var status: Int
    /// A stable machine-readable code such as `not_found`.
    public var code: String
    /// One clause that names what is wrong.
    public var message: String
    /// Structured extras (the field at fault, limits …).
    public var details: JSONValue?

    /// An error with an explicit status and code.
    public init(status: Int, code: String, message: String, details: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    /// 400: the request is malformed (bad JSON, a missing field, a value of the wrong type).
    public static func badRequest(_ message: String, details: JSONValue? = nil) -> APIError {
        APIError(status: 400, code: "bad_request", message: message, details: details)
    }

    /// 401: no token, or an unknown one.
    public static func unauthorized(_ message: String = "a valid bearer token is required") -> APIError {
        APIError(status: 401, code: "unauthorized", message: message)
    }

    /// 403: a valid token without the scope this endpoint needs.
    public static func forbidden(_ message: String) -> APIError {
        APIError(status: 403, code: "forbidden", message: message)
    }

    /// 404: the thing named does not exist.
    public static func notFound(_ message: String) -> APIError {
        APIError(status: 404, code: "not_found", message: message)
    }

    /// 409: the request conflicts with what exists (a duplicate email, say).
    public static func conflict(_ message: String, details: JSONValue? = nil) -> APIError {
        APIError(status: 409, code: "conflict", message: message, details: details)
    }

    /// 413: the body is larger than the server accepts.
    public static func payloadTooLarge(_ message: String) -> APIError {
        APIError(status: 413, code: "payload_too_large", message: message)
    }

    /// 422: well-formed but invalid (a negative page size, a bad cron field).
    public static func unprocessable(_ message: String, field: String? = nil) -> APIError {
        APIError(status: 422, code: "invalid", message: message, details: field.map { .object(["field": .string($0)]) })
    }

    /// 503: a dependency (Redis, Postgres, a gateway) is unavailable; retrying later may work.
    public static func unavailable(_ message: String) -> APIError {
        APIError(status: 503, code: "unavailable", message: message)
    }

    /// 500: a fault of ours; the message says only that, the log has the detail.
    public static func `internal`(requestID: String?) -> APIError {
        APIError(
            status: 500,
            code: "internal",
            message: "internal error" + (requestID.map { "; quote request id \($0) when reporting it" } ?? "")
        )
    }

    public var description: String { "\(status) \(code): \(message)" }

    private enum CodingKeys: String, CodingKey {
        case code, message, details
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = 0
        code = try container.decode(String.self, forKey: .code)
        message = try container.decode(String.self, forKey: .message)
        details = try container.decodeIfPresent(JSONValue.self, forKey: .details)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(details, forKey: .details)
    }
}

/// The JSON body around an `APIError`.
public struct ErrorEnvelope: Codable, Sendable, Equatable {
    /// The error.
    public var error: APIError

    /// Wraps an error.
    public init(error: APIError) {
        self.error = error
    }
}

/// An error of a service's own that knows which `APIError` it is at the HTTP edge (the error middleware asks).
public protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}
