import Brokers
import Contracts
import CurlClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Upstox and Sandbox adapters")
struct OtherAdapterTests {
    func environment(_ port: Int, _ http: HTTPClient) -> BrokerEnvironment {
        BrokerEnvironment(baseURL: "http://127.0.0.1:\(port)", http: http, timeout: .seconds(15))
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
}
