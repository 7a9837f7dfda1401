public import Contracts
import Cryptography
import CurlClient
import ExactDecimal
public import FoundationEssentials

/// Zerodha Kite Connect v3: holdings (and mutual funds), positions, today's trades, the profile,
/// and the daily login (request_token → access token).
///
/// Credentials: `{"api_key": "…", "access_token": "…"}`, plus `api_secret` for the login.
/// Every call sends `X-Kite-Version: 3` and `Authorization: token api_key:access_token`.
/// Kite times are IST without a zone and are stored in UTC; all amounts are INR.
public struct ZerodhaAdapter: BrokerAdapter {
    /// Limits: 10 requests/s per `api_key` for everything but quotes and orders, shared by every user of the key
    /// (kite.trade/docs/connect/v3/exceptions "API rate limit"; staff: kite.trade/forum/discussion/10422).
    public static let broker = BrokerDescription(
        code: "ZERODHA", name: "Zerodha Kite Connect", baseURLs: ["live": "https://api.kite.trade"],
        credentialFields: ["api_key", "access_token"],
        rateLimit: RateLimitRule([.init(10, per: .seconds(1))], scope: .apiKey),
        login: LoginFlow(redirectParameter: "request_token", secretFields: ["api_key", "api_secret"]),
        capabilities: [.holdings, .positions, .transactions, .login, .scheduledSync])

    let environment: BrokerEnvironment
    let http: BrokerHTTP

    public init(environment: BrokerEnvironment) {
        self.environment = environment
        http = BrokerHTTP(
            environment: environment,
            broker: Self.code,
            isAuthFailure: { _, body in Self.errorBody(body)?.errorType.map(Self.loginErrors.contains) ?? false },
            errorMessage: { body in
                Self.errorBody(body).flatMap { error in error.message.map { "\($0)\(error.errorType.map { " (\($0))" } ?? "")" } }
            }
        )
    }

    /// Error types whose fix is to log in again: `TokenException` (expired or invalidated session, 403),
    /// `UserException` and `TwoFAException` (account and second-factor problems of the login).
    /// Sources: https://kite.trade/docs/connect/v3/exceptions ; gokiteconnect `errors.go` (`UserError`, `TwoFAError` → 403).
    static let loginErrors: Set<String> = ["TokenException", "UserException", "TwoFAException"]

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

