public import Contracts
import Cryptography
import CurlClient
import FoundationEssentials

/// Zerodha Kite Connect v3: holdings (and mutual funds), positions, today's trades, the profile,
/// and the daily login (request_token → access token).
///
/// Credentials: `{"api_key": "…", "access_token": "…"}`, plus `api_secret` for the login.
/// Every call sends `X-Kite-Version: 3` and `Authorization: token api_key:access_token`.
/// Kite times are IST without a zone and are stored in UTC; all amounts are INR.
public struct ZerodhaAdapter: BrokerAdapter {
    public static let code = "ZERODHA"
    public static let requiredCredentialFields = ["api_key", "access_token"]

    let environment: BrokerEnvironment
    let http: BrokerHTTP

    public init(environment: BrokerEnvironment) {
        self.environment = environment
        http = BrokerHTTP(
            environment: environment,
            broker: Self.code,
            isAuthFailure: { _, body in Self.errorBody(body)?.errorType == "TokenException" },
            errorMessage: { body in
                Self.errorBody(body).flatMap { error in error.message.map { "\($0)\(error.errorType.map { " (\($0))" } ?? "")" } }
            }
        )
    }

    static func errorBody(_ body: [UInt8]) -> Kite.ErrorBody? {
        try? BrokerJSON.decoder().decode(Kite.ErrorBody.self, from: Data(body))
    }

    /// Mutual-fund holdings are fetched too unless `PSYNC_ZERODHA_MUTUAL_FUNDS=false`.
    var includesMutualFunds: Bool { environment.options["MUTUAL_FUNDS"]?.lowercased() != "false" }

