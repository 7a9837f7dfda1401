public import Contracts
import Cryptography
import FoundationEssentials

/// The bearer tokens a service accepts, held only as SHA-256 hashes, each naming the identity it proves; and the
/// service's own token, which it presents when it calls another service.
///
/// The accepted hashes come from the tokens file (`PSYNC_TOKENS_FILE`, lines `identity hex`, e.g.
/// `gateway:ZERODHA 9f86d0…`); `PSYNC_ADMIN_TOKEN` and `PSYNC_READ_TOKEN`, when given, are hashed at start and the
/// plain text dropped. An identity may have several lines, so a token can be rotated without a gap.
public struct TokenSet: Sendable {
    /// Shortest token accepted at start-up.
    public static let minimumLength = 16

    /// One accepted token.
    public struct Entry: Sendable, Equatable {
        /// SHA-256 of the token's UTF-8 bytes.
        public let hash: [UInt8]
        /// Who presenting it proves to be.
        public let principal: Principal
    }

    /// Every accepted token.
    public private(set) var entries: [Entry] = []
    /// This service's own token (`PSYNC_SERVICE_TOKEN`), sent when it calls other services; nil if it has none.
    public var own: String?

    /// No accepted tokens and no own token.
    public init() {}

    /// Accepts the tokens given in plain text (tests, and the admin and read tokens of the environment).
    public init(own: String? = nil, accepting tokens: [(Principal, String)]) {
        self.own = own
        for (principal, token) in tokens { accept(hash: Self.hash(token), as: principal) }
    }

    /// SHA-256 of a token.
    public static func hash(_ token: String) -> [UInt8] { SHA256.hash(Array(token.utf8)) }

    /// Adds one accepted token by its hash.
    public mutating func accept(hash: [UInt8], as principal: Principal) {
        let entry = Entry(hash: hash, principal: principal)
        if !entries.contains(entry) { entries.append(entry) }
    }

    /// Adds every line of a tokens file; `source` names the file in errors.
    ///
    /// Lines are `identity sha256-hex`; blank lines and lines starting with `#` are skipped.
    public mutating func accept(file text: String, source: String) throws {
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(raw).trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2 else {
                throw ConfigurationError("\(source) line \(index + 1): expected 'identity sha256-hex', got \(fields.count) fields")
            }
            guard let principal = Principal(identity: String(fields[0])) else {
                throw ConfigurationError(
                    "\(source) line \(index + 1): '\(fields[0].prefix(40))' is not an identity "
                        + "(admin, read, scheduler, dispatcher, persistence, monitor or gateway:BROKER)")
            }
            guard let hash = Hex.bytes(String(fields[1])), hash.count == 32 else {
                throw ConfigurationError("\(source) line \(index + 1): the hash must be 64 hex digits (SHA-256 of the token)")
            }
            accept(hash: hash, as: principal)
        }
    }

    /// Who `token` proves the caller is, or `nil` if it is none of ours.
    ///
    /// The token's hash is compared with every accepted hash, each in constant time, so the time taken says nothing
    /// about which (if any) matched.
    public func principal(of token: String) -> Principal? {
        let presented = Self.hash(token)
        var found: Principal?
        for entry in entries where ConstantTime.equals(entry.hash, presented) { found = entry.principal }
        return found
    }

    /// The accepted hashes of one scope (a person's scope, or a service's).
    public func hashes(of scope: Scope) -> [[UInt8]] {
        entries.filter { $0.principal.scope == scope }.map(\.hash)
    }

    /// Whether any token of `scope` is accepted.
    public func accepts(_ scope: Scope) -> Bool { entries.contains { $0.principal.scope == scope } }

    /// The service's own token, checked against the accepted ones: it must be there, as `identity`.
    ///
    /// Throws, naming the settings, when it is missing, unknown, or another identity's token.
    public func ownToken(as identity: Principal) throws -> String {
        guard let own else {
            throw ConfigurationError("PSYNC_SERVICE_TOKEN (or PSYNC_SERVICE_TOKEN_FILE) must hold this service's own token, as \(identity)")
        }
        guard let principal = principal(of: own) else {
            throw ConfigurationError("PSYNC_SERVICE_TOKEN is not among the accepted tokens: add its hash as '\(identity)' to PSYNC_TOKENS_FILE")
        }
        guard principal == identity else {
            throw ConfigurationError("PSYNC_SERVICE_TOKEN is the token of \(principal), but this service runs as \(identity)")
        }
        return own
    }

    /// Throws when the own token is too short or a placeholder, or a person's token also names a service.
    public func validate() throws {
        if let own { try SecretPolicy.check(own, setting: "PSYNC_SERVICE_TOKEN", minimumLength: Self.minimumLength) }
        for (index, first) in entries.enumerated() {
            for second in entries[(index + 1)...] where first.hash == second.hash && first.principal != second.principal {
                throw ConfigurationError("\(first.principal) and \(second.principal) share a token: each token proves one identity")
            }
        }
    }
}
