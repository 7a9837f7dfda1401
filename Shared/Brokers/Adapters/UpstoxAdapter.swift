public import Contracts
import CurlClient
import FoundationEssentials

/// Upstox API v2: long-term holdings and the profile, with a Bearer token (it dies at 03:30 IST daily).
///
/// Credentials: `{"access_token": "…"}`.
public struct UpstoxAdapter: BrokerAdapter {
    /// Limits per user and per API for standard APIs: 50/s, 500/min and 2,000 per 30 min; a breach is 429 `UDAPI10005`
    /// (upstox.com/developer/api-documentation/rate-limiting).
    public static let broker = BrokerDescription(
        code: "UPSTOX", name: "Upstox", baseURLs: ["live": "https://api.upstox.com"], credentialFields: ["access_token"],
        rateLimit: RateLimitRule([.init(50, per: .seconds(1)), .init(500, per: .seconds(60)), .init(2000, per: .seconds(1800))], scope: .user),
        capabilities: [.holdings, .scheduledSync])

    struct Envelope<Payload: Decodable>: Decodable {
        let status: String
        let data: Payload
    }

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
                try container.decodeIfPresent(String.self, forKey: .errorCode) ?? container.decodeIfPresent(String.self, forKey: .snakeErrorCode)
            message = try container.decodeIfPresent(String.self, forKey: .message)
        }
    }

    struct ErrorBody: Decodable {
        let errors: [Problem]?
    }

    struct Holding: Decodable {
        let isin: String?
        let exchange: String?
        let tradingsymbol: String?
        let tradingSymbol: String?
        let quantity: Decimal
        let t1Quantity: Decimal?
        let averagePrice: Decimal
        let lastPrice: Decimal?
    }

    struct Profile: Decodable {
        let userId: String?
        let userName: String?
        let email: String?
    }

    let environment: BrokerEnvironment
    let http: BrokerHTTP

    public init(environment: BrokerEnvironment) {
        self.environment = environment
        http = BrokerHTTP(
            environment: environment,
            broker: Self.code,
            isAuthFailure: { status, body in
                status == 401 || Self.problem(body)?.errorCode == "UDAPI100050"
            },
            errorMessage: { body in
                Self.problem(body).flatMap { problem in problem.message.map { "\($0)\(problem.errorCode.map { " (\($0))" } ?? "")" } }
            }
        )
    }

    static func problem(_ body: [UInt8]) -> Problem? {
        (try? BrokerJSON.decoder().decode(ErrorBody.self, from: Data(body)))?.errors?.first
    }

    func headers(_ credentials: BrokerCredentials) throws -> [(String, String)] {
        [("Authorization", "Bearer \(try credentials.require("access_token"))"), ("Api-Version", "2.0")]
    }

    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let asOf = environment.now()
        let response = try await http.get("/v2/portfolio/long-term-holdings", headers: try headers(credentials), credentials: credentials)
        let items = try http.decode(Envelope<[Holding]>.self, from: response, what: "holdings").data
        let raw = BrokerJSON.rawItems(response.body, path: "data")
        var holdings: [Contracts.Holding] = []
        for (index, item) in items.enumerated() {
            guard let symbol = item.tradingsymbol ?? item.tradingSymbol else {
                throw BrokerError.permanent("UPSTOX sent holding \(index) without a trading symbol")
            }
            let quantity = item.quantity + (item.t1Quantity ?? 0)
            guard quantity != 0 else { continue }
            holdings.append(
                Contracts.Holding(
                    symbol: symbol, exchange: item.exchange, isin: item.isin, assetType: .stock, quantity: quantity, averagePrice: item.averagePrice,
                    lastPrice: item.lastPrice, currency: "INR", meta: raw?[index]
                )
            )
        }
        return HoldingsSnapshot(
            sourceSnapshotID: "upstox-\(Int64(asOf.timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))", asOf: asOf,
            holdings: holdings)
    }

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        let response = try await http.get("/v2/user/profile", headers: try headers(credentials), credentials: credentials)
        let profile = try http.decode(Envelope<Profile>.self, from: response, what: "the profile").data
        return BrokerProfile(userID: profile.userId, name: profile.userName, email: profile.email)
    }
}
