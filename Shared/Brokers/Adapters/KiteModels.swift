import FoundationEssentials

/// Kite Connect v3 wire types (only the fields we use; Kite adds fields freely, and unknown ones are ignored).
/// `CodingKeys` spell Kite's snake_case keys exactly: `BrokerJSON.decoder()` converts no keys.
enum Kite {
    struct Envelope<Payload: Decodable>: Decodable {
        let status: String
        let data: Payload
    }

    struct ErrorBody: Decodable {
        let status: String?
        let message: String?
        let errorType: String?

        enum CodingKeys: String, CodingKey {
            case status, message
            case errorType = "error_type"
        }
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

        enum CodingKeys: String, CodingKey {
            case tradingsymbol, exchange, isin, product, quantity, pnl, mtf
            case instrumentToken = "instrument_token"
            case t1Quantity = "t1_quantity"
            case collateralQuantity = "collateral_quantity"
            case averagePrice = "average_price"
            case lastPrice = "last_price"
        }
    }

    /// The `mtf` object of a holding: shares bought under the margin trading facility, with their own average price
    /// (gokiteconnect `MTFHolding`; the docs' holdings example).
    struct MarginTrading: Decodable {
        let quantity: Decimal?
        let usedQuantity: Decimal?
        let averagePrice: Decimal?
        let value: Decimal?
        let initialMargin: Decimal?

        enum CodingKeys: String, CodingKey {
            case quantity, value
            case usedQuantity = "used_quantity"
            case averagePrice = "average_price"
            case initialMargin = "initial_margin"
        }
    }

    struct MutualFundHolding: Decodable {
        let folio: String?
        let fund: String?
        let tradingsymbol: String
        let averagePrice: Decimal
        let lastPrice: Decimal?
        let quantity: Decimal

        enum CodingKeys: String, CodingKey {
            case folio, fund, tradingsymbol, quantity
            case averagePrice = "average_price"
            case lastPrice = "last_price"
        }
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

        enum CodingKeys: String, CodingKey {
            case tradingsymbol, exchange, product, quantity, multiplier
            case instrumentToken = "instrument_token"
            case averagePrice = "average_price"
            case lastPrice = "last_price"
        }
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

        enum CodingKeys: String, CodingKey {
            case exchange, tradingsymbol, quantity
            case tradeId = "trade_id"
            case orderId = "order_id"
            case transactionType = "transaction_type"
            case averagePrice = "average_price"
            case fillTimestamp = "fill_timestamp"
            case exchangeTimestamp = "exchange_timestamp"
        }
    }

    struct Profile: Decodable {
        let userId: String?
        let userName: String?
        let email: String?

        enum CodingKeys: String, CodingKey {
            case email
            case userId = "user_id"
            case userName = "user_name"
        }
    }

    struct Session: Decodable {
        let userId: String?
        let accessToken: String

        enum CodingKeys: String, CodingKey {
            case userId = "user_id"
            case accessToken = "access_token"
        }
    }
}
