import ExactDecimal
public import FoundationEssentials

/// What kind of instrument a holding is.
public enum AssetType: String, Codable, Sendable, CaseIterable {
    case stock, etf
    case mutualFund = "mutual_fund"
    case bond, crypto, cash, option, future, other
}

/// One position as a broker reports it, normalised: exact decimals, ISO currency, the raw item in `meta`.
public struct Holding: Codable, Sendable, Equatable {
    public var symbol: String
    public var exchange: String?
    public var isin: String?
    public var assetType: AssetType
    /// Everything held: for Kite, free + unsettled (T+1) + pledged (see `split`). In lots for contracts with a `multiplier`.
    @DecimalString public var quantity: Decimal
    @DecimalString public var averagePrice: Decimal
    @DecimalString public var lastPrice: Decimal?
    /// ISO 4217 code.
    public var currency: String
    /// quantity × average price (× multiplier).
    @DecimalString public var costValue: Decimal
    /// quantity × last price (× multiplier), when the broker gives a price.
    @DecimalString public var marketValue: Decimal?
    /// How `quantity` divides into free, unsettled and pledged shares, where the broker says.
    public var split: HeldQuantity?
    /// A lot kept apart from the ordinary holding of the same instrument (`mtf`: bought under a margin trading facility).
    public var lot: HoldingLot?
    /// Units per lot for contracts whose quantity is in lots (Kite's commodity and currency contracts); `nil` means 1.
    @DecimalString public var multiplier: Decimal?
    /// The broker's own item, as the JSON it sent.
    public var meta: RawJSON?

    public init(
        symbol: String,
        exchange: String?,
        isin: String?,
        assetType: AssetType,
        quantity: Decimal,
        averagePrice: Decimal,
        lastPrice: Decimal?,
        currency: String,
        costValue: Decimal? = nil,
        marketValue: Decimal? = nil,
        split: HeldQuantity? = nil,
        lot: HoldingLot? = nil,
        multiplier: Decimal? = nil,
        meta: RawJSON? = nil
    ) {
        self.symbol = symbol
        self.exchange = exchange
        self.isin = isin
        self.assetType = assetType
        self.quantity = quantity
        self.averagePrice = averagePrice
        self.lastPrice = lastPrice
        self.currency = currency
        let units = multiplier.map { quantity * $0 } ?? quantity
        self.costValue = costValue ?? units * averagePrice
        self.marketValue = marketValue ?? lastPrice.map { units * $0 }
        self.split = split
        self.lot = lot
        self.multiplier = multiplier
        self.meta = meta
    }
}

/// How a holding's quantity divides, as brokers that say so (Kite, Upstox, Dhan) report it.
///
/// `free + unsettled + pledged` is the holding's `quantity`: a pledged share is still the owner's.
public struct HeldQuantity: Codable, Sendable, Equatable, Hashable {
    /// Settled in the demat account and not pledged (Kite `quantity`).
    @DecimalString public var free: Decimal
    /// Bought, not yet delivered: T+1 (Kite `t1_quantity`).
    @DecimalString public var unsettled: Decimal
    /// Pledged as margin collateral (Kite `collateral_quantity`).
    @DecimalString public var pledged: Decimal

    public init(free: Decimal, unsettled: Decimal, pledged: Decimal) {
        self.free = free
        self.unsettled = unsettled
        self.pledged = pledged
    }

    /// free + unsettled + pledged.
    public var total: Decimal { free + unsettled + pledged }
}

/// A lot held apart from the ordinary holding of the same instrument.
public enum HoldingLot: String, Codable, Sendable, CaseIterable {
    /// Bought under Kite's margin trading facility: the broker funded part of it; its own average price.
    case mtf
}

/// Something a reader of a snapshot must know: data the broker reported inconsistently, or a part it did not deliver.
///
/// Notes never change the stored data; they sit beside it.
public struct SnapshotNote: Codable, Sendable, Equatable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The broker's own P&L for a holding disagrees with (last price − average price) × quantity.
        case pnlMismatch = "pnl_mismatch"
        /// Part of the snapshot could not be fetched (Kite's mutual funds refused); the rest is stored.
        case partUnavailable = "part_unavailable"
        /// The broker's quantities do not add up (Dhan: unsettled + pledged above the total); the total is stored.
        case quantityMismatch = "quantity_mismatch"
    }

    public var kind: Kind
    public var symbol: String?
    public var exchange: String?
    /// What the broker reported (its P&L).
    @DecimalString public var reported: Decimal?
    /// What the stored data gives.
    @DecimalString public var computed: Decimal?
    /// One clause for a person.
    public var message: String

    public init(kind: Kind, symbol: String? = nil, exchange: String? = nil, reported: Decimal? = nil, computed: Decimal? = nil, message: String) {
        self.kind = kind
        self.symbol = symbol
        self.exchange = exchange
        self.reported = reported
        self.computed = computed
        self.message = message
    }
}

