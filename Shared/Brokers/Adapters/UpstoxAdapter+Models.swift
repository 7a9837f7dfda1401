import FoundationEssentials

/// Upstox API v2 wire types (only the fields we use; unknown fields are ignored). Field meanings are Upstox's own:
/// https://upstox.com/developer/api-documentation/ (get-holdings, get-positions, get-historical-trades,
/// get-trade-history, get-token, error-codes) and the upstox-python SDK's models (`docs/HoldingsData.md`,
/// `PositionData.md`, `TradeHistoryResponse*.md`, `TradeData.md`, `TokenResponse.md`, `Problem.md`).
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
    }

    /// `GET /v2/charges/historical-trades`: `data` plus `meta_data.page`.
    struct TradeHistory: Decodable {
        let status: String
        let data: [HistoricalTrade]
        let metaData: MetaData?
    }

    struct MetaData: Decodable {
        let page: Page?
    }

    struct Page: Decodable {
        let pageNumber: Int?
        let pageSize: Int?
        let totalRecords: Int?
        let totalPages: Int?
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
    }

    struct Profile: Decodable {
        let userId: String?
        let userName: String?
        let email: String?
    }

    /// `POST /v2/login/authorization/token`: the profile and the token at the top level, no envelope.
    struct Token: Decodable {
        let userId: String?
        let accessToken: String
    }
}
