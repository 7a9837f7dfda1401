public import FoundationEssentials

/// The RPCs of psync-persistence, the only process with a Postgres connection.
public enum PersistenceAPI {}

/// Addresses one thing by id (in the path).
public struct ByID: Codable, Sendable, Equatable {
    public var id: Int
    public init(id: Int) { self.id = id }
}

/// Paging fields every listing accepts.
public protocol PagedRequest: Codable, Sendable {
    /// From a previous page's `nextCursor`.
    var cursor: String? { get }
    /// Items per page (default 50, at most 500).
    var limit: Int? { get }
}

// MARK: Users

public struct CreateUser: Codable, Sendable, Equatable {
    public var email: String
    public var name: String
    public init(email: String, name: String) {
        self.email = email
        self.name = name
    }
}

public struct UpdateUser: Codable, Sendable, Equatable {
    public var id: Int
    public var email: String?
    public var name: String?
    public var active: Bool?
    public init(id: Int, email: String? = nil, name: String? = nil, active: Bool? = nil) {
        self.id = id
        self.email = email
        self.name = name
        self.active = active
    }
}

public struct ListUsers: PagedRequest, Equatable {
    public var active: Bool?
    /// Part of the name or email, any case (at most 100 characters).
    public var search: String?
    public var cursor: String?
    public var limit: Int?
    public init(active: Bool? = nil, search: String? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.active = active
        self.search = search
        self.cursor = cursor
        self.limit = limit
    }
}

// MARK: Portfolios

public struct CreatePortfolio: Codable, Sendable, Equatable {
    public var userID: Int
    public var name: String
    public var baseCurrency: String
    public init(userID: Int, name: String, baseCurrency: String) {
        self.userID = userID
        self.name = name
        self.baseCurrency = baseCurrency
    }
}

public struct UpdatePortfolio: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String?
    public var baseCurrency: String?
    public var active: Bool?
    public init(id: Int, name: String? = nil, baseCurrency: String? = nil, active: Bool? = nil) {
        self.id = id
        self.name = name
        self.baseCurrency = baseCurrency
        self.active = active
    }
}

public struct ListPortfolios: PagedRequest, Equatable {
    public var userID: Int?
    public var active: Bool?
    /// Part of the portfolio's name or its owner's name or email, any case (at most 100 characters).
    public var search: String?
    public var cursor: String?
    public var limit: Int?
    public init(userID: Int? = nil, active: Bool? = nil, search: String? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.userID = userID
        self.active = active
        self.search = search
        self.cursor = cursor
        self.limit = limit
    }
}

// MARK: Brokers and accounts

public struct UpdateBroker: Codable, Sendable, Equatable {
    public var code: String
    public var enabled: Bool
    public init(code: String, enabled: Bool) {
        self.code = code
        self.enabled = enabled
    }
}

public struct CreateAccount: Codable, Sendable, Equatable {
    public var portfolioID: Int
    public var brokerCode: String
    public var label: String
    public var externalUserID: String?
    public var apiKeyID: String?
    public init(portfolioID: Int, brokerCode: String, label: String, externalUserID: String? = nil, apiKeyID: String? = nil) {
        self.portfolioID = portfolioID
        self.brokerCode = brokerCode
        self.label = label
        self.externalUserID = externalUserID
        self.apiKeyID = apiKeyID
    }
}

public struct UpdateAccount: Codable, Sendable, Equatable {
    public var id: Int
    public var label: String?
    public var externalUserID: String?
    public var apiKeyID: String?
    /// `active` or `disabled`; `reauth_required` is set by failed syncs, and cleared by re-enabling.
    public var status: AccountStatus?
    public init(id: Int, label: String? = nil, externalUserID: String? = nil, apiKeyID: String? = nil, status: AccountStatus? = nil) {
        self.id = id
        self.label = label
        self.externalUserID = externalUserID
        self.apiKeyID = apiKeyID
        self.status = status
    }
}

public struct ListAccounts: PagedRequest, Equatable {
    public var portfolioID: Int?
    public var userID: Int?
    public var brokerCode: String?
    public var status: AccountStatus?
    /// Only accounts whose stored login expires before their next scheduled run.
    public var loginExpiresBeforeNextRun: Bool?
    /// Part of the label, broker code, status, portfolio name or owner's name or email, any case (at most 100 characters).
    public var search: String?
    public var cursor: String?
    public var limit: Int?
    public init(
        portfolioID: Int? = nil,
        userID: Int? = nil,
        brokerCode: String? = nil,
        status: AccountStatus? = nil,
        loginExpiresBeforeNextRun: Bool? = nil,
        search: String? = nil,
        cursor: String? = nil,
        limit: Int? = nil
    ) {
        self.portfolioID = portfolioID
        self.userID = userID
        self.brokerCode = brokerCode
        self.status = status
        self.loginExpiresBeforeNextRun = loginExpiresBeforeNextRun
        self.search = search
        self.cursor = cursor
        self.limit = limit
    }
}

/// What a delete removed.
public struct Deleted: Codable, Sendable, Equatable {
    public var id: Int
    public init(id: Int) { self.id = id }
}

// MARK: Credentials (sealed by the gateway; persistence never sees plaintext)