/// All of an account's holdings at one moment, as one fetch returned them.
///
/// On the wire the holdings travel as one tab-separated table (see `HoldingsTable`) rather than
/// one JSON object per holding: snapshots are the bulk of the results stream, and a table decodes
/// an order of magnitude faster than thousands of small objects.
public struct HoldingsSnapshot: Codable, Sendable, Equatable {
    /// Unique per fetch; a snapshot delivered twice is stored once.
    public var sourceSnapshotID: String
    /// When the broker's data was taken (UTC).
    public var asOf: Date
    public var holdings: [Holding]
    /// What a reader must know about this snapshot (a part unavailable, a P&L the broker reports differently).
    public var notes: [SnapshotNote]

    public init(sourceSnapshotID: String, asOf: Date, holdings: [Holding], notes: [SnapshotNote] = []) {
        self.sourceSnapshotID = sourceSnapshotID
        self.asOf = asOf
        self.holdings = holdings
        self.notes = notes
    }

    private enum CodingKeys: String, CodingKey {
        case sourceSnapshotID, asOf, holdings, notes
    }

    /// In JSON the holdings are one `HoldingsTable` string; on a stream entry (`StreamEnvelope.tableApart` in `userInfo`)
    /// they travel in the entry's own `table` field and the body leaves them out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sourceSnapshotID = try container.decode(String.self, forKey: .sourceSnapshotID)
        asOf = try container.decode(Date.self, forKey: .asOf)
        if decoder.userInfo[StreamEnvelope.tableApart] as? Bool == true {
            holdings = []
        } else {
            do {
                holdings = try HoldingsTable.decode(Array(try container.decode(String.self, forKey: .holdings).utf8))
            } catch let error as HoldingsTable.FormatError {
                throw DecodingError.dataCorruptedError(forKey: .holdings, in: container, debugDescription: error.message)
            }
        }
        notes = try container.decodeIfPresent([SnapshotNote].self, forKey: .notes) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sourceSnapshotID, forKey: .sourceSnapshotID)
        try container.encode(asOf, forKey: .asOf)
        if encoder.userInfo[StreamEnvelope.tableApart] as? Bool != true {
            try container.encode(String(decoding: HoldingsTable.encode(holdings), as: UTF8.self), forKey: .holdings)
        }
        if !notes.isEmpty { try container.encode(notes, forKey: .notes) }
    }
}

/// What a transaction did. Stored as its raw value in `transactions.kind` (free text): adding a kind needs no migration.
public enum TransactionKind: String, Codable, Sendable, CaseIterable {
    case buy, sell, dividend, deposit, withdrawal, fee, interest, split, other
    /// Tax withheld at source from a dividend or interest (negative amount), e.g. US withholding on a non-resident.
    case withholdingTax = "withholding_tax"
    /// Shares of a new company received from a spin-off.
    case spinOff = "spin_off"
    /// Shares or cash exchanged in a merger or acquisition.
    case merger
    /// Cash or securities moved in from or out to another broker (ACATS).
    case transfer
    /// Cash or securities moved between accounts at the same broker.
    case journal
}

/// One transaction as a broker reports it; unique per account by the broker's id.
public struct BrokerTransaction: Codable, Sendable, Equatable {
    /// The broker's id for it (Kite trade id, Alpaca activity id …).
    public var externalID: String
    public var kind: TransactionKind
    public var symbol: String?
    public var exchange: String?
    public var isin: String?
    @DecimalString public var quantity: Decimal?
    @DecimalString public var price: Decimal?
    /// quantity × price (× multiplier), in `currency`.
    @DecimalString public var amount: Decimal?
    public var currency: String
    public var occurredAt: Date
    /// Units per lot when `quantity` is in lots (Kite's commodity and currency contracts).
    @DecimalString public var multiplier: Decimal?
    /// The broker's own item, as the JSON it sent.
    public var meta: RawJSON?