    /// Holdings as Kite counts them (see `heldHoldings`), then mutual funds. A refused mutual-fund call (404, or
    /// `PermissionException` for an app without MF access) keeps the equity holdings and says so in a note; a
    /// transient failure of either call retries the job as a whole, so half a snapshot is never stored as whole.
    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let headers = try headers(credentials)
        let asOf = environment.now()
        let response = try await http.get("/portfolio/holdings", headers: headers, credentials: credentials)
        let items = try http.decode(Kite.Envelope<[Kite.Holding]>.self, from: response, what: "holdings").data
        let raw = BrokerJSON.rawItems(response.body, path: "data")
        var (holdings, notes) = Self.heldHoldings(items, raw: raw)
        if includesMutualFunds {
            do {
                holdings += try await mutualFunds(headers: headers, credentials: credentials)
            } catch let error as BrokerError where error.kind == .permanent {
                notes.append(SnapshotNote(kind: .partUnavailable, message: "mutual-fund holdings unavailable: \(error.message)"))
            }
        }
        return HoldingsSnapshot(sourceSnapshotID: Self.snapshotID(asOf), asOf: asOf, holdings: holdings, notes: notes)
    }

    /// Kite's holdings as we store them, with the notes they call for.
    ///
    /// - Held quantity = `quantity` (free) + `t1_quantity` (unsettled) + `collateral_quantity` (pledged), kept as
    ///   the split; a row is dropped only when that sum is zero (a fully pledged holding has `quantity: 0`).
    /// - The `mtf` lot (shares bought under the margin trading facility) is a row of its own with its own average
    ///   price and `lot: mtf`; Kite's `pnl` does not include it.
    /// - Kite's `pnl` must equal (last_price − average_price) × held quantity; when it does not (beyond a paisa),
    ///   a `pnl_mismatch` note records both figures. The data is stored as Kite sent it either way.
    static func heldHoldings(_ items: [Kite.Holding], raw: [RawJSON]?) -> (holdings: [Holding], notes: [SnapshotNote]) {
        var holdings: [Holding] = []
        var notes: [SnapshotNote] = []
        for (index, item) in items.enumerated() {
            let split = HeldQuantity(free: item.quantity, unsettled: item.t1Quantity ?? 0, pledged: item.collateralQuantity ?? 0)
            let held = split.total
            if held != 0 {
                holdings.append(
                    Holding(
                        symbol: item.tradingsymbol, exchange: item.exchange, isin: item.isin, assetType: .stock, quantity: held,
                        averagePrice: item.averagePrice, lastPrice: item.lastPrice, currency: "INR", split: split, meta: raw?[index]
                    ))
                if let reported = item.pnl, let last = item.lastPrice {
                    let computed = (last - item.averagePrice) * held
                    if (reported - computed).magnitude > pnlTolerance {
                        notes.append(
                            SnapshotNote(
                                kind: .pnlMismatch, symbol: item.tradingsymbol, exchange: item.exchange, reported: reported, computed: computed,
                                message:
                                    "ZERODHA reports a P&L of \(reported.rounded(2)) for \(item.tradingsymbol) (\(item.exchange)); (last price − average price) × \(held) held gives \(computed.rounded(2))"
                            ))
                    }
                }
            }
            if let mtf = item.mtf, let quantity = mtf.quantity, quantity != 0 {
                holdings.append(
                    Holding(
                        symbol: item.tradingsymbol, exchange: item.exchange, isin: item.isin, assetType: .stock, quantity: quantity,
                        averagePrice: mtf.averagePrice ?? 0, lastPrice: item.lastPrice, currency: "INR", lot: .mtf, meta: raw?[index]
                    ))
            }
        }
        return (holdings, notes)
    }

    /// A P&L within a paisa of ours agrees: Kite sends it as a binary float (`-629.2999999999993`).
    static let pnlTolerance = Decimal(string: "0.01")!

    private func mutualFunds(headers: [(String, String)], credentials: BrokerCredentials) async throws -> [Holding] {
        let funds = try await http.get("/mf/holdings", headers: headers, credentials: credentials)
        let fundItems = try http.decode(Kite.Envelope<[Kite.MutualFundHolding]>.self, from: funds, what: "mutual-fund holdings").data
        let fundRaw = BrokerJSON.rawItems(funds.body, path: "data")
        return fundItems.enumerated().compactMap { index, item -> Holding? in
            guard item.quantity != 0 else { return nil }
            return Holding(
                symbol: item.tradingsymbol, exchange: nil, isin: item.tradingsymbol, assetType: .mutualFund, quantity: item.quantity,
                averagePrice: item.averagePrice, lastPrice: item.lastPrice, currency: "INR", meta: fundRaw?[index]
            )
        }
    }

    /// Net positions; quantities stay in lots as Kite reports them, values are quantity × price × multiplier.
    public func positions(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let asOf = environment.now()
        let positions = try await fetchPositions(credentials)
        let holdings = positions.items.net.enumerated().compactMap { index, item -> Holding? in
            guard item.quantity != 0 else { return nil }
            return Holding(
                symbol: item.tradingsymbol, exchange: item.exchange, isin: nil, assetType: Self.assetType(item), quantity: item.quantity,
                averagePrice: item.averagePrice, lastPrice: item.lastPrice, currency: "INR", multiplier: item.multiplier,
                meta: positions.raw?[index]
            )
        }
        return HoldingsSnapshot(sourceSnapshotID: Self.snapshotID(asOf), asOf: asOf, holdings: holdings)
    }

    private func fetchPositions(_ credentials: BrokerCredentials) async throws -> (items: Kite.Positions, raw: [RawJSON]?) {
        let response = try await http.get("/portfolio/positions", headers: try headers(credentials), credentials: credentials)
        let positions = try http.decode(Kite.Envelope<Kite.Positions>.self, from: response, what: "positions").data
        return (positions, BrokerJSON.rawItems(response.body, path: "data", "net"))
    }

    /// Kite keeps only today's trades; each is stored once by `exchange:trade_id`.
    ///
    /// A trade carries no multiplier: for contracts outside the cash market (NSE/BSE), where quantities are lots,
    /// it comes from today's positions (every fill of the day is in `day`), and the amount is quantity × price ×
    /// multiplier. A fill whose contract is not among them is stored without an amount rather than a wrong one.
    public func transactions(_ credentials: BrokerCredentials, since cursor: String?) async throws -> TransactionsBatch {
        let response = try await http.get("/trades", headers: try headers(credentials), credentials: credentials)
        let trades = try http.decode(Kite.Envelope<[Kite.Trade]>.self, from: response, what: "trades").data
        let raw = BrokerJSON.rawItems(response.body, path: "data")
        var multipliers: [String: Decimal] = [:]
        if trades.contains(where: { !Self.cashExchanges.contains($0.exchange) }) {
            let positions = try await fetchPositions(credentials).items
            for position in positions.day + positions.net {
                if let multiplier = position.multiplier { multipliers["\(position.exchange):\(position.tradingsymbol)"] = multiplier }
            }
        }
        var transactions: [BrokerTransaction] = []
        for (index, trade) in trades.enumerated() {
            guard let text = trade.fillTimestamp ?? trade.exchangeTimestamp else {
                throw BrokerError.permanent("ZERODHA sent trade \(trade.tradeId) without a fill or exchange timestamp")
            }
            guard let time = BrokerTime.parseIST(text) else {
                throw BrokerError.permanent(
                    "ZERODHA sent trade \(trade.tradeId) with timestamp '\(text.prefix(40))', not an IST time in \(TimeBounds.years.lowerBound)-\(TimeBounds.years.upperBound)"
                )
            }
            let cash = Self.cashExchanges.contains(trade.exchange)
            let multiplier = cash ? nil : multipliers["\(trade.exchange):\(trade.tradingsymbol)"]
            let amount: Decimal? = cash ? trade.quantity * trade.averagePrice : multiplier.map { trade.quantity * trade.averagePrice * $0 }
            transactions.append(
                BrokerTransaction(
                    externalID: "\(trade.exchange):\(trade.tradeId)", kind: trade.transactionType.uppercased() == "SELL" ? .sell : .buy,
                    symbol: trade.tradingsymbol, exchange: trade.exchange, isin: nil, quantity: trade.quantity, price: trade.averagePrice,
                    amount: amount, currency: "INR", occurredAt: time, multiplier: multiplier, meta: raw?[index]
                )
            )
        }
        return TransactionsBatch(transactions: transactions, cursor: ISO8601.format(environment.now()))
    }

    /// Exchanges whose quantities are shares (multiplier 1): the cash market.
    static let cashExchanges: Set<String> = ["NSE", "BSE"]

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        let response = try await http.get("/user/profile", headers: try headers(credentials), credentials: credentials)
        let profile = try http.decode(Kite.Envelope<Kite.Profile>.self, from: response, what: "the profile").data
        return BrokerProfile(userID: profile.userId, name: profile.userName, email: profile.email)
    }

    /// The Kite login page for an API key (`PSYNC_ZERODHA_LOGIN_URL` overrides the host).
    public func loginURL(apiKey: String, state: String? = nil) -> String {
        let page = environment.options["LOGIN_URL"] ?? "https://kite.zerodha.com/connect/login"
        // Kite hands `redirect_params` back on the redirect (kite.trade/docs/connect/v3/user/#login-flow).
        let state = state.map { "&redirect_params=" + ParameterEncoder.escape("state=" + $0) } ?? ""
        return "\(page)?v=3&api_key=\(ParameterEncoder.escape(apiKey))" + state
    }

    public func loginURL(_ credentials: BrokerCredentials, state: String?) throws -> String {
        loginURL(apiKey: try credentials.require("api_key"), state: state)
    }

    /// The new access token, replacing the old one among the credentials.
    public func completeLogin(_ credentials: BrokerCredentials, code: String) async throws -> [String: String] {
        var fields = credentials.fields
        fields["access_token"] = try await createSession(credentials, requestToken: code)
        return fields
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

    /// Kite access tokens end at 06:00 IST the day after the login ("it'll expire at 6 AM on the next day (regulatory
    /// requirement)": the session attributes of https://kite.trade/docs/connect/v3/user/). A login made between midnight
    /// and 06:00 IST ends the same morning. Only credentials holding an `access_token` expire.
    public static func loginExpiry(of fields: [String: String], issuedAt: Date) -> Date? {
        guard fields["access_token"] != nil else { return nil }
        return nextSixAMIST(after: issuedAt)
    }

    /// The first 06:00 IST (00:30 UTC) strictly after `date`.
    static func nextSixAMIST(after date: Date) -> Date {
        let ist = 19_800
        let sixAM = 6 * 3600
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + ist
        let dayStart = local - ((local % 86_400) + 86_400) % 86_400
        var expiry = dayStart + sixAM
        if expiry <= local { expiry += 86_400 }
        return Date(timeIntervalSince1970: Double(expiry - ist))
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
