public import Contracts
public import FoundationEssentials
public import Hummingbird
import Logging

/// The request context of every service: who is calling and which operation the request belongs to.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who the caller proved to be with its token; `nil` when it sent none or an unknown one.
    public var principal: Principal?
    /// Whether the caller sent a token we did not recognise.
    public var presentedUnknownToken = false
    /// The request id (from `x-request-id` or made here).
    public var requestID = ""
    /// For whom one of our services says it acts (`x-psync-actor`, the identity it authenticated); ignored from people.
    public var onBehalfOf: String?

    /// The name recorded in the audit log: the authenticated identity (`admin`, `gateway:ZERODHA`), and when one of our
    /// services calls for someone it authenticated, `gateway:ZERODHA for admin`. Never what a person's request says.
    public var auditActor: String {
        guard let principal else { return "anonymous" }
        guard !principal.scope.isPerson, let onBehalfOf else { return principal.identity }
        return "\(principal.identity) for \(onBehalfOf)"
    }

    /// The peer's IP address as the socket reports it (a proxy's, behind one); for per-client limits.
    public var clientAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies up to 16 MiB; larger ones get 413.
    public var maxUploadSize: Int { 16 << 20 }

    public var requestDecoder: JSONDecoder { JSONCoding.decoder() }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder() }

    /// Throws 401 unless a valid token was sent, and 403 unless its identity is one of `scopes`.
    public func authorize(_ scopes: Set<Scope>) throws {
        guard let principal else {
            throw APIError.unauthorized(
                presentedUnknownToken ? "the bearer token is not valid" : "a bearer token is required (Authorization: Bearer TOKEN)"
            )
        }
        guard scopes.contains(principal.scope) else {
            let allowed = scopes.sorted().map(\.rawValue).joined(separator: ", ")
            throw APIError.forbidden("this is for \(allowed.isEmpty ? "nobody" : allowed) only; yours is the \(principal.identity) token")
        }
    }

    /// Throws 403 unless the caller may act on an account of `broker`: a gateway only on its own broker's accounts.
    public func authorize(broker: String) throws {
        guard let principal, principal.scope == .gateway else { return }
        guard principal.broker == broker else {
            throw APIError.forbidden("\(principal.identity) may not touch a \(broker) account")
        }
    }
}
