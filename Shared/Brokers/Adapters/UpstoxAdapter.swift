public import Contracts
import CurlClient
public import FoundationEssentials

/// Upstox API v2: long-term holdings, short-term positions, historical and today's trades, the profile, and the
/// OAuth authorization-code login. Every call sends `Authorization: Bearer <access_token>` and `Api-Version: 2.0`.
///
/// Credentials: `{"access_token": "…"}`, plus `client_id`, `client_secret` and `redirect_uri` (the app's) for the
/// login, which also records the Upstox `user_id` the token belongs to: Upstox counts calls per user, so that id
/// names the account's rate-limit bucket. Sources: https://upstox.com/developer/api-documentation/ (authorize,
/// get-token, get-holdings, get-positions, get-historical-trades, get-trade-history, error-codes, rate-limiting) and
/// the upstox-python SDK (`upstox_client/api/login_api.py`, `portfolio_api.py`, `post_trade_api.py`, `docs/*.md`).
public struct UpstoxAdapter: BrokerAdapter {
    /// Limits per user and per API for standard APIs: 50/s, 500/min and 2,000 per 30 min; a breach is 429 `UDAPI10005`
    /// (upstox.com/developer/api-documentation/rate-limiting).
    public static let broker = BrokerDescription(
        code: "UPSTOX", name: "Upstox", baseURLs: ["live": "https://api.upstox.com"], credentialFields: ["access_token"],
        rateLimit: RateLimitRule(
            [.init(50, per: .seconds(1)), .init(500, per: .seconds(60)), .init(2000, per: .seconds(1800))], scope: .user,
            userField: "user_id"),
        login: LoginFlow(redirectParameter: "code", secretFields: ["client_id", "client_secret", "redirect_uri"]),
        capabilities: [.holdings, .positions, .transactions, .login, .scheduledSync])

    /// Error codes whose fix is a new login: `UDAPI100050` "Invalid token used to access API" (expired or revoked)
    /// and `UDAPI100016` "Invalid Credentials" (upstox.com/developer/api-documentation/error-codes).
    static let loginErrors: Set<String> = ["UDAPI100050", "UDAPI100016"]

    let environment: BrokerEnvironment
    let http: BrokerHTTP

    public init(environment: BrokerEnvironment) {
        self.environment = environment
        http = BrokerHTTP(
            environment: environment,
            broker: Self.code,
            // 429 (`UDAPI10005` "Too Many Request Sent") is rate-limited by its status; 401 and the codes above are auth.
            isAuthFailure: { status, body in
                status == 401 || Self.problem(body)?.errorCode.map(Self.loginErrors.contains) == true
            },
            errorMessage: { body in
                Self.problem(body).flatMap { problem in
                    problem.message.map { "\($0)\(problem.errorCode.map { " (\($0))" } ?? "")" }
                }
            }
        )
    }

    static func problem(_ body: [UInt8]) -> Upstox.Problem? {
        (try? BrokerJSON.decoder().decode(Upstox.ErrorBody.self, from: Data(body)))?.errors?.first
    }

    func headers(_ credentials: BrokerCredentials) throws -> [(String, String)] {
        [("Authorization", "Bearer \(try credentials.require("access_token"))"), ("Api-Version", "2.0")]
    }