    public init(
        externalID: String,
        kind: TransactionKind,
        symbol: String?,
        exchange: String?,
        isin: String?,
        quantity: Decimal?,
        price: Decimal?,
        amount: Decimal?,
        currency: String,
        occurredAt: Date,
        multiplier: Decimal? = nil,
        meta: RawJSON? = nil
    ) {
        self.externalID = externalID
        self.kind = kind
        self.symbol = symbol
        self.exchange = exchange
        self.isin = isin
        self.quantity = quantity
        self.price = price
        self.amount = amount
        self.currency = currency
        self.occurredAt = occurredAt
        self.multiplier = multiplier
        self.meta = meta
    }
}

/// Transactions fetched since a cursor, and the cursor to continue from next time.
public struct TransactionsBatch: Codable, Sendable, Equatable {
    public var transactions: [BrokerTransaction]
    /// Where the next fetch starts; `nil` keeps the previous cursor.
    public var cursor: String?

    public init(transactions: [BrokerTransaction], cursor: String?) {
        self.transactions = transactions
        self.cursor = cursor
    }
}

/// A stored snapshot, without its rows.
public struct SnapshotSummary: Codable, Sendable, Equatable {
    public var id: Int
    public var accountID: Int
    public var runID: Int?
    public var jobID: Int?
    public var sourceSnapshotID: String
    public var asOf: Date
    public var rowCount: Int
    public var current: Bool
    /// What a reader must know about it (parts unavailable, P&L discrepancies).
    public var notes: [SnapshotNote]

    public init(
        id: Int, accountID: Int, runID: Int?, jobID: Int?, sourceSnapshotID: String, asOf: Date, rowCount: Int, current: Bool,
        notes: [SnapshotNote] = []
    ) {
        self.id = id
        self.accountID = accountID
        self.runID = runID
        self.jobID = jobID
        self.sourceSnapshotID = sourceSnapshotID
        self.asOf = asOf
        self.rowCount = rowCount
        self.current = current
        self.notes = notes
    }
}

/// Sums over holdings in one currency.
public struct CurrencyTotal: Codable, Sendable, Equatable {
    public var currency: String
    @DecimalString public var costValue: Decimal
    @DecimalString public var marketValue: Decimal
    @DecimalString public var unrealisedPnL: Decimal
    public var holdingsCount: Int

    public init(currency: String, costValue: Decimal, marketValue: Decimal, unrealisedPnL: Decimal, holdingsCount: Int) {
        self.currency = currency
        self.costValue = costValue
        self.marketValue = marketValue
        self.unrealisedPnL = unrealisedPnL
        self.holdingsCount = holdingsCount
    }
}

/// A portfolio's totals in one currency at one moment.
public struct PortfolioTotal: Codable, Sendable, Equatable {
    public var portfolioID: Int
    public var asOf: Date
    public var runID: Int?
    public var total: CurrencyTotal

    public init(portfolioID: Int, asOf: Date, runID: Int?, total: CurrencyTotal) {
        self.portfolioID = portfolioID
        self.asOf = asOf
        self.runID = runID
        self.total = total
    }
}

/// An account's current holdings: the rows of its latest complete snapshot.
public struct AccountHoldings: Codable, Sendable, Equatable {
    public var account: BrokerAccount
    /// `nil` when the account was never synced.
    public var snapshot: SnapshotSummary?
    public var holdings: [Holding]
    public var totals: [CurrencyTotal]

    public init(account: BrokerAccount, snapshot: SnapshotSummary?, holdings: [Holding], totals: [CurrencyTotal]) {
        self.account = account
        self.snapshot = snapshot
        self.holdings = holdings
        self.totals = totals
    }
}

/// A portfolio's current holdings, per account, with totals per currency.
public struct PortfolioHoldings: Codable, Sendable, Equatable {
    public var portfolio: Portfolio
    public var accounts: [AccountHoldings]
    public var totals: [CurrencyTotal]

    public init(portfolio: Portfolio, accounts: [AccountHoldings], totals: [CurrencyTotal]) {
        self.portfolio = portfolio
        self.accounts = accounts
        self.totals = totals
    }
}

/// A user's current holdings, per portfolio.
public struct UserHoldings: Codable, Sendable, Equatable {
    public var user: User
    public var portfolios: [PortfolioHoldings]

    public init(user: User, portfolios: [PortfolioHoldings]) {
        self.user = user
        self.portfolios = portfolios
    }
}

/// A stored transaction.
public struct StoredTransaction: Codable, Sendable, Equatable {
    public var id: Int
    public var accountID: Int
    public var transaction: BrokerTransaction

    public init(id: Int, accountID: Int, transaction: BrokerTransaction) {
        self.id = id
        self.accountID = accountID
        self.transaction = transaction
    }
}
