public import Contracts
import CurlClient
import FoundationEssentials

/// The sandbox broker (psync-brokersim's own format): holdings, transactions by cursor, profile,
/// with exact string decimals and a Bearer token. The default broker of the demo, tests and benchmarks.
///
/// Credentials: `{"token": "…"}`.
public struct SandboxAdapter: BrokerAdapter {
    public static let broker = BrokerDescription(
        code: "SANDBOX", name: "Sandbox broker (psync-brokersim)", baseURLs: ["live": "http://127.0.0.1:7190"], credentialFields: ["token"],
        capabilities: [.holdings, .transactions, .scheduledSync])

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let code: String?
            let message: String?
        }
        let error: Detail?
    }

    struct HoldingsBody: Decodable {
        let asOf: String?
        let holdings: [Item]

        enum CodingKeys: String, CodingKey {
            case asOf = "as_of"
            case holdings
        }
    }

    struct Item: Decodable {
        let symbol: String
        let exchange: String?
        let isin: String?
        let assetType: String?
        let quantity: String
        let averagePrice: String
        let lastPrice: String?
        let currency: String

        enum CodingKeys: String, CodingKey {
            case symbol, exchange, isin, quantity, currency
            case assetType = "asset_type"
            case averagePrice = "average_price"
            case lastPrice = "last_price"
        }
    }

    struct TransactionsBody: Decodable {
        let transactions: [Transaction]
        let nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case transactions
            case nextCursor = "next_cursor"
        }
    }

    struct Transaction: Decodable {
        let id: String
        let type: String
        let symbol: String?
        let exchange: String?
        let isin: String?
        let quantity: String?
        let price: String?
        let amount: String?
        let currency: String
        let executedAt: String

        enum CodingKeys: String, CodingKey {
            case id, type, symbol, exchange, isin, quantity, price, amount, currency
            case executedAt = "executed_at"
        }
    }

    struct Profile: Decodable {
        let account: String?
        let name: String?
    }

    let environment: BrokerEnvironment
    let http: BrokerHTTP

    public init(environment: BrokerEnvironment) {
        self.environment = environment
        http = BrokerHTTP(
            environment: environment,
            broker: Self.code,
            isAuthFailure: { status, _ in status == 401 },
            errorMessage: { body in (try? BrokerJSON.decoder().decode(ErrorBody.self, from: Data(body)))?.error?.message }
        )
    }

    func headers(_ credentials: BrokerCredentials) throws -> [(String, String)] {
        [("Authorization", "Bearer \(try credentials.require("token"))")]
    }

    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        let response = try await http.get("/sandbox/v1/holdings", headers: try headers(credentials), credentials: credentials)
        let body = try http.decode(HoldingsBody.self, from: response, what: "holdings")
        var asOf = environment.now()
        if let text = body.asOf {
            guard let time = BrokerTime.parseISO8601(text) else {
                throw BrokerError.permanent("SANDBOX sent as_of '\(text.prefix(30))', not an ISO 8601 time in \(TimeBounds.years)")
            }
            asOf = time
        }
        let raw = BrokerJSON.rawItems(response.body, path: "holdings")
        var holdings: [Holding] = []
        holdings.reserveCapacity(body.holdings.count)
        for (index, item) in body.holdings.enumerated() {
            holdings.append(
                Holding(
                    symbol: item.symbol, exchange: item.exchange, isin: item.isin,
                    assetType: item.assetType.flatMap(AssetType.init(rawValue:)) ?? .stock,
                    quantity: try Self.decimal(item.quantity, "quantity", index),
                    averagePrice: try Self.decimal(item.averagePrice, "average_price", index),
                    lastPrice: try item.lastPrice.map { try Self.decimal($0, "last_price", index) }, currency: item.currency, meta: raw?[index]
                )
            )
        }
        return HoldingsSnapshot(
            sourceSnapshotID: "sandbox-\(Int64(asOf.timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))", asOf: asOf,
            holdings: holdings)
    }

    public func transactions(_ credentials: BrokerCredentials, since cursor: String?) async throws -> TransactionsBatch {
        let response = try await http.get(
            "/sandbox/v1/transactions", query: cursor.map { [("since", $0)] } ?? [], headers: try headers(credentials), credentials: credentials
        )
        let body = try http.decode(TransactionsBody.self, from: response, what: "transactions")
        let raw = BrokerJSON.rawItems(response.body, path: "transactions")
        var transactions: [BrokerTransaction] = []
        for (index, item) in body.transactions.enumerated() {
            guard let time = BrokerTime.parseISO8601(item.executedAt) else {
                throw BrokerError.permanent(
                    "SANDBOX sent transaction \(item.id.prefix(40)) with executed_at '\(item.executedAt.prefix(30))', not an ISO 8601 time in \(TimeBounds.years)"
                )
            }
            transactions.append(
                BrokerTransaction(
                    externalID: item.id, kind: TransactionKind(rawValue: item.type) ?? .other, symbol: item.symbol, exchange: item.exchange,
                    isin: item.isin,
                    quantity: try item.quantity.map { try Self.decimal($0, "quantity", index) },
                    price: try item.price.map { try Self.decimal($0, "price", index) },
                    amount: try item.amount.map { try Self.decimal($0, "amount", index) }, currency: item.currency, occurredAt: time,
                    meta: raw?[index]
                )
            )
        }
        return TransactionsBatch(transactions: transactions, cursor: body.nextCursor ?? cursor)
    }

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        let response = try await http.get("/sandbox/v1/profile", headers: try headers(credentials), credentials: credentials)
        let profile = try http.decode(Profile.self, from: response, what: "the profile")
        return BrokerProfile(userID: profile.account, name: profile.name, email: nil)
    }

    static func decimal(_ text: String, _ field: String, _ index: Int) throws -> Decimal {
        switch BrokerNumber.decimal(text) {
        case .success(let value): return value
        case .failure(let problem): throw BrokerError.permanent("SANDBOX sent \(field) '\(text.prefix(20))' in item \(index), which \(problem)")
        }
    }
}
