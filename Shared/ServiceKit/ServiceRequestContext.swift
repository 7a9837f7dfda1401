public import Contracts
public import FoundationEssentials
public import Hummingbird
import Logging

/// The request context of every service: who is calling and which operation the request belongs to.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The scope of the caller's token; `nil` when it sent none or an unknown one.
    public var principal: Scope?
    /// Whether the caller sent a token we did not recognise.
    public var presentedUnknownToken = false
    /// The request id (from `x-request-id` or made here).
    public var requestID = ""
    /// Who the caller says they are (`x-psync-actor`, e.g. `alice@laptop` from the CLI), for the audit log.
    public var actor: String?

    /// The name recorded in the audit log: the stated actor, else the token's scope.
    public var auditActor: String { actor ?? principal.map { "\($0.rawValue) token" } ?? "anonymous" }

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

    /// Throws 401 unless a valid token was sent, and 403 unless its scope is one of `scopes`.
    public func authorize(_ scopes: Set<Scope>) throws {
        guard let principal else {
            throw APIError.unauthorized(
                presentedUnknownToken ? "the bearer token is not valid" : "a bearer token is required (Authorization: Bearer TOKEN)"
            )
        }
        guard scopes.contains(principal) else {
            let allowed = scopes.sorted().map(\.rawValue).joined(separator: " or ")
            let article = allowed.hasPrefix("a") ? "an" : "a"
            throw APIError.forbidden("this needs \(article) \(allowed) token; yours has \(principal.rawValue) scope")
        }
    }
}
