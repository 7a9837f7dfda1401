public import FoundationEssentials

/// What the change feed tells other systems; each type's `data` has one versioned schema (`FeedEventPayload`).
///
/// Events are written by psync-persistence in the transaction that made the change, read through
/// `PersistenceAPI.feed` (and `psync changes`), and pushed to webhook subscriptions by psync-webhooks.
public enum FeedEventType: String, Codable, Sendable, CaseIterable, Comparable {
    /// A committed holdings snapshot differs from the account's previous current one (`HoldingsChanged`).
    case holdingsChanged = "holdings.changed"
    /// Transactions the account had not reported before (`TransactionsAdded`).
    case transactionsAdded = "transactions.added"
    /// The broker refused the account's login; its owner must log in again (`AccountReauthRequired`).
    case accountReauthRequired = "account.reauth_required"
    /// The account's login ends before its next scheduled sync (`AccountReauthSoon`).
    case accountReauthSoon = "account.reauth_soon"
    /// A run's jobs all ended (`RunFinished`).
    case runFinished = "run.finished"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The payload type of this event type's `data`.
    public var payload: any FeedEventPayload.Type {
        switch self {
        case .holdingsChanged: HoldingsChanged.self
        case .transactionsAdded: TransactionsAdded.self
        case .accountReauthRequired: AccountReauthRequired.self
        case .accountReauthSoon: AccountReauthSoon.self
        case .runFinished: RunFinished.self
        }
    }
}

extension FeedEventType {
    /// The JSON Schema of this type's event as delivered: the envelope with `data` typed.
    public var schema: JSONValue { Self.envelopeSchema(payload) }

    /// The name `/openapi.json` gives the schema: `holdings.changed.v1`.
    public var schemaName: String { "\(rawValue).v\(payload.version)" }

    private static func envelopeSchema<Payload: FeedEventPayload>(_ payload: Payload.Type) -> JSONValue {
        JSONSchema.of(TypedFeedEvent<Payload>.self)
    }
}

/// The `data` of one event type, at one schema version.
public protocol FeedEventPayload: Codable, Sendable, Equatable {
    static var type: FeedEventType { get }
    /// Raised when a field changes meaning or goes away; adding an optional field keeps the version.
    static var version: Int { get }
}

/// One event of the feed, as the API lists it and as a webhook's body carries it (JSON, sorted keys).
///
/// `id` is the same on every delivery of the event (de-duplicate on it); `sequence` orders the feed (events about one
/// account reach a webhook in this order). `data` is the payload of `type` at `version`: decode it with `payload(_:)`.
public struct FeedEvent: Codable, Sendable, Equatable {
    public var id: String
    public var sequence: Int
    public var type: FeedEventType
    public var version: Int
    /// When the change was committed.
    public var createdAt: Date
    public var accountID: Int?
    public var portfolioID: Int?
    public var userID: Int?
    public var brokerCode: String?
    public var runID: Int?
    public var data: JSONValue

    public init(
        id: String, sequence: Int, type: FeedEventType, version: Int, createdAt: Date, accountID: Int? = nil, portfolioID: Int? = nil,
        userID: Int? = nil, brokerCode: String? = nil, runID: Int? = nil, data: JSONValue
    ) {
        self.id = id
        self.sequence = sequence
        self.type = type
        self.version = version
        self.createdAt = createdAt
        self.accountID = accountID
        self.portfolioID = portfolioID
        self.userID = userID
        self.brokerCode = brokerCode
        self.runID = runID
        self.data = data
    }

    /// The payload, typed; fails when the event is of another type or version.
    public func payload<Payload: FeedEventPayload>(_ type: Payload.Type) throws -> Payload {
        guard self.type == Payload.type, version == Payload.version else {
            throw APIError.unprocessable("event \(id) is \(self.type.rawValue) v\(version), not \(Payload.type.rawValue) v\(Payload.version)")
        }
        return try JSONCoding.decode(Payload.self, from: JSONCoding.encode(data))
    }
}

/// The schema of one event type's envelope with its payload typed: what `/openapi.json` describes per type.
public struct TypedFeedEvent<Payload: FeedEventPayload>: Codable, Sendable, Equatable {
    public var id: String
    public var sequence: Int
    public var type: FeedEventType
    public var version: Int
    public var createdAt: Date
    public var accountID: Int?
    public var portfolioID: Int?
    public var userID: Int?
    public var brokerCode: String?
    public var runID: Int?
    public var data: Payload
}

// MARK: Payloads

/// `holdings.changed` v1: what differs between the account's previous current holdings snapshot and the new one.
///
/// Positions are matched by symbol, exchange, asset type and lot (as `SnapshotDiff` does); quantities and prices compare
/// as exact decimals. A price move alone is not a change. The first snapshot of an account opens every position.
public struct HoldingsChanged: FeedEventPayload {
    public static let type = FeedEventType.holdingsChanged
    public static let version = 1

    public var snapshotID: Int
    /// The snapshot this one replaced as current; nil for the account's first.
    public var previousSnapshotID: Int?
    public var asOf: Date
    public var previousAsOf: Date?
    /// Opened, then closed, then changed; by symbol and exchange within each.
    public var changes: [PositionChange]
    /// Positions held in both with the same quantity, split and average price.
    public var unchanged: Int