    func headers(_ credentials: BrokerCredentials) throws -> [(String, String)] {
        let key = try credentials.require("api_key")
        let token = try credentials.require("access_token")
        return [("X-Kite-Version", "3"), ("Authorization", "token \(key):\(token)")]
    }

    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let headers = try headers(credentials)
        let asOf = environment.now()
        let response = try await http.get("/portfolio/holdings", headers: headers, credentials: credentials)
        let items = try http.decode(Kite.Envelope<[Kite.Holding]>.self, from: response, what: "holdings").data
        let raw = BrokerJSON.rawItems(response.body, path: "data")
        var holdings = items.enumerated().compactMap { index, item -> Holding? in
            let quantity = item.quantity + (item.t1Quantity ?? 0)
            guard quantity != 0 else { return nil }
            return Holding(
                symbol: item.tradingsymbol, exchange: item.exchange, isin: item.isin, assetType: .stock, quantity: quantity,
                averagePrice: item.averagePrice, lastPrice: item.lastPrice, currency: "INR", meta: raw?[index]
            )
        }
        if includesMutualFunds {
            let funds = try await http.get("/mf/holdings", headers: headers, credentials: credentials)
            let fundItems = try http.decode(Kite.Envelope<[Kite.MutualFundHolding]>.self, from: funds, what: "mutual-fund holdings").data
            let fundRaw = BrokerJSON.rawItems(funds.body, path: "data")
            holdings += fundItems.enumerated().compactMap { index, item -> Holding? in
                guard item.quantity != 0 else { return nil }
                return Holding(
                    symbol: item.tradingsymbol, exchange: nil, isin: item.tradingsymbol, assetType: .mutualFund, quantity: item.quantity,
                    averagePrice: item.averagePrice, lastPrice: item.lastPrice, currency: "INR", meta: fundRaw?[index]
                )
            }
        }
        return HoldingsSnapshot(sourceSnapshotID: Self.snapshotID(asOf), asOf: asOf, holdings: holdings)
    }

    public func positions(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let asOf = environment.now()
        let response = try await http.get("/portfolio/positions", headers: try headers(credentials), credentials: credentials)
        let positions = try http.decode(Kite.Envelope<Kite.Positions>.self, from: response, what: "positions").data
        let raw = BrokerJSON.rawItems(response.body, path: "data", "net")
        let holdings = positions.net.enumerated().compactMap { index, item -> Holding? in
            guard item.quantity != 0 else { return nil }
            return Holding(
                symbol: item.tradingsymbol, exchange: item.exchange, isin: nil, assetType: Self.assetType(item), quantity: item.quantity,
                averagePrice: item.averagePrice, lastPrice: item.lastPrice, currency: "INR", meta: raw?[index]
            )
        }
        return HoldingsSnapshot(sourceSnapshotID: Self.snapshotID(asOf), asOf: asOf, holdings: holdings)
    }

    /// Kite keeps only today's trades; each is stored once by `exchange:trade_id`.
    public func transactions(_ credentials: BrokerCredentials, since cursor: String?) async throws -> TransactionsBatch {
        let response = try await http.get("/trades", headers: try headers(credentials), credentials: credentials)
        let trades = try http.decode(Kite.Envelope<[Kite.Trade]>.self, from: response, what: "trades").data
        let raw = BrokerJSON.rawItems(response.body, path: "data")
        var transactions: [BrokerTransaction] = []
        for (index, trade) in trades.enumerated() {
            guard let time = (trade.fillTimestamp ?? trade.exchangeTimestamp).flatMap(BrokerTime.parseIST) else {
                throw BrokerError.permanent("ZERODHA sent trade \(trade.tradeId) without a fill or exchange timestamp")
            }
            transactions.append(
                BrokerTransaction(
                    externalID: "\(trade.exchange):\(trade.tradeId)", kind: trade.transactionType.uppercased() == "SELL" ? .sell : .buy,
                    symbol: trade.tradingsymbol, exchange: trade.exchange, isin: nil, quantity: trade.quantity, price: trade.averagePrice,
                    amount: trade.quantity * trade.averagePrice, currency: "INR", occurredAt: time, meta: raw?[index]
                )
            )
        }
        return TransactionsBatch(transactions: transactions, cursor: ISO8601.format(environment.now()))
    }

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        let response = try await http.get("/user/profile", headers: try headers(credentials), credentials: credentials)
        let profile = try http.decode(Kite.Envelope<Kite.Profile>.self, from: response, what: "the profile").data
        return BrokerProfile(userID: profile.userId, name: profile.userName, email: profile.email)
    }

    /// The Kite login page for an API key (`PSYNC_ZERODHA_LOGIN_URL` overrides the host).
    public func loginURL(apiKey: String) -> String {
        let page = environment.options["LOGIN_URL"] ?? "https://kite.zerodha.com/connect/login"
        return "\(page)?v=3&api_key=\(ParameterEncoder.escape(apiKey))"
    }

    /// Exchanges a one-time `request_token` for an access token: checksum = SHA-256(api_key + request_token + api_secret).
    public func createSession(_ credentials: BrokerCredentials, requestToken: String) async throws -> String {
        let key = try credentials.require("api_key")
        let secret = try credentials.require("api_secret")
        let checksum = SHA256.hexDigest(key + requestToken + secret)
        let response = try await http.postForm(
            "/session/token",
            form: [("api_key", key), ("request_token", requestToken), ("checksum", checksum)],
            headers: [("X-Kite-Version", "3")],
            credentials: credentials
        )
        return try http.decode(Kite.Envelope<Kite.Session>.self, from: response, what: "the session").data.accessToken
    }

    static func snapshotID(_ asOf: Date) -> String {
        "kite-\(Int64(asOf.timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// NFO/BFO/MCX/CDS contracts: options end in CE or PE, futures in FUT.
    static func assetType(_ position: Kite.Position) -> AssetType {
        guard ["NFO", "BFO", "MCX", "CDS"].contains(position.exchange) else { return .stock }
        if position.tradingsymbol.hasSuffix("CE") || position.tradingsymbol.hasSuffix("PE") { return .option }
        return .future
    }
}
