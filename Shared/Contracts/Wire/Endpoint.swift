/// One RPC, declared once and used by both its server and its clients.
///
/// The server registers a handler for the value; a client calls the value. Reads are `GET` with
/// the request as query parameters; writes send the request as a JSON body. `{name}` segments
/// of the path are filled from the request's field of that name.
///
/// ```swift
/// public enum PersistenceAPI {
///     public static let getUser = Endpoint<UserRef, User>(.get, "/v1/users/{id}", scopes: .readers, summary: "One user")
/// }
/// router.on(PersistenceAPI.getUser) { request, context in try await store.user(request.id) }
/// let user = try await rpc.call(PersistenceAPI.getUser, UserRef(id: 42))
/// ```
public struct Endpoint<Request: Codable & Sendable, Response: Codable & Sendable>: Sendable, CustomStringConvertible {
    /// The HTTP method.
    public let method: HTTPMethod
    /// The versioned path template, e.g. `/v1/accounts/{id}`.
    public let path: String
    /// Which tokens may call it.
    public let scopes: Set<Scope>
    /// One line for the API description.
    public let summary: String

    /// Declares an RPC. Paths must start with a version segment (`/v1/…`, or `/api/v1/…` beside a service's pages).
    public init(_ method: HTTPMethod, _ path: String, scopes: Set<Scope>, summary: String) {
        precondition(path.hasPrefix("/v") || path.hasPrefix("/api/v"), "every RPC path is versioned: \(path)")
        self.method = method
        self.path = path
        self.scopes = scopes
        self.summary = summary
    }

    /// The `{name}` segments of the path, in order.
    public var pathParameters: [String] {
        path.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    /// Whether the request travels as query parameters rather than a JSON body.
    public var usesQuery: Bool { method == .get || method == .delete }

    public var description: String { "\(method.rawValue) \(path)" }
}

/// HTTP methods an endpoint may use.
public enum HTTPMethod: String, Sendable, Codable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
}

/// Who may call an endpoint: a person's token (`read`, `admin`) or one of our services, each by its own identity.
///
/// Every service has its own token, and an endpoint lists exactly the services that call it, so a service's token
/// opens only what that service uses (a gateway's opens only its own broker's credentials besides; see `Principal`).
public enum Scope: String, Sendable, Codable, CaseIterable, Comparable {
    /// Read-only dashboards and listings.
    case read
    /// Administration: everything a person at the CLI does.
    case admin
    /// psync-scheduler.
    case scheduler
    /// psync-dispatcher.
    case dispatcher
    /// psync-persistence.
    case persistence
    /// psync-monitor.
    case monitor
    /// psync-webhooks.
    case webhooks
    /// One broker's psync-gateway replicas (the broker is part of the identity).
    case gateway

    /// Whether this is a person's scope rather than one of our services.
    public var isPerson: Bool { self == .read || self == .admin }

    public static func < (lhs: Scope, rhs: Scope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

extension Set where Element == Scope {
    /// People with any token: read-only dashboards and administrators.
    public static let readers: Set<Scope> = [.read, .admin]
    /// Administrators only.
    public static let administrators: Set<Scope> = [.admin]
    /// Who may read a service's `/metrics`: people, and the monitor, which scrapes every service.
    public static let metricsReaders: Set<Scope> = [.read, .admin, .monitor]

    /// These scopes and the services named, e.g. `.readers.and(.monitor)`.
    public func and(_ services: Scope...) -> Set<Scope> { union(services) }
}

/// An empty request or response body.
public struct Empty: Codable, Sendable, Equatable {
    /// The empty value.
    public init() {}
}
