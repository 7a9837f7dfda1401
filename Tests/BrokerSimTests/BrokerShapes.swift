import Contracts
import Foundation

/// `{"status":"success","data":…}` (Kite and Upstox).
struct SuccessEnvelope<Payload: Decodable>: Decodable {
    var status: String
    var data: Payload
}

/// `{"status":"error","message","error_type"}`.
struct KiteError: Decodable {
    var status: String
    var message: String
    var errorType: String
}

struct KiteHolding: Decodable {
    var tradingsymbol: String
    var exchange: String
    var instrumentToken: Int
    var isin: String
    var product: String
    @DecimalString var quantity: Decimal
    @DecimalString var averagePrice: Decimal
    @DecimalString var lastPrice: Decimal
    @DecimalString var closePrice: Decimal
    @DecimalString var pnl: Decimal
    var authorisedDate: String
    @DecimalString var t1Quantity: Decimal?
    @DecimalString var collateralQuantity: Decimal?
    var mtf: KiteMarginLot?
}

struct KiteMarginLot: Decodable {
    @DecimalString var quantity: Decimal
    @DecimalString var averagePrice: Decimal
}

struct KiteTrade: Decodable {
    var tradeId: String
    var orderId: String
    var tradingsymbol: String
    var exchange: String
    var transactionType: String
    @DecimalString var quantity: Decimal
    @DecimalString var averagePrice: Decimal
    var fillTimestamp: String
}

struct KitePositions: Decodable {
    struct Position: Decodable {
        var tradingsymbol: String
        @DecimalString var quantity: Decimal
        @DecimalString var averagePrice: Decimal
    }

    var net: [Position]
    var day: [Position]
}

struct AlpacaPosition: Decodable {
    var symbol: String
    var exchange: String
    var assetClass: String
    var side: String
    @DecimalString var qty: Decimal
    @DecimalString var avgEntryPrice: Decimal
    @DecimalString var currentPrice: Decimal
    @DecimalString var lastdayPrice: Decimal
    @DecimalString var marketValue: Decimal
}

struct AlpacaActivity: Decodable {
    var id: String
    var activityType: String
    var transactionTime: String
    var side: String
    var symbol: String
    @DecimalString var qty: Decimal
    @DecimalString var price: Decimal
}

struct UpstoxHolding: Decodable {
    var isin: String
    var exchange: String
    var tradingsymbol: String
    var tradingSymbol: String
    var instrumentToken: String
    var product: String
    @DecimalString var quantity: Decimal
    @DecimalString var averagePrice: Decimal
    @DecimalString var lastPrice: Decimal
    @DecimalString var closePrice: Decimal
}

struct SandboxHoldings: Decodable {
    struct Holding: Decodable {
        var symbol: String
        var exchange: String
        var isin: String
        var assetType: String
        @DecimalString var quantity: Decimal
        @DecimalString var averagePrice: Decimal
        @DecimalString var lastPrice: Decimal
        var currency: String
    }

    var account: String
    var asOf: String
    var holdings: [Holding]
}

struct SandboxTransactions: Decodable {
    struct Transaction: Decodable {
        var id: String
        var type: String
        var symbol: String
        var isin: String
        @DecimalString var quantity: Decimal
        @DecimalString var price: Decimal
        @DecimalString var amount: Decimal
        var executedAt: String
    }

    var transactions: [Transaction]
    var nextCursor: String
}
