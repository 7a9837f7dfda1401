public import FoundationEssentials

/// What changed in an account's holdings between two snapshots: instruments bought (new), sold (gone), and held in both
/// with another quantity, split or average price.
///
/// Positions are matched by symbol, exchange, asset type and lot (an MTF lot is its own position); quantities and
/// prices are compared as exact decimals, so `10` and `10.00` are the same quantity. Price moves alone are not changes.
///
/// ```swift
/// let diff = SnapshotDiff(before: older.holdings, after: newer.holdings)
/// for change in diff.changes where change.kind == .sold { print(change.symbol) }
/// ```
public struct SnapshotDiff: Codable, Sendable, Equatable {
    /// How one position differs.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Held after, not before.
        case bought
        /// Held before, not after.
        case sold
        /// Held in both, with another quantity, split or average price.
        case changed
    }

    /// One position that differs, with the holding as it was and as it is.
    public struct Change: Codable, Sendable, Equatable {
        public var kind: Kind
        public var symbol: String
        public var exchange: String?
        public var assetType: AssetType
        public var lot: HoldingLot?
        public var before: Holding?
        public var after: Holding?

        public init(kind: Kind, before: Holding?, after: Holding?) {
            let holding = after ?? before!
            self.kind = kind
            symbol = holding.symbol
            exchange = holding.exchange
            assetType = holding.assetType
            lot = holding.lot
            self.before = before
            self.after = after
        }

        /// The quantity differs (`after − before`; the whole quantity when bought, minus it when sold).
        public var quantityChange: Decimal { (after?.quantity ?? 0) - (before?.quantity ?? 0) }
        /// Held in both with another quantity.
        public var quantityChanged: Bool { before != nil && after != nil && before!.quantity != after!.quantity }
        /// Held in both with another split of the quantity (free / unsettled / pledged).
        public var splitChanged: Bool { before != nil && after != nil && before!.split != after!.split }
        /// Held in both with another average price.
        public var averagePriceChanged: Bool { before != nil && after != nil && before!.averagePrice != after!.averagePrice }
    }

    /// Bought, then sold, then changed; by symbol and exchange within each.
    public var changes: [Change]
    /// Positions held in both with the same quantity, split and average price.
    public var unchanged: Int

    public init(changes: [Change], unchanged: Int) {
        self.changes = changes
        self.unchanged = unchanged
    }

    /// The difference from `before` to `after`.
    public init(before: [Holding], after: [Holding]) {
        let old = Self.keyed(before)
        let new = Self.keyed(after)
        var changes: [Change] = []
        var unchanged = 0
        for (key, holding) in new {
            guard let previous = old[key] else {
                changes.append(Change(kind: .bought, before: nil, after: holding))
                continue
            }
            let change = Change(kind: .changed, before: previous, after: holding)
            if change.quantityChanged || change.splitChanged || change.averagePriceChanged {
                changes.append(change)
            } else {
                unchanged += 1
            }
        }
        for (key, holding) in old where new[key] == nil {
            changes.append(Change(kind: .sold, before: holding, after: nil))
        }
        let order = Dictionary(uniqueKeysWithValues: Kind.allCases.enumerated().map { ($1, $0) })
        self.changes = changes.sorted {
            (order[$0.kind]!, $0.symbol, $0.exchange ?? "", $0.assetType.rawValue, $0.lot?.rawValue ?? "")
                < (order[$1.kind]!, $1.symbol, $1.exchange ?? "", $1.assetType.rawValue, $1.lot?.rawValue ?? "")
        }
        self.unchanged = unchanged
    }

    /// The changes of one kind.
    public func changes(_ kind: Kind) -> [Change] { changes.filter { $0.kind == kind } }

    /// What matches a position across snapshots; the same key twice in one snapshot is told apart by its occurrence.
    struct Key: Hashable {
        var symbol: String
        var exchange: String?
        var assetType: AssetType
        var lot: HoldingLot?
        var occurrence: Int
    }

    static func keyed(_ holdings: [Holding]) -> [Key: Holding] {
        var result: [Key: Holding] = [:]
        for holding in holdings {
            var key = Key(symbol: holding.symbol, exchange: holding.exchange, assetType: holding.assetType, lot: holding.lot, occurrence: 0)
            while result[key] != nil { key.occurrence += 1 }
            result[key] = holding
        }
        return result
    }
}