    public init(snapshotID: Int, previousSnapshotID: Int?, asOf: Date, previousAsOf: Date?, changes: [PositionChange], unchanged: Int) {
        self.snapshotID = snapshotID
        self.previousSnapshotID = previousSnapshotID
        self.asOf = asOf
        self.previousAsOf = previousAsOf
        self.changes = changes
        self.unchanged = unchanged
    }

    /// The payload for `diff` between two snapshots.
    public init(snapshotID: Int, previousSnapshotID: Int?, asOf: Date, previousAsOf: Date?, diff: SnapshotDiff) {
        self.init(
            snapshotID: snapshotID, previousSnapshotID: previousSnapshotID, asOf: asOf, previousAsOf: previousAsOf,
            changes: diff.changes.map(PositionChange.init), unchanged: diff.unchanged)
    }
}

/// One position that differs, with its quantity, split and average price before and after.
public struct PositionChange: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Held after, not before.
        case opened
        /// Held before, not after.
        case closed
        /// Held in both, with another quantity, split or average price.
        case changed
    }

    /// A position's state on one side of the change.
    public struct State: Codable, Sendable, Equatable {
        @DecimalString public var quantity: Decimal
        /// Free, unsettled (T+1) and pledged, when the broker reports them.
        public var split: HeldQuantity?
        @DecimalString public var averagePrice: Decimal

        public init(quantity: Decimal, split: HeldQuantity?, averagePrice: Decimal) {
            self.quantity = quantity
            self.split = split
            self.averagePrice = averagePrice
        }

        init(_ holding: Holding) {
            self.init(quantity: holding.quantity, split: holding.split, averagePrice: holding.averagePrice)
        }
    }

    public var kind: Kind
    public var symbol: String
    public var exchange: String?
    public var isin: String?
    public var assetType: AssetType
    public var lot: HoldingLot?
    public var currency: String
    public var before: State?
    public var after: State?
    /// `after − before` (the whole quantity when opened, minus it when closed).
    @DecimalString public var quantityChange: Decimal

    public init(_ change: SnapshotDiff.Change) {
        let holding = change.after ?? change.before!
        switch change.kind {
        case .bought: kind = .opened
        case .sold: kind = .closed
        case .changed: kind = .changed
        }
        symbol = holding.symbol
        exchange = holding.exchange
        isin = holding.isin
        assetType = holding.assetType
        lot = holding.lot
        currency = holding.currency
        before = change.before.map(State.init)
        after = change.after.map(State.init)
        quantityChange = change.quantityChange
    }
}

/// `transactions.added` v1: transactions stored for the first time (a transaction the broker reports again is not added).
public struct TransactionsAdded: FeedEventPayload {
    public static let type = FeedEventType.transactionsAdded
    public static let version = 1

    /// Oldest first; the broker's raw item (`meta`) is left out.
    public var transactions: [BrokerTransaction]

    public init(transactions: [BrokerTransaction]) {
        self.transactions = transactions.map {
            var transaction = $0
            transaction.meta = nil
            return transaction
        }
    }
}

/// `account.reauth_required` v1: the broker refused the account's login; syncs fail until its owner logs in again.
public struct AccountReauthRequired: FeedEventPayload {
    public static let type = FeedEventType.accountReauthRequired
    public static let version = 1

    /// The broker's reason, as far as it gave one.
    public var message: String?

    public init(message: String?) { self.message = message }
}

/// `account.reauth_soon` v1: the account's login ends (`expiresAt`) before its next scheduled sync (`nextRunAt`).
/// Raised once per login.
public struct AccountReauthSoon: FeedEventPayload {
    public static let type = FeedEventType.accountReauthSoon
    public static let version = 1

    public var expiresAt: Date
    public var nextRunAt: Date
    public var scheduleID: Int

    public init(expiresAt: Date, nextRunAt: Date, scheduleID: Int) {
        self.expiresAt = expiresAt
        self.nextRunAt = nextRunAt
        self.scheduleID = scheduleID
    }
}

/// `run.finished` v1: every job of a run ended.
public struct RunFinished: FeedEventPayload {
    public static let type = FeedEventType.runFinished
    public static let version = 1

    public var trigger: RunTrigger
    public var scheduleID: Int?
    public var scope: SyncScope
    public var actions: [JobAction]
    public var counts: RunCounts
    public var createdAt: Date
    public var finishedAt: Date?

    public init(_ run: Run) {
        trigger = run.trigger
        scheduleID = run.scheduleID
        scope = run.scope
        actions = run.actions
        counts = run.counts
        createdAt = run.createdAt
        finishedAt = run.finishedAt
    }
}

// MARK: Webhook signatures

/// How a webhook delivery is signed, for senders and receivers alike.
///
/// `Psync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the receiver recomputes the HMAC
/// over the timestamp, a dot and the raw body with its subscription's secret, compares in constant time, and refuses
/// a timestamp more than five minutes from its clock (a replayed delivery). README "Webhooks" has an example.
public enum WebhookHeaders {
    public static let signature = "Psync-Signature"
    public static let eventID = "Psync-Event-Id"
    public static let eventType = "Psync-Event-Type"
    public static let deliveryID = "Psync-Delivery-Id"
    public static let attempt = "Psync-Delivery-Attempt"

    /// The text signed for a body sent at `timestamp` (Unix seconds).
    public static func signedText(timestamp: Int, body: [UInt8]) -> [UInt8] {
        Array("\(timestamp).".utf8) + body
    }
}
