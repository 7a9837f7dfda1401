import Brokers
import Contracts
import CurlClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

/// Every adapter against bodies no broker should send: each ends in a permanent `BrokerError`
/// naming what was wrong, never a trap, a NaN or a year-0 `Date`.
@Suite("Adapters against hostile bodies")
struct HostileAdapterTests {
    static let tiny = "0." + String(repeating: "0", count: 69) + "1"
    static let digits5000 = "1." + String(repeating: "7", count: 4999)
    static let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let broker: String
        let path: String
        let body: String
        let message: String
        var action: JobAction = .holdings
        var testDescription: String { name }
    }

    static func kite(_ quantity: String, _ price: String) -> String {
        #"{"status":"success","data":[{"tradingsymbol":"HOSTILE","exchange":"NSE","isin":"INE000A01000","quantity":\#(quantity),"t1_quantity":0,"average_price":\#(price),"last_price":\#(price)}]}"#
    }

    static func alpaca(_ quantity: String, _ price: String) -> String {
        #"[{"symbol":"HOSTILE","exchange":"NASDAQ","asset_class":"us_equity","qty":"\#(quantity)","avg_entry_price":"\#(price)","current_price":"\#(price)"}]"#
    }

    static func upstox(_ quantity: String, _ price: String) -> String {
        #"{"status":"success","data":[{"isin":"INE000A01000","exchange":"NSE","tradingsymbol":"HOSTILE","quantity":\#(quantity),"t1_quantity":0,"average_price":\#(price),"last_price":\#(price)}]}"#
    }

    static func sandbox(_ quantity: String, _ price: String, asOf: String = "2026-11-24T10:00:00Z") -> String {
        #"{"account":"a","as_of":"\#(asOf)","holdings":[{"symbol":"HOSTILE","exchange":"NSE","asset_type":"stock","quantity":"\#(quantity)","average_price":"\#(price)","last_price":"\#(price)","currency":"INR"}]}"#
    }

    static let cases: [Case] = [
        Case(
            name: "Kite: 1e-70 × 1e-70 (a product that traps Foundation)", broker: "ZERODHA", path: "/portfolio/holdings",
            body: kite("1e-70", "1e-70"),
            message: "ZERODHA answered holdings with a number at data[0].quantity that is out of range (a digit finer than 10^-30)"),
        Case(
            name: "Kite: 1e400", broker: "ZERODHA", path: "/portfolio/holdings", body: kite("1e400", "1"),
            message: "ZERODHA answered holdings with a number at data[0].quantity that is out of range (10^30 or more)"),
        Case(
            name: "Kite: huge and negative", broker: "ZERODHA", path: "/portfolio/holdings",
            body: kite("-" + String(repeating: "9", count: 38), "1e127"),
            message: "ZERODHA answered holdings with a number at data[0].quantity that is out of range (10^30 or more)"),
        Case(
            name: "Kite: a 5,000-digit decimal", broker: "ZERODHA", path: "/portfolio/holdings", body: kite("1", digits5000),
            message: "ZERODHA answered holdings with a number at data[0].average_price that has 5000 digits, more than 64"),
        Case(
            name: "Kite: 100,000-deep JSON", broker: "ZERODHA", path: "/portfolio/holdings", body: #"{"status":"success","data":\#(deep)}"#,
            message: "ZERODHA answered holdings with JSON nested deeper than 64 levels (at data[0][0][0][0][0][0][0]…)"),
        Case(
            name: "Kite: a trade in year 0000", broker: "ZERODHA", path: "/trades",
            body:
                #"{"status":"success","data":[{"trade_id":"T1","exchange":"NSE","tradingsymbol":"HOSTILE","transaction_type":"BUY","quantity":1,"average_price":1,"fill_timestamp":"0000-01-01 00:00:00","exchange_timestamp":"0000-01-01 00:00:00"}]}"#,
            message: "ZERODHA sent trade T1 with timestamp '0000-01-01 00:00:00', not an IST time in 1900-2200", action: .transactions),
        Case(
            name: "Alpaca: 1e-70 × 1e-70 as plain text", broker: "ALPACA", path: "/v2/positions", body: alpaca(tiny, tiny),
            message: "ALPACA sent qty '0.000000000000000000' for HOSTILE, which has 71 digits, more than 64"),
        Case(
            name: "Alpaca: huge and negative", broker: "ALPACA", path: "/v2/positions",
            body: alpaca("-" + String(repeating: "9", count: 38), "1"),
            message: "ALPACA sent qty '-9999999999999999999' for HOSTILE, which is out of range (10^30 or more)"),
        Case(
            name: "Alpaca: 1e400 in a string", broker: "ALPACA", path: "/v2/positions", body: alpaca("1e400", "1"),
            message: "ALPACA sent qty '1e400' for HOSTILE, which is out of range (10^30 or more)"),
        Case(
            name: "Alpaca: an activity in year 0000", broker: "ALPACA", path: "/v2/account/activities",
            body: #"[{"id":"A1","activity_type":"FILL","transaction_time":"0000-01-01T00:00:00Z","symbol":"X","side":"buy","qty":"1","price":"1"}]"#,
            message: "ALPACA sent activity A1 without a valid time ('0000-01-01T00:00:00Z'); times must be ISO 8601 in 1900...2200",
            action: .transactions),
        Case(
            name: "Upstox: 5,000-digit quantity", broker: "UPSTOX", path: "/v2/portfolio/long-term-holdings", body: upstox(digits5000, "1"),
            message: "UPSTOX answered holdings with a number at data[0].quantity that has 5000 digits, more than 64"),
        Case(
            name: "Upstox: 100,000-deep JSON", broker: "UPSTOX", path: "/v2/portfolio/long-term-holdings",
            body: #"{"status":"success","data":\#(deep)}"#,
            message: "UPSTOX answered holdings with JSON nested deeper than 64 levels (at data[0][0][0][0][0][0][0]…)"),
        Case(
            name: "Sandbox: tiny × tiny", broker: "SANDBOX", path: "/sandbox/v1/holdings", body: sandbox("1e-70", "1"),
            message: "SANDBOX sent quantity '1e-70' in item 0, which is out of range (a digit finer than 10^-30)"),
        Case(
            name: "Sandbox: as_of in year 0000", broker: "SANDBOX", path: "/sandbox/v1/holdings",
            body: sandbox("1", "1", asOf: "0000-01-01T00:00:00Z"),
            message: "SANDBOX sent as_of '0000-01-01T00:00:00Z', not an ISO 8601 time in 1900...2200"),
    ]

    static func adapter(_ broker: String, _ environment: BrokerEnvironment) -> any BrokerAdapter {
        var environment = environment
        environment.options = ["MUTUAL_FUNDS": "false"]
        return BrokerRegistry.adapter(for: broker, environment: environment)!
    }

    static let credentials = BrokerCredentials(["api_key": "k", "access_token": "t", "key_id": "k", "secret_key": "s", "token": "t"])

    @Test("each ends in a permanent error naming the field", arguments: cases)
    func hostileBody(_ testCase: Case) async throws {
        let broker = FixtureBroker()
        broker.on(testCase.path, .init(body: testCase.body))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let adapter = Self.adapter(
                testCase.broker, BrokerEnvironment(baseURL: "http://127.0.0.1:\(client.port!)", http: http, timeout: .seconds(5)))
            await #expect {
                _ = try await adapter.fetch(testCase.action, Self.credentials, cursor: nil)
            } throws: { error in
                let error = error as? BrokerError
                #expect(error?.message == testCase.message)
                return error?.kind == .permanent
            }
        }
    }

    @Test("bodies over the cap, absurd Retry-After, unreadable error bodies and CR/LF in a credential")
    func transport() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/positions", .init(body: Self.alpaca("1", "1") + String(repeating: " ", count: 8 << 10)))
        broker.on(
            "/portfolio/holdings", .init(status: .tooManyRequests, body: "{}", headers: [("Retry-After", "9300000000000000")]),
            .init(
                status: .forbidden,
                body:
                    #"{"status":"error","error_type":"TokenException","x":\#(String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000))}"#
            ))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            var environment = BrokerEnvironment(baseURL: "http://127.0.0.1:\(client.port!)", http: http, timeout: .seconds(5))
            environment.maximumResponseSize = 4 << 10
            await #expect { try await Self.adapter("ALPACA", environment).holdings(Self.credentials) } throws: { error in
                (error as? BrokerError)?.message == "ALPACA's response is larger than the 4096 bytes we accept"
            }
            let kite = Self.adapter("ZERODHA", environment)
            await #expect { try await kite.holdings(Self.credentials) } throws: { error in
                let error = error as? BrokerError
                return error?.kind == .rateLimited && error?.retryAfter == .seconds(15 * 60)
            }
            await #expect { try await kite.holdings(Self.credentials) } throws: { error in
                (error as? BrokerError)?.message == "HTTP 403 from ZERODHA: no error message"
            }
            let seen = broker.seen.withLock { $0.count }
            let poisoned = BrokerCredentials(["api_key": "k", "access_token": "t\r\nX-Injected: 1"])
            await #expect { try await kite.holdings(poisoned) } throws: { error in
                let error = error as? BrokerError
                return error?.kind == .permanent
                    && error?.message == "the request to ZERODHA could not be made: header 'Authorization' has a CR, LF or NUL in its value"
            }
            #expect(broker.seen.withLock { $0.count } == seen)
        }
    }

    @Test("a statement with numbers out of range names the line and why")
    func statement() {
        #expect(throws: StatementImport.Problems.self) {
            try StatementImport.holdings(from: "symbol,quantity,average_price,currency\nX,\(Self.tiny),\(Self.tiny),USD\n")
        }
        do {
            _ = try StatementImport.holdings(from: "symbol,quantity,average_price,currency\nX,1e-70,1,USD\nY,2,\(Self.digits5000),USD\n")
        } catch let problems as StatementImport.Problems {
            #expect(
                problems.lines == [
                    "line 2: quantity must be a decimal number such as 1234.50, got '1e-70' (it is out of range (a digit finer than 10^-30))",
                    "line 3: average_price must be a decimal number such as 1234.50, got '1.7777777777777777777777777777' (it has 5000 digits, more than 64)",
                ])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
