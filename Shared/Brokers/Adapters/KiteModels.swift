import FoundationEssentials

/// Kite Connect v3 wire types (only the fields we use; Kite adds fields freely, and unknown ones are ignored).
enum Kite {
    struct Envelope<Payload: Decodable>: Decodable {
        let status: String
        let data: Payload
    }

    struct ErrorBody: Decodable {
        let status: String?
        let message: String?
        let errorType: String?
    }

    /// A `/portfolio/holdings` item. What a person holds is `quantity` (free) + `t1_quantity` (bought, not yet
    /// delivered) + `collateral_quantity` (pledged); a fully pledged holding arrives with `quantity: 0`.
    /// Field list: https://kite.trade/docs/connect/v3/portfolio/#holdings (response attributes) and gokiteconnect `Holding`.
    struct Holding: Decodable {
        let tradingsymbol: String
        let exchange: String
        let instrumentToken: Int?
        let isin: String?
        let product: String?
        let quantity: Decimal
        let t1Quantity: Decimal?
        let collateralQuantity: Decimal?
        let averagePrice: Decimal
        let lastPrice: Decimal?
        let pnl: Decimal?
        let mtf: MarginTrading?
    }

    /// The `mtf` object of a holding: shares bought under the margin trading facility, with their own average price
    /// (gokiteconnect `MTFHolding`; the docs' holdings example).
    struct MarginTrading: Decodable {
        let quantity: Decimal?
        let usedQuantity: Decimal?
        let averagePrice: Decimal?
        let value: Decimal?
        let initialMargin: Decimal?
    }

    struct MutualFundHolding: Decodable {
        let folio: String?
        let fund: String?
        let tradingsymbol: String
        let averagePrice: Decimal
        let lastPrice: Decimal?
        let quantity: Decimal
    }

    struct Positions: Decodable {
        let net: [Position]
        let day: [Position]
    }

    struct Position: Decodable {
        let tradingsymbol: String
        let exchange: String
        let instrumentToken: Int?
        let product: String?
        let quantity: Decimal
        /// Units per lot: values are quantity × price × multiplier (LEADMINI: quantity 1, multiplier 1000).
        let multiplier: Decimal?
        let averagePrice: Decimal
        let lastPrice: Decimal?
    }

    struct Trade: Decodable {
        let tradeId: String
        let orderId: String?
        let exchange: String
        let tradingsymbol: String
        let transactionType: String
        let quantity: Decimal
        let averagePrice: Decimal
        let fillTimestamp: String?
        let exchangeTimestamp: String?
    }

    struct Profile: Decodable {
        let userId: String?
        let userName: String?
        let email: String?
    }

    struct Session: Decodable {
        let userId: String?
        let accessToken: String
    }
}
