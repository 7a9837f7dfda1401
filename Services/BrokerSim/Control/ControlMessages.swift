import SandboxData

/// The body of `POST /sim/faults`.
struct FaultRequest: Codable, Sendable {
    /// The access token whose next requests misbehave.
    var token: String
    /// Fault names, applied one per request in order.
    var responses: [String]
}

/// The answer to `POST /sim/faults`.
struct FaultReceipt: Codable, Sendable {
    var token: String
    /// Faults now queued for the token.
    var queued: Int
}

/// The answer to `DELETE /sim/faults`.
struct FaultsCleared: Codable, Sendable {
    /// Faults dropped.
    var cleared: Int
}

/// One holding as a sync must store it, decimals as exact text (`GET /sim/expected`).
struct ExpectedPosition: Codable, Sendable, Equatable {
    var symbol: String
    var exchange: String?
    var isin: String?
    var assetType = "stock"
    var quantity: String
    var averagePrice: String
    /// `nil` where the broker sends none (Dhan).
    var lastPrice: String?
    var currency: String
    /// Kite's split of `quantity`: free, unsettled (T+1), pledged.
    var free: String?
    var unsettled: String?
    var pledged: String?
    /// `mtf` for a margin-trading lot.
    var lot: String?
    /// Units per lot, for contracts quoted in lots.
    var multiplier: String?

    /// The normalised form of `priced`.
    init(_ priced: PricedPosition) {
        symbol = priced.position.symbol
        exchange = priced.position.exchange
        isin = priced.position.isin
        quantity = priced.quantityText
        averagePrice = priced.averagePriceText
        lastPrice = priced.lastPriceText
        currency = priced.position.currency
    }

    init(symbol: String, exchange: String?, isin: String?, assetType: String, quantity: String, averagePrice: String, lastPrice: String?) {
        self.symbol = symbol
        self.exchange = exchange
        self.isin = isin
        self.assetType = assetType
        self.quantity = quantity
        self.averagePrice = averagePrice
        self.lastPrice = lastPrice
        currency = "INR"
    }
}
