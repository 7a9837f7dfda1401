import Brokers
import Contracts
import CurlClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Broker bodies are decoded without key conversion: each wire type's `CodingKeys` spell the broker's own keys
/// (`t1_quantity`, `avg_entry_price`). A misspelled key of an optional field fails nothing: the field decodes as `nil`
/// and the holding is stored with no T+1 part, no last price, a cost made up from the average. So every holdings fixture
/// goes through its adapter, and each field we read is checked against the broker's own item (the holding's `meta`,
/// sliced from the body without decoding) by the key the broker sends.
@Suite("Exact keys: every snake_case field we read reaches the holding")
struct ExactKeysTests {
    func environment(_ port: Int, _ http: HTTPClient, options: [String: String] = [:]) -> BrokerEnvironment {
        BrokerEnvironment(baseURL: "http://127.0.0.1:\(port)", http: http, timeout: .seconds(15), options: options)
    }

    /// The broker's item behind `holding`.
    static func item(_ holding: Holding) throws -> JSONValue {
        try #require(holding.meta, "\(holding.symbol) has no meta").parsed()
    }

    /// The number at `key` of `item`: a JSON number, or a decimal string (Alpaca).
    static func number(_ item: JSONValue?, _ key: String) throws -> Decimal {
        switch item?[key] {
        case .number(let value): return value
        case .string(let text): return try #require(Decimal(string: text), "\(key) '\(text)' is no decimal")
        default: throw FixtureProblem("the fixture item has no number at \(key)")
        }
    }