    /// Held = `quantity` (Upstox: "The total holding qty"), split into unsettled (`t1_quantity`), pledged
    /// (`collateral_quantity`) and the free rest; pledged shares are counted, as for Kite. When the parts exceed the
    /// total the total is stored without a split and a `quantity_mismatch` note says so.
    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let asOf = environment.now()
        let response = try await http.get(
            "/v2/portfolio/long-term-holdings", headers: try headers(credentials), credentials: credentials)
        let items = try http.decode(Upstox.Envelope<[Upstox.Holding]>.self, from: response, what: "holdings").data
        let raw = BrokerJSON.rawItems(response.body, path: "data")
        var holdings: [Holding] = []
        var notes: [SnapshotNote] = []
        for (index, item) in items.enumerated() where item.quantity != 0 {
            guard let symbol = item.tradingsymbol ?? item.tradingSymbol else {
                throw BrokerError.permanent("UPSTOX sent holding \(index) without a trading symbol")
            }
            let unsettled = item.t1Quantity ?? 0
            let pledged = item.collateralQuantity ?? 0
            var split: HeldQuantity? = HeldQuantity(free: item.quantity - unsettled - pledged, unsettled: unsettled, pledged: pledged)
            if unsettled < 0 || pledged < 0 || item.quantity - unsettled - pledged < 0 {
                split = nil
                notes.append(
                    SnapshotNote(
                        kind: .quantityMismatch, symbol: symbol, exchange: item.exchange, reported: item.quantity,
                        computed: unsettled + pledged,
                        message:
                            "UPSTOX reports \(item.quantity) held of \(symbol) but \(unsettled) on T+1 and \(pledged) as collateral; stored the total without a split"
                    ))
            }
            holdings.append(
                Holding(
                    symbol: symbol, exchange: item.exchange, isin: item.isin, assetType: .stock, quantity: item.quantity,
                    averagePrice: item.averagePrice, lastPrice: item.lastPrice, currency: "INR", split: split, meta: raw?[index]))
        }
        return HoldingsSnapshot(sourceSnapshotID: Self.snapshotID(asOf), asOf: asOf, holdings: holdings, notes: notes)
    }

    /// Open positions (net `quantity` 0 is closed and left out), with Upstox's `multiplier`: values are
    /// quantity × price × multiplier. A null `average_price` (documented) falls back to the side's `buy_price` /
    /// `sell_price`.
    public func positions(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let asOf = environment.now()
        let response = try await http.get(
            "/v2/portfolio/short-term-positions", headers: try headers(credentials), credentials: credentials)
        let items = try http.decode(Upstox.Envelope<[Upstox.Position]>.self, from: response, what: "positions").data
        let raw = BrokerJSON.rawItems(response.body, path: "data")
        var holdings: [Holding] = []
        for (index, item) in items.enumerated() where item.quantity != 0 {
            guard let symbol = item.tradingsymbol ?? item.tradingSymbol else {
                throw BrokerError.permanent("UPSTOX sent position \(index) without a trading symbol")
            }
            guard let average = item.averagePrice ?? (item.quantity > 0 ? item.buyPrice : item.sellPrice) else {
                throw BrokerError.permanent("UPSTOX sent position \(index) (\(symbol)) without an average, buy or sell price")
            }
            holdings.append(
                Holding(
                    symbol: symbol, exchange: item.exchange, isin: nil, assetType: Self.assetType(item), quantity: item.quantity,
                    averagePrice: average, lastPrice: item.lastPrice, currency: "INR", multiplier: item.multiplier,
                    meta: raw?[index]))
        }
        return HoldingsSnapshot(sourceSnapshotID: Self.snapshotID(asOf), asOf: asOf, holdings: holdings)
    }

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        let response = try await http.get("/v2/user/profile", headers: try headers(credentials), credentials: credentials)
        let profile = try http.decode(Upstox.Envelope<Upstox.Profile>.self, from: response, what: "the profile").data
        return BrokerProfile(userID: profile.userId, name: profile.userName, email: profile.email)
    }

    static func snapshotID(_ asOf: Date) -> String {
        "upstox-\(Int64(asOf.timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Instrument keys read `NSE_EQ|…`, `NSE_FO|…`, `MCX_FO|…`, `NCD_FO|…`: outside the cash segment (`_EQ`),
    /// options end in CE or PE and the rest are futures.
    static func assetType(_ position: Upstox.Position) -> AssetType {
        guard let key = position.instrumentToken, let segment = key.split(separator: "|").first, !segment.hasSuffix("_EQ") else {
            return .stock
        }
        let symbol = position.tradingsymbol ?? position.tradingSymbol ?? ""
        return symbol.hasSuffix("CE") || symbol.hasSuffix("PE") ? .option : .future
    }
}
