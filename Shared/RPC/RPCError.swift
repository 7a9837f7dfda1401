public import Contracts

/// A failed RPC: the server's error envelope, or why there was no usable answer.
public struct RPCError: Error, CustomStringConvertible, Sendable {
    /// Where it failed.
    public enum Kind: Sendable, Equatable {
        /// The server answered with an error envelope (4xx/5xx).
        case server
        /// No answer: connection refused, timed out, cut off.
        case unreachable
        /// An answer that is not what the endpoint declares.
        case invalidResponse
    }

    /// Where it failed.
    public let kind: Kind
    /// The HTTP status, when there was an answer.
    public let status: Int?
    /// The envelope's code (`not_found` …), when the server sent one.
    public let code: String?
    /// The server's message, or what went wrong on the way.
    public let message: String
    /// The envelope's details.
    public let details: JSONValue?

    init(kind: Kind, status: Int?, code: String?, message: String, details: JSONValue? = nil) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    init(_ error: APIError, status: Int) {
        self.init(kind: .server, status: status, code: error.code, message: error.message, details: error.details)
    }

    /// The envelope, when the server sent one.
    public var apiError: APIError? {
        guard kind == .server, let status, let code else { return nil }
        return APIError(status: status, code: code, message: message, details: details)
    }

    public var description: String {
        switch kind {
        case .server: message
        case .unreachable: "service unreachable: \(message)"
        case .invalidResponse: "unexpected response\(status.map { " (HTTP \($0))" } ?? ""): \(message)"
        }
    }
}
