public import Contracts
import Cryptography

/// The bearer tokens a service accepts, one per scope.
public struct TokenSet: Sendable {
    /// Shortest token accepted at start-up.
    public static let minimumLength = 16

    /// For calls between our services.
    public var service: String?
    /// For administrators.
    public var admin: String?
    /// For read-only dashboards and listings.
    public var read: String?

    /// A set of tokens; any may be `nil`, and then no token of that kind is accepted.
    public init(service: String? = nil, admin: String? = nil, read: String? = nil) {
        self.service = service
        self.admin = admin
        self.read = read
    }

    /// The scope `token` grants, or `nil` if it is none of ours.
    ///
    /// Every configured token is compared, each in constant time, so the time taken says nothing
    /// about which (if any) matched.
    public func scope(of token: String) -> Scope? {
        var granted: Scope?
        for (scope, candidate) in [(Scope.service, service), (.admin, admin), (.read, read)] {
            guard let candidate else { continue }
            if ConstantTime.equals(candidate, token) { granted = scope }
        }
        return granted
    }

    /// Throws when a token is too short, a placeholder, or shared by two scopes.
    public func validate() throws {
        let named = [("PSYNC_SERVICE_TOKEN", service), ("PSYNC_ADMIN_TOKEN", admin), ("PSYNC_READ_TOKEN", read)]
        for (name, token) in named {
            if let token { try SecretPolicy.check(token, setting: name, minimumLength: Self.minimumLength) }
        }
        let present = named.compactMap { name, token in token.map { (name, $0) } }
        for (index, first) in present.enumerated() {
            for second in present[(index + 1)...] where first.1 == second.1 {
                throw ConfigurationError("\(first.0) and \(second.0) must differ: each token grants one scope")
            }
        }
    }
}
