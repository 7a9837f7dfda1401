public import Contracts
import CurlClient
import FoundationEssentials

/// Dhan (DhanHQ API v2): holdings and positions with the `access-token` header; errors are
/// `{"errorType", "errorCode", "errorMessage"}` with `DH-9xx` codes. All amounts INR.
///
/// Credentials: `{"access_token": "…", "client_id": "…"}` (the token from web.dhan.co, and the Dhan client id it
/// belongs to, which names the user's rate limit). Sources: https://dhanhq.co/docs/v2/ (structure, errors, rate
/// limit: 20 requests/s for non-trading APIs), https://dhanhq.co/docs/v2/portfolio/ (holdings and positions fields),
/// https://dhanhq.co/docs/v2/annexure/ (error codes; exchange segments), and the DhanHQ-py client (`dhanhq`).
public struct DhanAdapter: BrokerAdapter {
    public static let broker = BrokerDescription(
        code: "DHAN", name: "Dhan", baseURLs: ["live": "https://api.dhan.co"], credentialFields: ["access_token", "client_id"],
        rateLimit: RateLimitRule([.init(20, per: .seconds(1))], scope: .user, userField: "client_id"),
        capabilities: [.holdings, .positions, .scheduledSync])

    /// `GET /v2/holdings` item. `totalQty` is everything held, T+1 included (`t1Qty`: bought, not yet delivered);
    /// `collateralQty` is pledged with the broker and stays in the demat account, so it is inside `totalQty` too.
    struct Holding: Decodable {
        let exchange: String?
        let tradingSymbol: String
        let securityId: String?
        let isin: String?
        let totalQty: Decimal
        let dpQty: Decimal?
        let t1Qty: Decimal?
        let availableQty: Decimal?
        let collateralQty: Decimal?
        let avgCostPrice: Decimal
    }

    /// `GET /v2/positions` item: `netQty` in lots where `multiplier` > 1 (commodity and currency), `costPrice` the average.
    struct Position: Decodable {
        let tradingSymbol: String
        let securityId: String?
        let positionType: String?
        let exchangeSegment: String?
        let productType: String?
        let costPrice: Decimal?
        let buyAvg: Decimal?
        let sellAvg: Decimal?
        let netQty: Decimal
        let multiplier: Decimal?
    }

    struct ErrorBody: Decodable {
        let errorType: String?
        let errorCode: String?
        let errorMessage: String?
    }

    struct Profile: Decodable {
        let dhanClientId: String?
    }

    let environment: BrokerEnvironment
    let http: BrokerHTTP

    public init(environment: BrokerEnvironment) {
        self.environment = environment
        http = BrokerHTTP(
            environment: environment,
            broker: Self.code,
            // DH-901: "Client ID or user generated access token is invalid or expired" — a new token is needed.
            isAuthFailure: { status, body in status == 401 || Self.errorBody(body)?.errorCode == "DH-901" },
            errorMessage: { body in
                Self.errorBody(body).flatMap { error in error.errorMessage.map { "\($0)\(error.errorCode.map { " (\($0))" } ?? "")" } }
            }
        )
    }

    static func errorBody(_ body: [UInt8]) -> ErrorBody? {
        try? BrokerJSON.decoder().decode(ErrorBody.self, from: Data(body))
    }

    func headers(_ credentials: BrokerCredentials) throws -> [(String, String)] {
        [("access-token", try credentials.require("access_token")), ("client-id", try credentials.require("client_id"))]
    }

    /// Held = `totalQty`, split into unsettled (`t1Qty`), pledged (`collateralQty`) and the free rest. Dhan sends no
    /// last price with holdings, so market value is left unknown rather than guessed.
    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let asOf = environment.now()
        let response = try await http.get("/v2/holdings", headers: try headers(credentials), credentials: credentials)
        let items = try http.decode([Holding].self, from: response, what: "holdings")
        let raw = BrokerJSON.rawItems(response.body)
        var holdings: [Contracts.Holding] = []
        var notes: [SnapshotNote] = []
        for (index, item) in items.enumerated() where item.totalQty != 0 {
            let unsettled = item.t1Qty ?? 0
            let pledged = item.collateralQty ?? 0
            let free = item.totalQty - unsettled - pledged
            var split: HeldQuantity? = HeldQuantity(free: free, unsettled: unsettled, pledged: pledged)
            if free < 0 {
                split = nil
                notes.append(
                    SnapshotNote(
                        kind: .quantityMismatch, symbol: item.tradingSymbol, exchange: item.exchange, reported: item.totalQty,
                        computed: unsettled + pledged,
                        message:
                            "DHAN reports \(item.totalQty) held of \(item.tradingSymbol) but \(unsettled) unsettled and \(pledged) pledged; stored the total without a split"
                    ))
            }
            holdings.append(
                Contracts.Holding(
                    symbol: item.tradingSymbol, exchange: Self.exchange(item.exchange), isin: item.isin, assetType: .stock, quantity: item.totalQty,
                    averagePrice: item.avgCostPrice, lastPrice: nil, currency: "INR", split: split, meta: raw?[index]))
        }
        return HoldingsSnapshot(sourceSnapshotID: Self.snapshotID(asOf), asOf: asOf, holdings: holdings, notes: notes)
    }

    /// Open positions (closed ones, `netQty` 0, are left out); values are quantity × price × multiplier.
    public func positions(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let asOf = environment.now()
        let response = try await http.get("/v2/positions", headers: try headers(credentials), credentials: credentials)
        let items = try http.decode([Position].self, from: response, what: "positions")
        let raw = BrokerJSON.rawItems(response.body)
        let holdings = items.enumerated().compactMap { index, item -> Contracts.Holding? in
            guard item.netQty != 0 else { return nil }
            let average = item.costPrice ?? (item.netQty > 0 ? item.buyAvg : item.sellAvg) ?? 0
            return Contracts.Holding(
                symbol: item.tradingSymbol, exchange: Self.exchange(item.exchangeSegment), isin: nil, assetType: Self.assetType(item.exchangeSegment),
                quantity: item.netQty, averagePrice: average, lastPrice: nil, currency: "INR", multiplier: item.multiplier, meta: raw?[index])
        }
        return HoldingsSnapshot(sourceSnapshotID: Self.snapshotID(asOf), asOf: asOf, holdings: holdings)
    }

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        let response = try await http.get("/v2/profile", headers: try headers(credentials), credentials: credentials)
        let profile = try http.decode(Profile.self, from: response, what: "the profile")
        return BrokerProfile(userID: profile.dhanClientId, name: nil, email: nil)
    }

    /// `NSE_EQ` → `NSE`, `MCX_COMM` → `MCX`; holdings say `ALL` when held on both exchanges (kept as sent).
    static func exchange(_ segment: String?) -> String? {
        segment.map { String($0.split(separator: "_").first ?? Substring($0)) }
    }

    static func assetType(_ segment: String?) -> AssetType {
        guard let segment, !segment.hasSuffix("_EQ") else { return .stock }
        return .future
    }

    static func snapshotID(_ asOf: Date) -> String {
        "dhan-\(Int64(asOf.timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))"
    }
}