public struct StoreCredentials: Codable, Sendable, Equatable {
    public var id: Int
    public var keyID: String
    /// The sealed box, base64.
    public var sealedBox: String
    /// New credentials from a person (not a re-seal under a rotated key): an account waiting for a new
    /// login is active again, its last error cleared.
    public var renewsLogin: Bool?
    /// When the login inside was made (the gateway's clock); `nil` for credentials that do not expire.
    public var issuedAt: Date?
    /// When the broker ends it (Kite: 06:00 IST the next day); `nil` when it does not expire.
    public var expiresAt: Date?
    public init(id: Int, keyID: String, sealedBox: String, renewsLogin: Bool? = nil, issuedAt: Date? = nil, expiresAt: Date? = nil) {
        self.id = id
        self.keyID = keyID
        self.sealedBox = sealedBox
        self.renewsLogin = renewsLogin
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

public struct ListCredentials: PagedRequest, Equatable {
    /// Only boxes sealed under another key id (to re-seal them).
    public var excludingKeyID: String?
    public var brokerCode: String?
    /// Only these accounts (a gateway fetching the boxes for a batch of jobs).
    public var accountIDs: [Int]?
    public var cursor: String?
    public var limit: Int?
    public init(excludingKeyID: String? = nil, brokerCode: String? = nil, accountIDs: [Int]? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.excludingKeyID = excludingKeyID
        self.brokerCode = brokerCode
        self.accountIDs = accountIDs
        self.cursor = cursor
        self.limit = limit
    }
}

public struct ListAudit: PagedRequest, Equatable {
    public var entity: String?
    public var entityID: String?
    public var cursor: String?
    public var limit: Int?
    public init(entity: String? = nil, entityID: String? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.entity = entity
        self.entityID = entityID
        self.cursor = cursor
        self.limit = limit
    }
}

extension PersistenceAPI {
    public static let createUser = Endpoint<CreateUser, User>(.post, "/v1/users", scopes: .administrators.and(.monitor), summary: "Create a user")
    public static let listUsers = Endpoint<ListUsers, Page<User>>(.get, "/v1/users", scopes: .readers.and(.monitor), summary: "List users")
    public static let getUser = Endpoint<ByID, User>(.get, "/v1/users/{id}", scopes: .readers.and(.monitor), summary: "One user")
    public static let updateUser = Endpoint<UpdateUser, User>(
        .patch, "/v1/users/{id}", scopes: .administrators.and(.monitor), summary: "Change, disable or enable a user")
    public static let deleteUser = Endpoint<ByID, Deleted>(
        .delete, "/v1/users/{id}", scopes: .administrators.and(.monitor), summary: "Delete a user who owns no portfolio")

    public static let createPortfolio = Endpoint<CreatePortfolio, Portfolio>(
        .post, "/v1/portfolios", scopes: .administrators.and(.monitor), summary: "Create a portfolio")
    public static let listPortfolios = Endpoint<ListPortfolios, Page<Portfolio>>(
        .get, "/v1/portfolios", scopes: .readers.and(.monitor), summary: "List portfolios")
    public static let getPortfolio = Endpoint<ByID, Portfolio>(.get, "/v1/portfolios/{id}", scopes: .readers.and(.monitor), summary: "One portfolio")
    public static let updatePortfolio = Endpoint<UpdatePortfolio, Portfolio>(
        .patch, "/v1/portfolios/{id}", scopes: .administrators.and(.monitor), summary: "Change, disable or enable a portfolio"
    )
    public static let deletePortfolio = Endpoint<ByID, Deleted>(
        .delete, "/v1/portfolios/{id}", scopes: .administrators.and(.monitor), summary: "Delete a portfolio that holds no account")

    public static let listBrokers = Endpoint<Empty, [BrokerType]>(
        .get, "/v1/brokers", scopes: .readers.and(.monitor), summary: "Brokers the system knows")
    public static let updateBroker = Endpoint<UpdateBroker, BrokerType>(
        .patch, "/v1/brokers/{code}", scopes: .administrators, summary: "Enable or disable a broker")

    public static let createAccount = Endpoint<CreateAccount, BrokerAccount>(
        .post, "/v1/accounts", scopes: .administrators.and(.monitor), summary: "Add a broker account")
    public static let listAccounts = Endpoint<ListAccounts, Page<BrokerAccount>>(
        .get, "/v1/accounts", scopes: .readers.and(.monitor), summary: "List broker accounts")
    public static let getAccount = Endpoint<ByID, BrokerAccount>(
        .get, "/v1/accounts/{id}", scopes: .readers.and(.gateway, .monitor), summary: "One broker account")
    public static let updateAccount = Endpoint<UpdateAccount, BrokerAccount>(
        .patch, "/v1/accounts/{id}", scopes: .administrators.and(.gateway, .monitor), summary: "Change, disable or enable an account"
    )
    public static let deleteAccount = Endpoint<ByID, Deleted>(
        .delete, "/v1/accounts/{id}", scopes: .administrators.and(.monitor), summary: "Delete an account and its data")

    public static let storeCredentials = Endpoint<StoreCredentials, SealedCredentials>(
        .put, "/v1/accounts/{id}/credentials", scopes: [.gateway], summary: "Store an account's sealed credentials"
    )
    public static let getCredentials = Endpoint<ByID, SealedCredentials>(
        .get, "/v1/accounts/{id}/credentials", scopes: [.gateway], summary: "An account's sealed credentials"
    )
    public static let listCredentials = Endpoint<ListCredentials, Page<SealedCredentials>>(
        .get, "/v1/credentials", scopes: [.gateway], summary: "Sealed credentials, for key rotation"
    )

    public static let listAudit = Endpoint<ListAudit, Page<AuditEntry>>(.get, "/v1/audit", scopes: .administrators, summary: "The audit log")
}
