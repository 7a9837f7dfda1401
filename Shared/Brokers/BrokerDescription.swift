public import Contracts

/// Everything the system needs to know about a broker, declared once by its adapter: what it is called,
/// where its API is, what credentials it takes, how it limits calls, how a person logs in, and what it can do.
///
/// ```swift
/// public static let broker = BrokerDescription(
///     code: "DHAN", name: "Dhan", baseURLs: ["live": "https://api.dhan.co"], credentialFields: ["access_token"],
///     rateLimit: RateLimitRule([.init(20, per: .seconds(1))], scope: .user), capabilities: [.holdings, .positions, .scheduledSync])
/// ```
public struct BrokerDescription: Sendable {
    /// The broker code, upper case: `ZERODHA`.
    public var code: String
    /// A name for people: `Zerodha Kite Connect`.
    public var name: String
    /// The API's base URL per variant: `live` always (empty for a broker without an API), others as the broker has them
    /// (Alpaca's `paper`); an account picks its variant with the credential field `environment`.
    public var baseURLs: [String: String]
    /// Credential fields an account must give (checked before sealing; never shown back).
    public var credentialFields: [String]
    /// The broker's documented limits, enforced across every replica.
    public var rateLimit: RateLimitRule
    /// How a person logs in through the broker's page, for brokers with `.login`.
    public var login: LoginFlow?
    public var capabilities: Set<BrokerCapability>

    public init(
        code: String,
        name: String,
        baseURLs: [String: String],
        credentialFields: [String],
        rateLimit: RateLimitRule = .none,
        login: LoginFlow? = nil,
        capabilities: Set<BrokerCapability>
    ) {
        self.code = code
        self.name = name
        self.baseURLs = baseURLs
        self.credentialFields = credentialFields
        self.rateLimit = rateLimit
        self.login = login
        self.capabilities = capabilities
    }

    /// The production API (variant `live`).
    public var defaultBaseURL: String { baseURLs["live"] ?? "" }
}

/// A broker's rate limit: any number of windows, all of which a call must fit, counted per API key or per user.
public struct RateLimitRule: Sendable, Equatable {
    /// At most `limit` calls in any `per`.
    public struct Window: Sendable, Equatable, CustomStringConvertible {
        public var limit: Int
        public var per: Duration

        public init(_ limit: Int, per: Duration) {
            self.limit = limit
            self.per = per
        }

        /// `10/s`, `500/m`, `2000/30m`.
        public var description: String {
            let seconds = per.components.seconds
            let unit =
                seconds % 3600 == 0
                ? "\(seconds / 3600 == 1 ? "" : String(seconds / 3600))h"
                : seconds % 60 == 0 ? "\(seconds / 60 == 1 ? "" : String(seconds / 60))m" : "\(seconds == 1 ? "" : String(seconds))s"
            return "\(limit)/\(unit)"
        }
    }

    /// Who a window counts: calls made with one API key (Kite: per `api_key`, shared by its users), or one user's calls.
    public enum Scope: String, Sendable, Equatable {
        case apiKey = "api_key"
        case user
    }

    public var windows: [Window]
    public var scope: Scope
    /// For `.user`: the credential field holding the broker's id of the user (Upstox `user_id`, Dhan `client_id`).
    public var userField: String

    public init(_ windows: [Window], scope: Scope, userField: String = "user_id") {
        self.windows = windows
        self.scope = scope
        self.userField = userField
    }

    /// No limit.
    public static let none = RateLimitRule([], scope: .apiKey)

    /// Parses `10/s`, `200/m`, `2000/30m`, several separated by commas; `0` or empty is no limit.
    public static func parse(_ text: String, scope: Scope) -> RateLimitRule? {
        var windows: [Window] = []
        for part in text.split(separator: ",").map({ String($0).trimmingCharacters(in: " ") }) where part != "0" && !part.isEmpty {
            let pieces = part.split(separator: "/", maxSplits: 1)
            guard let limit = Int(pieces[0]), limit > 0, limit <= 1_000_000 else { return nil }
            var unit = pieces.count == 2 ? String(pieces[1]) : "s"
            var count = 1
            if let digits = unit.firstIndex(where: { !$0.isNumber }), digits != unit.startIndex {
                guard let value = Int(unit[..<digits]), value > 0, value <= 100_000 else { return nil }
                count = value
                unit = String(unit[digits...])
            }
            guard let seconds = ["s": 1, "m": 60, "h": 3600][unit] else { return nil }
            windows.append(Window(limit, per: .seconds(seconds * count)))
        }
        return RateLimitRule(windows, scope: scope)
    }

    /// This rule with other windows (a setting's), keeping who it counts.
    public func with(windows: [Window]) -> RateLimitRule {
        RateLimitRule(windows, scope: scope, userField: userField)
    }

    public var text: String { windows.isEmpty ? "0" : windows.map(\.description).joined(separator: ",") }
}

/// How a person logs in at the broker and comes back with a one-time code the gateway exchanges for a session.
public struct LoginFlow: Sendable, Equatable {
    /// The redirect's query parameter that holds the code (`request_token` for Kite, `code` for OAuth 2).
    public var redirectParameter: String
    /// Credential fields the login needs besides `credentialFields` (Kite's `api_secret`).
    public var secretFields: [String]

    public init(redirectParameter: String, secretFields: [String]) {
        self.redirectParameter = redirectParameter
        self.secretFields = secretFields
    }
}