    struct FixtureProblem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test("Kite: quantity, t1_quantity and collateral_quantity make the split; average_price, last_price, isin, mtf, pnl land")
    func kite() async throws {
        let broker = FixtureBroker()
        broker.on("/portfolio/holdings", .init(body: try FixtureBroker.fixture("kite/holdings.json")))
        broker.on("/mf/holdings", .init(body: try FixtureBroker.fixture("kite/mf_holdings.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let credentials = BrokerCredentials(["api_key": "k", "access_token": "t"])
            let snapshot = try await ZerodhaAdapter(environment: environment(client.port!, http)).holdings(credentials)
            let equities = snapshot.holdings.filter { $0.assetType == .stock && $0.lot == nil }
            let margin = snapshot.holdings.filter { $0.lot == .mtf }
            let funds = snapshot.holdings.filter { $0.assetType == .mutualFund }
            #expect(equities.count == 5 && margin.count == 1 && funds.count == 2)
            for holding in equities {
                let item = try Self.item(holding)
                let split = try #require(holding.split)
                #expect(try split.free == Self.number(item, "quantity"), "\(holding.symbol)")
                #expect(try split.unsettled == Self.number(item, "t1_quantity"), "\(holding.symbol)")
                #expect(try split.pledged == Self.number(item, "collateral_quantity"), "\(holding.symbol)")
                #expect(try holding.averagePrice == Self.number(item, "average_price"), "\(holding.symbol)")
                #expect(try holding.lastPrice == Self.number(item, "last_price"), "\(holding.symbol)")
                #expect(holding.isin != nil && holding.isin == item["isin"]?.stringValue, "\(holding.symbol)")
            }
            #expect(equities.contains { $0.split?.unsettled == 5 } && equities.contains { $0.split?.pledged == 30 })
            for holding in margin {
                let lot = try Self.item(holding)["mtf"]
                #expect(try holding.quantity == Self.number(lot, "quantity") && holding.quantity == 1000)
                #expect(try holding.averagePrice == Self.number(lot, "average_price") && holding.averagePrice == 100)
            }
            for holding in funds {
                let item = try Self.item(holding)
                #expect(try holding.averagePrice == Self.number(item, "average_price"), "\(holding.symbol)")
                #expect(try holding.lastPrice == Self.number(item, "last_price"), "\(holding.symbol)")
            }
        }
        // `pnl` lands: Kite's figure is what the note reports when it disagrees with ours.
        let mismatch = FixtureBroker()
        mismatch.on("/portfolio/holdings", .init(body: try FixtureBroker.fixture("kite/holdings_pnl_mismatch.json")))
        try await mismatch.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let credentials = BrokerCredentials(["api_key": "k", "access_token": "t"])
            let adapter = ZerodhaAdapter(environment: environment(client.port!, http, options: ["MUTUAL_FUNDS": "false"]))
            let snapshot = try await adapter.holdings(credentials)
            let note = try #require(snapshot.notes.first)
            let tcs = try #require(snapshot.holdings.first { $0.symbol == note.symbol })
            #expect(try note.reported == Self.number(Self.item(tcs), "pnl") && note.reported == 400)
        }
    }

    @Test("Alpaca: avg_entry_price, current_price, cost_basis, market_value and asset_class land as Alpaca sent them")
    func alpaca() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/positions", .init(body: try FixtureBroker.fixture("alpaca/positions.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let credentials = BrokerCredentials(["key_id": "AK", "secret_key": "SK"])
            let holdings = try await AlpacaAdapter(environment: environment(client.port!, http)).holdings(credentials).holdings
            #expect(holdings.count == 3)
            for holding in holdings {
                let item = try Self.item(holding)
                #expect(try holding.averagePrice == Self.number(item, "avg_entry_price"), "\(holding.symbol)")
                #expect(try holding.lastPrice == Self.number(item, "current_price"), "\(holding.symbol)")
                // Not quantity × price: BTC/USD's cost_basis (122.71) and market_value (123.158) are Alpaca's own figures.
                #expect(try holding.costValue == Self.number(item, "cost_basis"), "\(holding.symbol)")
                #expect(try holding.marketValue == Self.number(item, "market_value"), "\(holding.symbol)")
            }
            let bitcoin = try #require(holdings.first { $0.symbol == "BTC/USD" })
            #expect(bitcoin.assetType == .crypto && bitcoin.costValue == Decimal(string: "122.71")!)
            #expect(bitcoin.marketValue == Decimal(string: "123.158")!)
        }
    }

    @Test("Upstox: t1_quantity and collateral_quantity split the total; average_price, last_price, trading_symbol land")
    func upstox() async throws {
        let fixture = try FixtureBroker.fixture("upstox/holdings.json")
        // Upstox sends both `tradingsymbol` and `trading_symbol`; the second alone must do.
        let snakeSymbolOnly = fixture.replacingOccurrences(of: #""tradingsymbol":"#, with: #""renamed_symbol":"#)
        #expect(snakeSymbolOnly != fixture && !snakeSymbolOnly.contains(#""tradingsymbol""#))
        for body in [fixture, snakeSymbolOnly] {
            let broker = FixtureBroker()
            broker.on("/v2/portfolio/long-term-holdings", .init(body: body))
            try await broker.application().test(.live) { client in
                let http = HTTPClient()
                defer { http.shutdown() }
                let credentials = BrokerCredentials(["access_token": "up-token"])
                let holdings = try await UpstoxAdapter(environment: environment(client.port!, http)).holdings(credentials).holdings
                #expect(holdings.map(\.symbol) == ["YESBANK", "INFY", "RELINFRA"])
                for holding in holdings {
                    let item = try Self.item(holding)
                    let split = try #require(holding.split)
                    #expect(holding.symbol == item["trading_symbol"]?.stringValue)
                    #expect(try holding.quantity == Self.number(item, "quantity"), "\(holding.symbol)")
                    #expect(try split.unsettled == Self.number(item, "t1_quantity"), "\(holding.symbol)")
                    #expect(try split.pledged == Self.number(item, "collateral_quantity"), "\(holding.symbol)")
                    #expect(try holding.averagePrice == Self.number(item, "average_price"), "\(holding.symbol)")
                    #expect(try holding.lastPrice == Self.number(item, "last_price"), "\(holding.symbol)")
                }
                #expect(holdings[1].split == HeldQuantity(free: 18, unsettled: 10, pledged: 12))
            }
        }
    }

    @Test("Upstox errors: the code is read from error_code as well as errorCode")
    func upstoxErrorCode() async throws {
        for key in ["error_code", "errorCode"] {
            let broker = FixtureBroker()
            broker.on(
                "/v2/user/profile",
                .init(
                    status: .badRequest,
                    body: #"{"status":"error","errors":[{"\#(key)":"UDAPI100050","message":"Invalid token used to access API"}]}"#))
            try await broker.application().test(.live) { client in
                let http = HTTPClient()
                defer { http.shutdown() }
                let upstox = UpstoxAdapter(environment: environment(client.port!, http))
                await #expect {
                    try await upstox.verify(BrokerCredentials(["access_token": "up-token"]))
                } throws: { error in
                    (error as? BrokerError)?.kind == .auth
                        && (error as? BrokerError)?.message == "UPSTOX refused the credentials: Invalid token used to access API (UDAPI100050)"
                }
            }
        }
    }
}
