public import FoundationEssentials

public struct ListSnapshots: PagedRequest, Equatable {
    public var id: Int
    public var cursor: String?
    public var limit: Int?
    public init(id: Int, cursor: String? = nil, limit: Int? = nil) {
        self.id = id
        self.cursor = cursor
        self.limit = limit
    }
}

/// A stored snapshot with its rows.
public struct SnapshotHoldings: Codable, Sendable, Equatable {
    public var snapshot: SnapshotSummary
    public var holdings: [Holding]
    public init(snapshot: SnapshotSummary, holdings: [Holding]) {
        self.snapshot = snapshot
        self.holdings = holdings
    }
}

public struct ListTotals: PagedRequest, Equatable {
    public var id: Int
    public var currency: String?
    public var since: Date?
    public var cursor: String?
    public var limit: Int?
    public init(id: Int, currency: String? = nil, since: Date? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.id = id
        self.currency = currency
        self.since = since
        self.cursor = cursor
        self.limit = limit
    }
}

public struct ListTransactions: PagedRequest, Equatable {
    public var id: Int
    public var since: Date?
    public var cursor: String?
    public var limit: Int?
    public init(id: Int, since: Date? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.id = id
        self.since = since
        self.cursor = cursor
        self.limit = limit
    }
}

/// A snapshot fetched by the synchronous path (`psync sync --account A --now`), stored as one.
public struct StoreSnapshot: Codable, Sendable, Equatable {
    public var id: Int
    public var snapshot: HoldingsSnapshot
    /// Open positions rather than holdings: they become the account's current positions, not its holdings.
    public var positions: Bool?
    public init(id: Int, snapshot: HoldingsSnapshot, positions: Bool? = nil) {
        self.id = id
        self.snapshot = snapshot
        self.positions = positions
    }
}

/// Transactions fetched by the synchronous path.
public struct StoreTransactions: Codable, Sendable, Equatable {
    public var id: Int
    public var batch: TransactionsBatch
    public init(id: Int, batch: TransactionsBatch) {
        self.id = id
        self.batch = batch
    }
}

/// How many rows a write stored.
public struct StoredCount: Codable, Sendable, Equatable {
    public var stored: Int
    public init(stored: Int) { self.stored = stored }
}

extension PersistenceAPI {
    public static let accountHoldings = Endpoint<ByID, AccountHoldings>(
        .get, "/v1/accounts/{id}/holdings", scopes: .readers.and(.monitor), summary: "An account's current holdings"
    )
    public static let portfolioHoldings = Endpoint<ByID, PortfolioHoldings>(
        .get, "/v1/portfolios/{id}/holdings", scopes: .readers.and(.monitor), summary: "A portfolio's current holdings with totals"
    )
    public static let accountPositions = Endpoint<ByID, AccountHoldings>(
        .get, "/v1/accounts/{id}/positions", scopes: .readers.and(.monitor), summary: "An account's open positions (its latest positions snapshot)"
    )
    public static let portfolioPositions = Endpoint<ByID, PortfolioHoldings>(
        .get, "/v1/portfolios/{id}/positions", scopes: .readers.and(.monitor), summary: "A portfolio's open positions, per account, with totals"
    )
    public static let userHoldings = Endpoint<ByID, UserHoldings>(
        .get, "/v1/users/{id}/holdings", scopes: .readers, summary: "A user's current holdings, per portfolio"
    )
    public static let accountSnapshots = Endpoint<ListSnapshots, Page<SnapshotSummary>>(
        .get, "/v1/accounts/{id}/snapshots", scopes: .readers.and(.monitor), summary: "An account's holdings history"
    )
    public static let snapshotHoldings = Endpoint<ByID, SnapshotHoldings>(
        .get, "/v1/snapshots/{id}", scopes: .readers.and(.monitor), summary: "The rows of one stored snapshot"
    )
    public static let portfolioTotals = Endpoint<ListTotals, Page<PortfolioTotal>>(
        .get, "/v1/portfolios/{id}/totals", scopes: .readers, summary: "A portfolio's totals over time"
    )
    public static let accountTransactions = Endpoint<ListTransactions, Page<StoredTransaction>>(
        .get, "/v1/accounts/{id}/transactions", scopes: .readers.and(.monitor), summary: "An account's transactions, newest first"
    )
    public static let storeSnapshot = Endpoint<StoreSnapshot, SnapshotSummary>(
        .post, "/v1/accounts/{id}/snapshots", scopes: [.gateway], summary: "Store a snapshot from the synchronous path"
    )
    public static let storeTransactions = Endpoint<StoreTransactions, StoredCount>(
        .post, "/v1/accounts/{id}/transactions", scopes: [.gateway], summary: "Store transactions from the synchronous path"
    )
}
