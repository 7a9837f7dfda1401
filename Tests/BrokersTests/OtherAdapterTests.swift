import Brokers
import Contracts
import CurlClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Alpaca, Upstox, Sandbox and Vested statements")
struct OtherAdapterTests {
    func environment(_ port: Int, _ http: HTTPClient) -> BrokerEnvironment {
        BrokerEnvironment(baseURL: "http://127.0.0.1:\(port)", http: http, timeout: .seconds(2))
    }

    @Test("Alpaca: string decimals, pages of activities, 401 is auth")
    func alpaca() async throws {
        let broker = FixtureBroker()
        broker.on(
            "/v2/positions",
            .init(
                body:
                    #"[{"asset_id":"a1","symbol":"AAPL","exchange":"NASDAQ","asset_class":"us_equity","qty":"2.5","avg_entry_price":"150.123456789","current_price":"171.2","cost_basis":"375.3086419725","market_value":"428","side":"long","extra":{"x":1}}]"#
            )
        )
        let firstPage = (0..<100).map {
            #"{"id":"2026010100000000\#($0)::x","activity_type":"FILL","transaction_time":"2026-01-01T14:30:0\#($0 % 10)Z","symbol":"AAPL","side":"buy","qty":"1","price":"170.5"}"#
        }
        broker.on(
            "/v2/account/activities",
            .init(body: "[" + firstPage.joined(separator: ",") + "]"),
            .init(body: #"[{"id":"div-1","activity_type":"DIV","date":"2026-01-02","symbol":"AAPL","net_amount":"0.24"}]"#)
        )
        broker.on("/v2/account", .init(status: .unauthorized, body: #"{"code":40110000,"message":"request is not authorized"}"#))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let alpaca = AlpacaAdapter(environment: environment(client.port!, http))
            let credentials = BrokerCredentials(["key_id": "AK", "secret_key": "SK"])
            let holdings = try await alpaca.holdings(credentials).holdings
            #expect(
                holdings.count == 1 && holdings[0].quantity == Decimal(string: "2.5")!
                    && holdings[0].averagePrice == Decimal(string: "150.123456789")!)
            #expect(holdings[0].costValue == Decimal(string: "375.3086419725")! && holdings[0].currency == "USD")
            let batch = try await alpaca.transactions(credentials, since: "2025-12-31T00:00:00Z")
            #expect(batch.transactions.count == 101)
            #expect(batch.transactions.last?.kind == .dividend && batch.transactions.last?.amount == Decimal(string: "0.24")!)
            let pages = broker.seen.withLock { $0.filter { $0.1.hasPrefix("/v2/account/activities") }.map(\.1) }
            #expect(pages.count == 2 && pages[1].contains("page_token=") && pages[0].contains("after=2025-12-31T00%3A00%3A00Z"))
            let headers = broker.seen.withLock { $0.first?.2 } ?? [:]
            #expect(headers["APCA-API-KEY-ID"] == "AK" && headers["APCA-API-SECRET-KEY"] == "SK")
            await #expect { try await alpaca.verify(credentials) } throws: { ($0 as? BrokerError)?.kind == .auth }
        }
    }

    @Test("Upstox: long-term holdings with a Bearer token; UDAPI100050 is auth")
    func upstox() async throws {
        let broker = FixtureBroker()
        broker.on(
            "/v2/portfolio/long-term-holdings",
            .init(
                body:
                    #"{"status":"success","data":[{"isin":"INE528G01035","company_name":"YES BANK","exchange":"NSE","tradingsymbol":"YESBANK","trading_symbol":"YESBANK","instrument_token":"NSE_EQ|INE528G01035","product":"D","quantity":36,"t1_quantity":0,"average_price":18.77,"last_price":17.05}]}"#
            )
        )
        broker.on(
            "/v2/user/profile",
            .init(
                status: .unauthorized,
                body: #"{"status":"error","errors":[{"errorCode":"UDAPI100050","message":"Invalid token used to access API"}]}"#))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let upstox = UpstoxAdapter(environment: environment(client.port!, http))
            let credentials = BrokerCredentials(["access_token": "up-token"])
            let holdings = try await upstox.holdings(credentials).holdings
            #expect(holdings.map(\.symbol) == ["YESBANK"] && holdings[0].averagePrice == Decimal(string: "18.77")!)
            #expect(broker.seen.withLock { $0.first?.2["Authorization"] } == "Bearer up-token")
            await #expect { try await upstox.verify(credentials) } throws: { error in
                (error as? BrokerError)?.kind == .auth && (error as? BrokerError)?.message.contains("UDAPI100050") == true
            }
        }
    }

    @Test("Sandbox: holdings and transactions by cursor")
    func sandbox() async throws {
        let broker = FixtureBroker()
        broker.on(
            "/sandbox/v1/holdings",
            .init(
                body:
                    #"{"account":"acc-1","as_of":"2026-11-24T10:00:00Z","holdings":[{"symbol":"TCS","exchange":"NSE","isin":"INE467B01029","asset_type":"stock","quantity":"10","average_price":"3324.01","last_price":"3585.6","currency":"INR"}]}"#
            )
        )
        broker.on(
            "/sandbox/v1/transactions",
            .init(
                body:
                    #"{"transactions":[{"id":"t1","type":"buy","symbol":"TCS","quantity":"2","price":"3500","amount":"7000","currency":"INR","executed_at":"2026-11-24T05:00:00Z"}],"next_cursor":"day-1"}"#
            )
        )
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let sandbox = SandboxAdapter(environment: environment(client.port!, http))
            let credentials = BrokerCredentials(["token": "sb"])
            let snapshot = try await sandbox.holdings(credentials)
            #expect(ISO8601.format(snapshot.asOf) == "2026-11-24T10:00:00.000Z")
            #expect(snapshot.holdings[0].costValue == Decimal(string: "33240.1")!)
            let batch = try await sandbox.transactions(credentials, since: "day-0")
            #expect(batch.cursor == "day-1" && batch.transactions[0].amount == 7000)
            #expect(broker.seen.withLock { $0.last?.1 } == "/sandbox/v1/transactions?since=day-0")
        }
    }

    @Test("a Vested statement is validated row by row with line numbers")
    func statements() throws {
        let good = """
            symbol,isin,quantity,average_price,last_price,currency,asset_type
            AAPL,US0378331005,2.5,150.10,171.20,usd,stock
            "BRK,B",,1,400,,USD,
            """
        let holdings = try StatementImport.holdings(from: good)
        #expect(holdings.map(\.symbol) == ["AAPL", "BRK,B"])
        #expect(holdings[0].currency == "USD" && holdings[0].quantity == Decimal(string: "2.5")! && holdings[1].lastPrice == nil)
        let bad = """
            symbol,quantity,average_price,currency
            AAPL,two,150,USD
            ,1,1,USD
            MSFT,1,1,DOLLARS
            TSLA,1
            """
        do {
            _ = try StatementImport.holdings(from: bad)
            Issue.record("expected problems")
        } catch let error as StatementImport.Problems {
            #expect(
                error.lines == [
                    "line 2: quantity must be a decimal number such as 1234.50, got 'two'",
                    "line 3: symbol is empty",
                    "line 4: currency must be a 3-letter code such as USD, got 'DOLLARS'",
                    "line 5: 2 fields, expected 4",
                ])
        }
        #expect(throws: StatementImport.Problems.self) { try StatementImport.holdings(from: "ticker,qty\nA,1") }
    }
}
