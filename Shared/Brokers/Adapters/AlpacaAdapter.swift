public import Contracts
import CurlClient
import FoundationEssentials

/// Alpaca Trading API: positions as holdings, account activities as transactions (paged with
/// `page_token`), the account as profile. Numbers arrive as strings and are read exactly; all USD.
///
/// Credentials: `{"key_id": "…", "secret_key": "…"}`, sent as `APCA-API-KEY-ID` / `APCA-API-SECRET-KEY`.
public struct AlpacaAdapter: BrokerAdapter {
    /// Paper and live keys are separate and need their own base URL (docs.alpaca.markets/reference, Authentication);
    /// an account picks `"environment": "paper"` in its credentials. Limit: 200 requests/min per account
    /// (alpaca.markets/support/usage-limit-api-calls), counted here per key id.
    public static let broker = BrokerDescription(
        code: "ALPACA", name: "Alpaca", baseURLs: ["live": "https://api.alpaca.markets", "paper": "https://paper-api.alpaca.markets"],
        credentialFields: ["key_id", "secret_key"], rateLimit: RateLimitRule([.init(200, per: .seconds(60))], scope: .apiKey),
        capabilities: [.holdings, .transactions, .scheduledSync])

    struct ErrorBody: Decodable {
        let code: Int?
        let message: String?
    }

    struct Position: Decodable {
        let symbol: String
        let exchange: String?
        let assetClass: String?
        let qty: String
        let avgEntryPrice: String
        let currentPrice: String?
        let costBasis: String?
        let marketValue: String?
    }

    struct Activity: Decodable {
        let id: String
        let activityType: String
        let transactionTime: String?
        let date: String?
        let symbol: String?
        let side: String?
        let qty: String?
        let price: String?
        let netAmount: String?
    }

    struct Account: Decodable {
        let id: String?
        let accountNumber: String?
    }

    let environment: BrokerEnvironment
    let http: BrokerHTTP

    public init(environment: BrokerEnvironment) {
        self.environment = environment
        http = BrokerHTTP(
            environment: environment,
            broker: Self.code,
            isAuthFailure: { status, _ in status == 401 || status == 403 },
            errorMessage: { body in (try? BrokerJSON.decoder().decode(ErrorBody.self, from: Data(body)))?.message }
        )
    }

    func headers(_ credentials: BrokerCredentials) throws -> [(String, String)] {
        [("APCA-API-KEY-ID", try credentials.require("key_id")), ("APCA-API-SECRET-KEY", try credentials.require("secret_key"))]
    }

    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let asOf = environment.now()
        let response = try await http.get("/v2/positions", headers: try headers(credentials), credentials: credentials)
        let positions = try http.decode([Position].self, from: response, what: "positions")
        let raw = BrokerJSON.rawItems(response.body)
        var holdings: [Holding] = []
        for (index, position) in positions.enumerated() {
            let quantity = try Self.decimal(position.qty, "qty", position.symbol)
            let average = try Self.decimal(position.avgEntryPrice, "avg_entry_price", position.symbol)
            let last = try position.currentPrice.map { try Self.decimal($0, "current_price", position.symbol) }
            holdings.append(
                Holding(
                    symbol: position.symbol, exchange: position.exchange, isin: nil, assetType: Self.assetType(position.assetClass),
                    quantity: quantity,
                    averagePrice: average, lastPrice: last, currency: "USD",
                    costValue: try position.costBasis.map { try Self.decimal($0, "cost_basis", position.symbol) },
                    marketValue: try position.marketValue.map { try Self.decimal($0, "market_value", position.symbol) }, meta: raw?[index]
                )
            )
        }
        return HoldingsSnapshot(
            sourceSnapshotID: "alpaca-\(Int64(asOf.timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))", asOf: asOf,
            holdings: holdings)
    }

    /// Activities after the cursor (the last activity's time), oldest first, every page.
    public func transactions(_ credentials: BrokerCredentials, since cursor: String?) async throws -> TransactionsBatch {
        let headers = try headers(credentials)
        var transactions: [BrokerTransaction] = []
        var pageToken: String?
        var latest = cursor
        for _ in 0..<1000 {
            var query = [("direction", "asc"), ("page_size", "100")]
            if let cursor { query.append(("after", cursor)) }
            if let pageToken { query.append(("page_token", pageToken)) }
            let response = try await http.get("/v2/account/activities", query: query, headers: headers, credentials: credentials)
            let page = try http.decode([Activity].self, from: response, what: "account activities")
            let raw = BrokerJSON.rawItems(response.body)
            for (index, activity) in page.enumerated() {
                let transaction = try Self.transaction(activity, meta: raw?[index])
                transactions.append(transaction)
                latest = activity.transactionTime ?? activity.date ?? latest
            }
            guard page.count == 100, let last = page.last else { break }
            pageToken = last.id
        }
        return TransactionsBatch(transactions: transactions, cursor: latest)
    }

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        let response = try await http.get("/v2/account", headers: try headers(credentials), credentials: credentials)
        let account = try http.decode(Account.self, from: response, what: "the account")
        return BrokerProfile(userID: account.accountNumber ?? account.id, name: nil, email: nil)
    }

    static func transaction(_ activity: Activity, meta: RawJSON?) throws -> BrokerTransaction {
        guard
            let time = activity.transactionTime.flatMap(BrokerTime.parseISO8601)
                ?? activity.date.flatMap({ BrokerTime.parseISO8601($0 + "T00:00:00Z") })
        else {
            let sent = (activity.transactionTime ?? activity.date).map { " ('\($0.prefix(30))')" } ?? ""
            throw BrokerError.permanent(
                "ALPACA sent activity \(activity.id.prefix(40)) without a valid time\(sent); times must be ISO 8601 in \(TimeBounds.years)")
        }
        let kind: TransactionKind =
            switch activity.activityType {
            case "FILL": activity.side?.lowercased().hasPrefix("sell") == true ? .sell : .buy
            case "DIV", "DIVCGL", "DIVCGS", "DIVNRA", "DIVROC", "DIVTXEX": .dividend
            case "FEE", "PTC": .fee
            case "CSD": .deposit
            case "CSW": .withdrawal
            case "INT": .interest
            case "SPLIT": .split
            default: .other
            }
        let symbol = activity.symbol ?? ""
        return BrokerTransaction(
            externalID: activity.id, kind: kind, symbol: activity.symbol, exchange: nil, isin: nil,
            quantity: try activity.qty.map { try decimal($0, "qty", symbol) }, price: try activity.price.map { try decimal($0, "price", symbol) },
            amount: try activity.netAmount.map { try decimal($0, "net_amount", symbol) }, currency: "USD", occurredAt: time, meta: meta
        )
    }

    static func decimal(_ text: String, _ field: String, _ symbol: String) throws -> Decimal {
        switch BrokerNumber.decimal(text) {
        case .success(let value): return value
        case .failure(let problem):
            throw BrokerError.permanent("ALPACA sent \(field) '\(text.prefix(20))' for \(symbol.prefix(40)), which \(problem)")
        }
    }

    static func assetType(_ assetClass: String?) -> AssetType {
        switch assetClass {
        case "crypto": .crypto
        case "us_option": .option
        default: .stock
        }
    }
}
