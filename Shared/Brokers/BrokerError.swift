public import Contracts

/// A failed broker call, classified so the gateway knows what to do next.
///
/// Messages are one clause for a person and never carry a credential.
public struct BrokerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Auth (re-login), rate-limited (retry later), transient (retry with backoff) or permanent (give up).
    public let kind: FailureKind
    public let message: String
    /// How long the broker asked us to wait (Retry-After).
    public let retryAfter: Duration?
    /// The HTTP status, when there was a response.
    public let status: Int?

    public init(_ kind: FailureKind, _ message: String, retryAfter: Duration? = nil, status: Int? = nil) {
        self.kind = kind
        self.message = String(message.prefix(300))
        self.retryAfter = retryAfter
        self.status = status
    }

    public static func auth(_ message: String, status: Int? = nil) -> BrokerError { BrokerError(.auth, message, status: status) }
    public static func permanent(_ message: String, status: Int? = nil) -> BrokerError { BrokerError(.permanent, message, status: status) }
    public static func transient(_ message: String, status: Int? = nil) -> BrokerError { BrokerError(.transient, message, status: status) }

    public var description: String { message }
}
