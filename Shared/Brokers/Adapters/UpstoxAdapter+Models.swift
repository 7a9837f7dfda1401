import FoundationEssentials

/// Upstox API v2 wire types (only the fields we use; unknown fields are ignored). Field meanings are Upstox's own:
/// https://upstox.com/developer/api-documentation/ (get-holdings, get-positions, get-historical-trades,
/// get-trade-history, get-token, error-codes) and the upstox-python SDK's models (`docs/HoldingsData.md`,
/// `PositionData.md`, `TradeHistoryResponse*.md`, `TradeData.md`, `TokenResponse.md`, `Problem.md`).
/// `CodingKeys` spell Upstox's keys exactly (`BrokerJSON.decoder()` converts no keys): mostly snake_case, but an item
/// carries both `tradingsymbol` and `trading_symbol`, and an error both `errorCode` and `error_code`.
enum Upstox {
    struct Envelope<Payload: Decodable>: Decodable {
        let status: String
        let data: Payload
    }

    /// `{"status":"error","errors":[Problem]}`; the code arrives as `error_code` (SDK `Problem`) or `errorCode`.
    struct Problem: Decodable {
        let errorCode: String?
        let message: String?

        private enum CodingKeys: String, CodingKey {
            case errorCode, message
            case snakeErrorCode = "error_code"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            errorCode =
                try container.decodeIfPresent(String.self, forKey: .errorCode)
                ?? container.decodeIfPresent(String.self, forKey: .snakeErrorCode)
            message = try container.decodeIfPresent(String.self, forKey: .message)
        }
    }

    struct ErrorBody: Decodable {
        let errors: [Problem]?
    }

    /// `GET /v2/portfolio/long-term-holdings` item. `quantity` is "The total holding qty"; `t1_quantity` "Quantity on
    /// T+1 day after order execution" (bought, not yet delivered); `collateral_quantity` "Quantity marked as collateral
    /// by RMS on users request" (pledged); `cnc_used_quantity` is blocked towards orders (meta only).
    struct Holding: Decodable {
        let isin: String?
        let exchange: String?
        let tradingsymbol: String?
        let tradingSymbol: String?
        let quantity: Decimal
        let t1Quantity: Decimal?
        let collateralQuantity: Decimal?
        let averagePrice: Decimal
        let lastPrice: Decimal?

        enum CodingKeys: String, CodingKey {
            case isin, exchange, tradingsymbol, quantity
            case tradingSymbol = "trading_symbol"
            case t1Quantity = "t1_quantity"
            case collateralQuantity = "collateral_quantity"
            case averagePrice = "average_price"
            case lastPrice = "last_price"
        }
    }

    /// `GET /v2/portfolio/short-term-positions` item: `quantity` is the net quantity, `multiplier` "The quantity/lot
    /// size multiplier used for calculating P&Ls"; `average_price` may be null (the docs' own example).
    struct Position: Decodable {
        let exchange: String?
        let instrumentToken: String?
        let tradingsymbol: String?
        let tradingSymbol: String?
        let product: String?
        let quantity: Decimal
        let multiplier: Decimal?
        let averagePrice: Decimal?
        let buyPrice: Decimal?
        let sellPrice: Decimal?
        let lastPrice: Decimal?

        enum CodingKeys: String, CodingKey {
            case exchange, tradingsymbol, product, quantity, multiplier
            case instrumentToken = "instrument_token"
            case tradingSymbol = "trading_symbol"
            case averagePrice = "average_price"
            case buyPrice = "buy_price"
            case sellPrice = "sell_price"
            case lastPrice = "last_price"
        }
    }

    /// `GET /v2/charges/historical-trades`: `data` plus `meta_data.page`.
    struct TradeHistory: Decodable {
        let status: String
        let data: [HistoricalTrade]
        let metaData: MetaData?

        enum CodingKeys: String, CodingKey {
            case status, data
            case metaData = "meta_data"
        }
    }

    struct MetaData: Decodable {
        let page: Page?
    }

    struct Page: Decodable {
        let pageNumber: Int?
        let pageSize: Int?
        let totalRecords: Int?
        let totalPages: Int?

        enum CodingKeys: String, CodingKey {
            case pageNumber = "page_number"
            case pageSize = "page_size"
            case totalRecords = "total_records"
            case totalPages = "total_pages"
        }
    }

    /// A historical trade: `trade_date` is a date (`YYYY-mm-dd`), `amount` Upstox's own value of the trade.
    struct HistoricalTrade: Decodable {
        let exchange: String?
        let segment: String?
        let quantity: Decimal
        let amount: Decimal?
        let tradeId: String
        let tradeDate: String
        let transactionType: String
        let price: Decimal
        let isin: String?
        let symbol: String?
        let scripName: String?

        enum CodingKeys: String, CodingKey {
            case exchange, segment, quantity, amount, price, isin, symbol
            case tradeId = "trade_id"
            case tradeDate = "trade_date"
            case transactionType = "transaction_type"
            case scripName = "scrip_name"
        }
    }

    /// `GET /v2/order/trades/get-trades-for-day` item: `exchange_timestamp` reads `03-Aug-2017 15:03:42` (IST).
    struct DayTrade: Decodable {
        let exchange: String
        let tradingsymbol: String?
        let tradingSymbol: String?
        let transactionType: String
        let quantity: Decimal
        let averagePrice: Decimal
        let tradeId: String
        let exchangeTimestamp: String?

        enum CodingKeys: String, CodingKey {
            case exchange, tradingsymbol, quantity
            case tradingSymbol = "trading_symbol"
            case transactionType = "transaction_type"
            case averagePrice = "average_price"
            case tradeId = "trade_id"
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

    /// `POST /v2/login/authorization/token`: the profile and the token at the top level, no envelope.
    struct Token: Decodable {
        let userId: String?
        let accessToken: String

        enum CodingKeys: String, CodingKey {
            case userId = "user_id"
            case accessToken = "access_token"
        }
    }
}
