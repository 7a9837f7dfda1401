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

/// One position as every broker format means it, decimals as exact text (`GET /sim/expected`).
struct ExpectedPosition: Codable, Sendable, Equatable {
    var symbol: String
    var exchange: String
    var isin: String
    var quantity: String
    var averagePrice: String
    var lastPrice: String
    var currency: String

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
}
