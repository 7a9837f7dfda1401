import Brokers
import Contracts
import CurlClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

/// The Upstox adapter against fixtures written from Upstox's documented examples (`Fixtures/upstox/README.md`).
@Suite("Upstox (API v2) against our documented fixtures")
struct UpstoxAdapterTests {
    let credentials = BrokerCredentials([
        "access_token": "up-token", "client_id": "app-1", "client_secret": "app-secret", "redirect_uri": "https://example.com/cb?x=1",
    ])

    /// 2026-12-03 11:30 IST (06:00 UTC).
    static let now = Date(timeIntervalSince1970: 1_796_277_600)

    static func upstox(_ name: String) throws -> String { try FixtureBroker.fixture("upstox/\(name)") }

    func adapter(_ port: Int, _ http: HTTPClient) -> UpstoxAdapter {
        UpstoxAdapter(
            environment: BrokerEnvironment(baseURL: "http://127.0.0.1:\(port)", http: http, timeout: .seconds(15), now: { Self.now }))
    }

    @Test("held = quantity (the total), split into T+1, collateral and the free rest; a wholly pledged holding stays")
    func holdings() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/portfolio/long-term-holdings", .init(body: try Self.upstox("holdings.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let snapshot = try await adapter(client.port!, http).holdings(credentials)
            #expect(snapshot.holdings.map(\.symbol) == ["YESBANK", "INFY", "RELINFRA"], "a zero total is not held")
            let infy = snapshot.holdings[1]
            #expect(infy.quantity == 40, "t1_quantity is inside quantity, not added to it")
            #expect(infy.split == HeldQuantity(free: 18, unsettled: 10, pledged: 12))
            #expect(infy.costValue == Decimal(string: "60010")! && infy.lastPrice == Decimal(string: "1520.5")!)
            #expect(snapshot.holdings[2].quantity == 6 && snapshot.holdings[2].split == HeldQuantity(free: 0, unsettled: 0, pledged: 6))
            #expect(snapshot.holdings[0].split == HeldQuantity(free: 36, unsettled: 0, pledged: 0) && snapshot.notes.isEmpty)
            let headers = broker.seen.withLock { $0.first?.2 } ?? [:]
            #expect(headers["Authorization"] == "Bearer up-token" && headers["Api-Version"] == "2.0")
        }
    }

    @Test("T+1 and collateral over the total: the total is kept, the split dropped, and a note says so")
    func inconsistent() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/portfolio/long-term-holdings", .init(body: try Self.upstox("holdings_inconsistent.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let snapshot = try await adapter(client.port!, http).holdings(credentials)
            #expect(snapshot.holdings.first?.quantity == 5 && snapshot.holdings.first?.split == nil)
            #expect(snapshot.notes.map(\.kind) == [.quantityMismatch] && snapshot.notes.first?.computed == 7)
        }
    }

    @Test("positions: open ones only, the multiplier kept, a null average_price read from buy_price, shorts signed")
    func positions() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/portfolio/short-term-positions", .init(body: try Self.upstox("positions.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let positions = try await adapter(client.port!, http).positions(credentials).holdings
            #expect(positions.map(\.symbol) == ["BANKNIFTY23OCT38000PE", "FCONSUMER", "CRUDEOIL26JANFUT"])
            #expect(positions[0].assetType == .option && positions[0].quantity == 15 && positions[0].multiplier == 1)
            #expect(positions[1].averagePrice == Decimal(string: "0.8")! && positions[1].assetType == .stock)
            let crude = positions[2]
            #expect(crude.quantity == -2 && crude.multiplier == 100 && crude.assetType == .future && crude.exchange == "MCX")
            #expect(crude.costValue == Decimal(string: "-1224100")!)
            #expect(broker.seen.withLock { $0.first?.1 } == "/v2/portfolio/short-term-positions")
        }
    }

    @Test("transactions: three financial years of history, every page, then today's trades once each; the cursor narrows later syncs")
    func transactions() async throws {
        let broker = FixtureBroker()
        broker.on(
            "/v2/charges/historical-trades", .init(body: try Self.upstox("historical_trades_page1.json")),
            .init(body: try Self.upstox("historical_trades_page2.json")))
        broker.on("/v2/order/trades/get-trades-for-day", .init(body: try Self.upstox("trades_for_day.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let upstox = adapter(client.port!, http)
            let batch = try await upstox.transactions(credentials, since: nil)
            #expect(batch.cursor == "2026-12-03")
            let ids = batch.transactions.map(\.externalID)
            #expect(ids == ["NSE:75217259", "NSE:75217260", "NFO:91000001", "NSE:50091502"], "a trade in both lists is stored once")
            let first = batch.transactions[0]
            #expect(first.kind == .buy && first.symbol == "RELIANCE" && first.isin == "INE002A01018" && first.quantity == 1)
            #expect(first.amount == Decimal(string: "2252.35")! && first.occurredAt == ISO8601.parse("2023-03-27T18:30:00Z")!)
            #expect(batch.transactions[1].kind == .sell && batch.transactions[1].amount == Decimal(string: "15012.5")!)
            let today = batch.transactions[3]
            #expect(today.occurredAt == ISO8601.parse("2017-08-03T09:33:42Z")! && today.amount == Decimal(string: "299.4")!)
            let queries = broker.seen.withLock { $0.map(\.1) }
            #expect(
                queries.prefix(2) == [
                    "/v2/charges/historical-trades?start_date=2024-04-01&end_date=2026-12-03&page_number=1&page_size=100",
                    "/v2/charges/historical-trades?start_date=2024-04-01&end_date=2026-12-03&page_number=2&page_size=100",
                ])

            broker.seen.withLock { $0.removeAll() }
            _ = try await upstox.transactions(credentials, since: "2026-11-20")
            #expect(broker.seen.withLock { $0.first?.1 }?.hasPrefix("/v2/charges/historical-trades?start_date=2026-11-13&") == true)
            broker.seen.withLock { $0.removeAll() }
            _ = try await upstox.transactions(credentials, since: "2019-01-01")
            #expect(broker.seen.withLock { $0.first?.1 }?.hasPrefix("/v2/charges/historical-trades?start_date=2024-04-01&") == true)
        }
    }

    @Test("a trade dated outside the calendar or not a buy or sell is the broker's error, with the trade named")
    func badTrades() async throws {
        let broker = FixtureBroker()
        let page = try Self.upstox("historical_trades_page2.json").replacingOccurrences(of: "2025-10-17", with: "0000-10-17")
        broker.on("/v2/charges/historical-trades", .init(body: page))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            await #expect { try await adapter(client.port!, http).transactions(credentials, since: nil) } throws: { error in
                (error as? BrokerError)?.kind == .permanent && (error as? BrokerError)?.message.contains("91000001") == true
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let status: HTTPResponse.Status
        let file: String
        let kind: FailureKind
        var testDescription: String { name }
    }

    @Test(
        "UDAPI100050 is log in again, 429 UDAPI10005 is rate-limited, 400 permanent, 500 transient",
        arguments: [
            Case(name: "401 UDAPI100050", status: .unauthorized, file: "error_token_401.json", kind: .auth),
            Case(name: "429 UDAPI10005", status: .tooManyRequests, file: "error_rate_429.json", kind: .rateLimited),
            Case(name: "400 UDAPI1026", status: .badRequest, file: "error_input_400.json", kind: .permanent),
            Case(name: "500 UDAPI100500", status: .internalServerError, file: "error_internal_500.json", kind: .transient),
        ])
    func errors(_ testCase: Case) async throws {
        let broker = FixtureBroker()
        broker.on("/v2/portfolio/long-term-holdings", .init(status: testCase.status, body: try Self.upstox(testCase.file)))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            await #expect { try await adapter(client.port!, http).holdings(credentials) } throws: { error in
                guard let error = error as? BrokerError else { return false }
                return error.kind == testCase.kind && (error.kind == .rateLimited || error.message.contains("(UDAPI"))
            }
        }
    }

    @Test("the login: the Authorize dialog's URL, then the code exchanged for a token that records the user")
    func login() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/login/authorization/token", .init(body: try Self.upstox("token.json")))
        broker.on("/v2/user/profile", .init(body: try Self.upstox("profile.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let upstox = adapter(client.port!, http)
            let url = try upstox.loginURL(credentials, state: "s 1")
            #expect(
                url
                    == "http://127.0.0.1:\(client.port!)/v2/login/authorization/dialog?response_type=code&client_id=app-1&redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1&state=s%201"
            )
            let fields = try await upstox.completeLogin(credentials, code: "mk404x")
            #expect(fields["access_token"] == "eyJ0eXAiOiJKV1QiLCJrZXlfaWQiOiJza192MS4wIn0.new" && fields["user_id"] == "7A1B2C")
            #expect(fields["client_secret"] == "app-secret" && fields["redirect_uri"] == "https://example.com/cb?x=1")
            let (method, path, headers) = try #require(broker.seen.withLock { $0.first })
            #expect(method == "POST" && path == "/v2/login/authorization/token")
            #expect(headers["Content-Type"] == "application/x-www-form-urlencoded" && headers["Authorization"] == nil)
            #expect(try await upstox.verify(credentials).userID == "123456")
        }
    }

    @Test("a token ends at the next 03:30 IST: one made at 02:30 IST ends the same morning")
    func expiry() {
        let fields = ["access_token": "t"]
        // 20:00 IST on 3 December ends at 03:30 IST on 4 December (22:00 UTC on the 3rd).
        let evening = ISO8601.parse("2026-12-03T14:30:00Z")!
        #expect(UpstoxAdapter.loginExpiry(of: fields, issuedAt: evening) == ISO8601.parse("2026-12-03T22:00:00Z")!)
        // 02:30 IST on 4 December (21:00 UTC on the 3rd) ends an hour later.
        #expect(UpstoxAdapter.loginExpiry(of: fields, issuedAt: ISO8601.parse("2026-12-03T21:00:00Z")!) == ISO8601.parse("2026-12-03T22:00:00Z")!)
        // At 03:30 IST exactly the next one is a day away.
        #expect(UpstoxAdapter.loginExpiry(of: fields, issuedAt: ISO8601.parse("2026-12-03T22:00:00Z")!) == ISO8601.parse("2026-12-04T22:00:00Z")!)
        #expect(UpstoxAdapter.loginExpiry(of: ["client_id": "app"], issuedAt: evening) == nil)
    }

    @Test("Upstox's description: per-user windows on user_id, the code login, holdings, positions and transactions")
    func registration() throws {
        let description = try #require(BrokerRegistry.description(for: "UPSTOX"))
        #expect(description.rateLimit.text == "50/s,500/m,2000/30m" && description.rateLimit.scope == .user)
        #expect(description.rateLimit.userField == "user_id" && description.login?.redirectParameter == "code")
        #expect(description.capabilities == [.holdings, .positions, .transactions, .login, .scheduledSync])
    }
}
