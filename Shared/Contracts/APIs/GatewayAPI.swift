public import FoundationEssentials

/// The RPCs of `psync-gateway --broker CODE`: everything that needs the broker's key or the broker itself.
public enum GatewayAPI {}

/// An account's broker credentials as one JSON object (for Kite `{"api_key": "…", "access_token": "…"}`).
/// Sent to the gateway, which seals them; they are never stored or logged in plain text.
public struct PutCredentials: Codable, Sendable {
    public var id: Int
    public var credentials: [String: String]
    public init(id: Int, credentials: [String: String]) {
        self.id = id
        self.credentials = credentials
    }
}

/// Where sealed credentials went (never the credentials themselves).
public struct CredentialsSealed: Codable, Sendable, Equatable {
    public var accountID: Int
    public var keyID: String
    public var fields: [String]
    public init(accountID: Int, keyID: String, fields: [String]) {
        self.accountID = accountID
        self.keyID = keyID
        self.fields = fields
    }
}

/// What the broker says about the login behind a set of credentials.
public struct BrokerProfile: Codable, Sendable, Equatable {
    public var userID: String?
    public var name: String?
    public var email: String?
    public init(userID: String?, name: String?, email: String?) {
        self.userID = userID
        self.name = name
        self.email = email
    }
}

/// The outcome of checking credentials with the broker.
public struct CredentialsVerified: Codable, Sendable, Equatable {
    public var accountID: Int
    public var valid: Bool
    /// Why not, when they are not valid: `auth`, `transient` …
    public var failureKind: FailureKind?
    public var message: String?
    public var profile: BrokerProfile?
    public init(accountID: Int, valid: Bool, failureKind: FailureKind?, message: String?, profile: BrokerProfile?) {
        self.accountID = accountID
        self.valid = valid
        self.failureKind = failureKind
        self.message = message
        self.profile = profile
    }
}

/// Syncs one account now, in the request (the seed's synchronous path).
public struct SyncNow: Codable, Sendable, Equatable {
    public var id: Int
    public var actions: [JobAction]?
    public init(id: Int, actions: [JobAction]? = nil) {
        self.id = id
        self.actions = actions
    }
}

/// What a synchronous sync saved.
public struct SyncNowResult: Codable, Sendable, Equatable {
    public var accountID: Int
    public var snapshot: SnapshotSummary?
    public var holdings: Int
    public var transactions: Int
    public init(accountID: Int, snapshot: SnapshotSummary?, holdings: Int, transactions: Int) {
        self.accountID = accountID
        self.snapshot = snapshot
        self.holdings = holdings
        self.transactions = transactions
    }
}

/// Where to send a person to log in to their broker, and which parameter of the redirect carries the code.
public struct LoginURL: Codable, Sendable, Equatable {
    public var accountID: Int
    public var url: String
    /// The query parameter of the redirect back that holds the one-time code (`request_token` for Kite, `code` for OAuth).
    public var redirectParameter: String
    public init(accountID: Int, url: String, redirectParameter: String) {
        self.accountID = accountID
        self.url = url
        self.redirectParameter = redirectParameter
    }
}

/// Asks for an account's broker login page; `state` (1-128 letters, digits, `-` or `_`) comes back on the redirect
/// (Kite through `redirect_params`, OAuth brokers as `state`), so the page that started the login can recognise its answer.
public struct LoginURLRequest: Codable, Sendable, Equatable {
    public var id: Int
    public var state: String?
    public init(id: Int, state: String? = nil) {
        self.id = id
        self.state = state
    }
}

/// Completes a broker login with the one-time code from the redirect (Kite's `request_token`, an OAuth `code`).
public struct CompleteLogin: Codable, Sendable {
    public var id: Int
    public var code: String
    public init(id: Int, code: String) {
        self.id = id
        self.code = code
    }
}

/// What a key rotation did.
public struct KeysRotated: Codable, Sendable, Equatable {
    public var brokerCode: String
    public var currentKeyID: String
    public var resealed: Int
    /// Boxes that could not be opened with any configured key, by account.
    public var failed: [Int]
    public init(brokerCode: String, currentKeyID: String, resealed: Int, failed: [Int]) {
        self.brokerCode = brokerCode
        self.currentKeyID = currentKeyID
        self.resealed = resealed
        self.failed = failed
    }
}

/// A statement as CSV, for brokers without an API (VESTED): holdings, and transactions if it has them.
public struct ImportStatement: Codable, Sendable {
    public var id: Int
    public var csv: String
    /// When the statement was taken; now if absent.
    public var asOf: Date?
    public init(id: Int, csv: String, asOf: Date? = nil) {
        self.id = id
        self.csv = csv
        self.asOf = asOf
    }
}

extension GatewayAPI {
    public static let putCredentials = Endpoint<PutCredentials, CredentialsSealed>(
        .put, "/v1/accounts/{id}/credentials", scopes: .administrators.and(.monitor), summary: "Seal and store an account's broker credentials"
    )
    public static let verifyCredentials = Endpoint<ByID, CredentialsVerified>(
        .post, "/v1/accounts/{id}/verify", scopes: .administrators, summary: "Check an account's credentials with the broker"
    )
    public static let syncNow = Endpoint<SyncNow, SyncNowResult>(
        .post, "/v1/accounts/{id}/sync", scopes: .administrators, summary: "Fetch and store one account now"
    )
    public static let loginURL = Endpoint<LoginURLRequest, LoginURL>(
        .get, "/v1/accounts/{id}/login-url", scopes: .administrators.and(.monitor),
        summary: "The broker's login page for an account (brokers with a login)"
    )
    public static let completeLogin = Endpoint<CompleteLogin, CredentialsSealed>(
        .post, "/v1/accounts/{id}/login", scopes: .administrators.and(.monitor),
        summary: "Exchange the code from the login redirect for a new access token"
    )
    public static let rotateKeys = Endpoint<Empty, KeysRotated>(
        .post, "/v1/keys/rotate", scopes: .administrators, summary: "Re-seal every credentials box of this broker under the current key"
    )
    public static let importStatement = Endpoint<ImportStatement, SyncNowResult>(
        .post, "/v1/accounts/{id}/import", scopes: .administrators, summary: "Import a holdings statement (CSV) as a snapshot"
    )
}
