public import FoundationEssentials

/// A person whose portfolios are synced.
public struct User: Codable, Sendable, Equatable {
    public var id: Int
    public var email: String
    public var name: String
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int, email: String, name: String, active: Bool, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A user's portfolio; its totals are kept in its base currency and per holding currency.
public struct Portfolio: Codable, Sendable, Equatable {
    public var id: Int
    public var userID: Int
    public var name: String
    /// ISO 4217 code, e.g. `INR`.
    public var baseCurrency: String
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int, userID: Int, name: String, baseCurrency: String, active: Bool, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.userID = userID
        self.name = name
        self.baseCurrency = baseCurrency
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a broker's adapter can do; declared by the adapter, stored with the broker's row.
public enum BrokerCapability: String, Codable, Sendable, CaseIterable {
    /// Long-term holdings from the broker's API.
    case holdings
    /// Open positions.
    case positions
    /// Trades and other transactions.
    case transactions
    /// A person logs in through the broker's page; the gateway completes it (`psync login`).
    case login
    /// Holdings (and transactions) arrive as a statement file (`psync import`).
    case statementImport = "statement_import"
    /// Runs queue jobs for its accounts; an import-only broker's accounts are skipped and counted.
    case scheduledSync = "scheduled_sync"
}

/// A broker the system knows (`ZERODHA`, `ALPACA`, `UPSTOX`, `VESTED`, `SANDBOX` …), as its adapter declares it.
public struct BrokerType: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var enabled: Bool
    public var capabilities: [BrokerCapability]

    public init(code: String, name: String, enabled: Bool, capabilities: [BrokerCapability] = []) {
        self.code = code
        self.name = name
        self.enabled = enabled
        self.capabilities = capabilities
    }
}

/// Whether an account is synced.
public enum AccountStatus: String, Codable, Sendable, CaseIterable {
    /// Synced by every run that covers it.
    case active
    /// Skipped until enabled again.
    case disabled
    /// The broker refused its credentials; skipped until someone logs in again.
    case reauthRequired = "reauth_required"
}

/// One login at one broker, inside a portfolio.
public struct BrokerAccount: Codable, Sendable, Equatable {
    public var id: Int
    public var portfolioID: Int
    public var userID: Int
    public var brokerCode: String
    public var label: String
    /// The broker's own id for the login (Kite user id …).
    public var externalUserID: String?
    /// Accounts sharing an API key share its rate limit.
    public var apiKeyID: String?
    public var status: AccountStatus
    public var lastSyncedAt: Date?
    public var lastError: String?
    /// Whether sealed credentials are stored.
    public var hasCredentials: Bool
    public var createdAt: Date
    public var updatedAt: Date
    /// When the broker ends the stored login (Kite: 06:00 IST the day after it was made); `nil` when it does not expire.
    public var loginExpiresAt: Date?
    /// The next fire of an enabled schedule that covers this account, if any.
    public var nextScheduledRunAt: Date?

    /// Whether the stored login ends before the next scheduled run could use it (someone must log in first).
    public var loginExpiresBeforeNextRun: Bool {
        guard let loginExpiresAt, let nextScheduledRunAt else { return false }
        return loginExpiresAt <= nextScheduledRunAt
    }

    public init(
        id: Int,
        portfolioID: Int,
        userID: Int,
        brokerCode: String,
        label: String,
        externalUserID: String?,
        apiKeyID: String?,
        status: AccountStatus,
        lastSyncedAt: Date?,
        lastError: String?,
        hasCredentials: Bool,
        createdAt: Date,
        updatedAt: Date,
        loginExpiresAt: Date? = nil,
        nextScheduledRunAt: Date? = nil
    ) {
        self.id = id
        self.portfolioID = portfolioID
        self.userID = userID
        self.brokerCode = brokerCode
        self.label = label
        self.externalUserID = externalUserID
        self.apiKeyID = apiKeyID
        self.status = status
        self.lastSyncedAt = lastSyncedAt
        self.lastError = lastError
        self.hasCredentials = hasCredentials
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.loginExpiresAt = loginExpiresAt
        self.nextScheduledRunAt = nextScheduledRunAt
    }
}

/// A sealed credentials box as persistence stores it: ciphertext only.
public struct SealedCredentials: Codable, Sendable, Equatable {
    public var accountID: Int
    /// Which gateway key sealed it.
    public var keyID: String
    /// The sealed box, base64.
    public var sealedBox: String
    public var updatedAt: Date?
    /// When the login inside was made, where the broker's logins expire.
    public var issuedAt: Date?
    /// When the broker ends that login; a job for the account after this goes straight to `reauth_required`.
    public var expiresAt: Date?

    public init(accountID: Int, keyID: String, sealedBox: String, updatedAt: Date? = nil, issuedAt: Date? = nil, expiresAt: Date? = nil) {
        self.accountID = accountID
        self.keyID = keyID
        self.sealedBox = sealedBox
        self.updatedAt = updatedAt
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

/// One page of a listing and where the next starts.
public struct Page<Item: Codable & Sendable>: Codable, Sendable {
    public var items: [Item]
    /// Pass back as `cursor` for the next page; `nil` on the last page.
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Page: Equatable where Item: Equatable {}
