/// Who an authenticated caller is: a scope, and for a gateway also the broker it serves.
///
/// Identities are written `admin`, `read`, `scheduler`, `dispatcher`, `persistence`, `monitor` and
/// `gateway:ZERODHA` (one per broker), in the tokens file and in the audit log.
public struct Principal: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What the caller may call.
    public let scope: Scope
    /// The broker a gateway serves; nil for every other scope.
    public let broker: String?

    /// A principal; `broker` is kept only for a gateway.
    public init(_ scope: Scope, broker: String? = nil) {
        self.scope = scope
        self.broker = scope == .gateway ? broker : nil
    }

    /// Parses `admin`, `monitor`, `gateway:ZERODHA` …; nil for anything else (a gateway needs its broker code).
    public init?(identity: String) {
        if identity.hasPrefix("gateway:") {
            let broker = String(identity.dropFirst("gateway:".count))
            guard !broker.isEmpty, broker.utf8.count <= 32,
                broker.utf8.allSatisfy({
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                        || $0 == UInt8(ascii: "_")
                })
            else { return nil }
            self.init(.gateway, broker: broker)
        } else {
            guard let scope = Scope(rawValue: identity), scope != .gateway else { return nil }
            self.init(scope)
        }
    }

    /// The identity as written in the tokens file and the audit log.
    public var identity: String { broker.map { "gateway:\($0)" } ?? scope.rawValue }

    public var description: String { identity }
}
