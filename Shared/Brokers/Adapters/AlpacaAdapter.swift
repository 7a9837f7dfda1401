public import Contracts
import CurlClient
import FoundationEssentials

/// Alpaca Trading API: positions as holdings (short ones with a negative quantity), account activities as
/// transactions, the account as profile. Numbers arrive as strings and are read exactly; all USD.
///
/// Credentials: `{"key_id": "…", "secret_key": "…", "environment": "paper" | "live"}`, sent as `APCA-API-KEY-ID` /
/// `APCA-API-SECRET-KEY` (https://docs.alpaca.markets/reference, Authentication; alpaca-py `alpaca/common/rest.py`).
/// Keys do not expire; they stop working only when revoked in the dashboard.
public struct AlpacaAdapter: BrokerAdapter {
    /// Paper and live keys are separate and each works only against its own base URL (docs.alpaca.markets/docs/paper-trading;
    /// alpaca-py `alpaca/common/enums.py` `BaseURL.TRADING_PAPER` / `TRADING_LIVE`); an account picks with the credential
    /// field `environment` (`live` when absent). Limit: 200 requests/min per account
    /// (alpaca.markets/support/usage-limit-api-calls), counted here per key id.
    public static let broker = BrokerDescription(
        code: "ALPACA", name: "Alpaca",
        baseURLs: ["live": "https://api.alpaca.markets", "paper": "https://paper-api.alpaca.markets"],
        credentialFields: ["key_id", "secret_key"], rateLimit: RateLimitRule([.init(200, per: .seconds(60))], scope: .apiKey),
        capabilities: [.holdings, .transactions, .scheduledSync])

    /// The environments an account may name; anything else is refused before a call is made.
    static let environments = ["live", "paper"]

    struct ErrorBody: Decodable {
        let code: Int?
        let message: String?
    }

    /// docs.alpaca.markets/reference/getallopenpositions; `side` is `long` or `short`, and a short position's `qty`,
    /// `market_value` and `cost_basis` are negative (Alpaca staff, alpacahq/Alpaca-API#86).
    struct Position: Decodable {
        let symbol: String
        let exchange: String?
        let assetClass: String?
        let side: String?
        let qty: String
        let avgEntryPrice: String
        let currentPrice: String?
        let costBasis: String?
        let marketValue: String?

        enum CodingKeys: String, CodingKey {
            case symbol, exchange, side, qty
            case assetClass = "asset_class"
            case avgEntryPrice = "avg_entry_price"
            case currentPrice = "current_price"
            case costBasis = "cost_basis"
            case marketValue = "market_value"
        }
    }

    struct Account: Decodable {
        let id: String?
        let accountNumber: String?

        enum CodingKeys: String, CodingKey {
            case id
            case accountNumber = "account_number"
        }
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

    /// The account's environment: `live` unless the credentials say `paper`.
    static func environmentName(_ credentials: BrokerCredentials) throws -> String {
        let name = credentials.fields["environment"].map { $0.lowercased() } ?? "live"
        guard environments.contains(name) else {
            throw BrokerError.permanent(
                "the credentials' environment must be live or paper, got '\(name.prefix(20))'; set them again with `psync credentials set`")
        }
        return name
    }

    /// A GET against the account's own environment. A 401/403 says which environment refused the keys, because paper keys
    /// sent to the live API (or live keys to paper) are refused exactly like wrong ones.
    func get(_ path: String, query: [(String, String)] = [], _ credentials: BrokerCredentials) async throws -> HTTPClientResponse {
        let name = try Self.environmentName(credentials)
        var credentials = credentials
        if credentials.fields["environment"] != name {
            var fields = credentials.fields
            fields["environment"] = name
            credentials = BrokerCredentials(fields, rateLimitKey: credentials.rateLimitKey)
        }
        do {
            return try await http.get(path, query: query, headers: try headers(credentials), credentials: credentials)
        } catch let error as BrokerError where error.kind == .auth {
            let other = name == "live" ? "paper" : "live"
            throw BrokerError(
                .auth, "\(error.message) (the \(name) API; keys made for \(other) trading need \"environment\": \"\(other)\")",
                status: error.status)
        }
    }

    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let asOf = environment.now()
        let response = try await get("/v2/positions", credentials)
        let positions = try http.decode([Position].self, from: response, what: "positions")
        let raw = BrokerJSON.rawItems(response.body)
        var holdings: [Holding] = []
        for (index, position) in positions.enumerated() {
            var quantity = try Self.decimal(position.qty, "qty", position.symbol)
            if position.side?.lowercased() == "short" && quantity > 0 { quantity = -quantity }
            let average = try Self.decimal(position.avgEntryPrice, "avg_entry_price", position.symbol)
            let last = try position.currentPrice.map { try Self.decimal($0, "current_price", position.symbol) }
            holdings.append(
                Holding(
                    symbol: position.symbol, exchange: position.exchange, isin: nil, assetType: Self.assetType(position.assetClass),
                    quantity: quantity, averagePrice: average, lastPrice: last, currency: "USD",
                    costValue: try position.costBasis.map { try Self.decimal($0, "cost_basis", position.symbol) },
                    marketValue: try position.marketValue.map { try Self.decimal($0, "market_value", position.symbol) }, meta: raw?[index]
                )
            )
        }
        return HoldingsSnapshot(
            sourceSnapshotID: "alpaca-\(Int64(asOf.timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))", asOf: asOf,
            holdings: holdings)
    }

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        let response = try await get("/v2/account", credentials)
        let account = try http.decode(Account.self, from: response, what: "the account")
        return BrokerProfile(userID: account.accountNumber ?? account.id, name: nil, email: nil)
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
