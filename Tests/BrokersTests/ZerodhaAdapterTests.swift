import Brokers
import Contracts
import CurlClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Zerodha (Kite Connect v3) against the official mock responses")
struct ZerodhaAdapterTests {
    let credentials = BrokerCredentials(["api_key": "kitekey", "access_token": "kitetoken", "api_secret": "kitesecret"])

    func adapter(_ port: Int, _ http: HTTPClient, options: [String: String] = [:]) -> ZerodhaAdapter {
        ZerodhaAdapter(environment: BrokerEnvironment(baseURL: "http://127.0.0.1:\(port)", http: http, timeout: .seconds(2), options: options))
    }

    @Test("holdings and mutual funds are normalised exactly, with the raw item as meta and Kite's headers sent")
    func holdings() async throws {
        let broker = FixtureBroker()
        broker.on("/portfolio/holdings", .init(body: try FixtureBroker.kiteMock("holdings")))
        broker.on("/mf/holdings", .init(body: try FixtureBroker.kiteMock("mf_holdings")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let snapshot = try await adapter(client.port!, http).holdings(credentials)
            #expect(snapshot.holdings.count == 5)
            let sbin = try #require(snapshot.holdings.first { $0.symbol == "SBIN" })
            #expect(sbin.exchange == "BSE" && sbin.isin == "INE062A01020" && sbin.assetType == .stock && sbin.currency == "INR")
            #expect(sbin.quantity == 16 && sbin.averagePrice == Decimal(string: "801.78125")! && sbin.lastPrice == Decimal(string: "762.45")!)
            #expect(sbin.costValue == Decimal(string: "12828.5")! && sbin.marketValue == Decimal(string: "12199.2")!)
            let meta = try sbin.meta?.parsed() ?? .null
            #expect(meta["tradingsymbol"] == .string("SBIN") && meta["pnl"] == .number(Decimal(string: "-629.2999999999993")!))
            #expect(meta["authorised_date"] == .string("2025-01-17 00:00:00"))
            let fund = try #require(snapshot.holdings.first { $0.symbol == "INF205K01NT8" })
            #expect(fund.assetType == .mutualFund && fund.quantity == Decimal(string: "382.488")! && fund.isin == "INF205K01NT8")
            let headers = broker.seen.withLock { $0.first?.2 } ?? [:]
            #expect(headers["X-Kite-Version"] == "3")
            #expect(headers["Authorization"] == "token kitekey:kitetoken")
            let withoutFunds = try await adapter(client.port!, http, options: ["MUTUAL_FUNDS": "false"]).holdings(credentials)
            #expect(withoutFunds.holdings.count == 2)
        }
    }

    @Test("positions, today's trades (IST to UTC) and the profile")
    func positionsTradesProfile() async throws {
        let broker = FixtureBroker()
        broker.on("/portfolio/positions", .init(body: try FixtureBroker.kiteMock("positions")))
        broker.on("/trades", .init(body: try FixtureBroker.kiteMock("trades")))
        broker.on("/user/profile", .init(body: try FixtureBroker.kiteMock("profile")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let kite = adapter(client.port!, http)
            let positions = try await kite.positions(credentials)
            #expect(positions.holdings.map(\.symbol) == ["LEADMINI17DECFUT"])
            #expect(positions.holdings[0].assetType == .future && positions.holdings[0].averagePrice == Decimal(string: "161.05")!)
            let trades = try await kite.transactions(credentials, since: nil).transactions
            #expect(trades.count == 4)
            #expect(trades[0].externalID == "NSE:10000000" && trades[0].kind == .buy && trades[0].price == Decimal(string: "420.65")!)
            #expect(ISO8601.format(trades[0].occurredAt) == "2021-05-31T03:46:39.000Z")
            #expect(trades[1].price == Decimal(string: "72.755")!)
            let profile = try await kite.verify(credentials)
            #expect(profile.userID == "AB1234")
        }
    }

    @Test("the login exchanges a request token with the SHA-256 checksum")
    func login() async throws {
        let broker = FixtureBroker()
        broker.on("/session/token", .init(body: try FixtureBroker.kiteMock("generate_session")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let kite = adapter(client.port!, http)
            #expect(try await kite.createSession(credentials, requestToken: "reqtoken") == "XXXXXX")
            let (method, _, headers) = try #require(broker.seen.withLock { $0.first })
            #expect(method == "POST" && headers["Content-Type"] == "application/x-www-form-urlencoded")
            #expect(kite.loginURL(apiKey: "kitekey") == "https://kite.zerodha.com/connect/login?v=3&api_key=kitekey")
        }
    }
}

@Suite("Failure classification")
struct FailureClassificationTests {
    let credentials = BrokerCredentials(["api_key": "k", "access_token": "t"])

    static let nginx502 =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let reply: FixtureBroker.Reply
        let kind: FailureKind
        let message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "403 TokenException is auth",
            reply: .init(
                status: .forbidden, body: #"{"status":"error","message":"Incorrect `api_key` or `access_token`.","error_type":"TokenException"}"#),
            kind: .auth, message: "ZERODHA refused the credentials: Incorrect `api_key` or `access_token`. (TokenException)"),
        Case(
            name: "429 is rate-limited",
            reply: .init(
                status: .tooManyRequests, body: #"{"status":"error","message":"Too many requests","error_type":"GeneralException"}"#,
                headers: [("Retry-After", "2")]),
            kind: .rateLimited, message: "ZERODHA rate-limited the call (HTTP 429)"),
        Case(
            name: "502 nginx HTML is transient", reply: .init(status: .badGateway, body: nginx502, contentType: "text/html"),
            kind: .transient, message: "HTTP 502 from ZERODHA: an HTML error page"),
        Case(
            name: "503 NetworkException is transient",
            reply: .init(status: .serviceUnavailable, body: #"{"status":"error","message":"OMS down","error_type":"NetworkException"}"#),
            kind: .transient, message: "HTTP 503 from ZERODHA: OMS down (NetworkException)"),
        Case(
            name: "400 InputException is permanent",
            reply: .init(status: .badRequest, body: #"{"status":"error","message":"Bad input","error_type":"InputException"}"#),
            kind: .permanent, message: "HTTP 400 from ZERODHA: Bad input (InputException)"),
        Case(
            name: "403 PermissionException is permanent",
            reply: .init(status: .forbidden, body: #"{"status":"error","message":"No permission","error_type":"PermissionException"}"#),
            kind: .permanent, message: "HTTP 403 from ZERODHA: No permission (PermissionException)"),
        Case(
            name: "200 with an HTML page is permanent",
            reply: .init(body: "<!DOCTYPE html><html><body>Maintenance</body></html>", contentType: "text/html"),
            kind: .permanent, message: "ZERODHA answered holdings with an HTML page instead of JSON (HTTP 200)"),
        Case(
            name: "200 with the wrong shape is permanent", reply: .init(body: #"{"status":"success","data":{"unexpected":true}}"#),
            kind: .permanent, message: "ZERODHA answered holdings with JSON that is not the expected shape: field 'data' must be an array"),
        Case(
            name: "200 missing a required field is permanent",
            reply: .init(body: #"{"status":"success","data":[{"tradingsymbol":"X","exchange":"NSE"}]}"#),
            kind: .permanent, message: "ZERODHA answered holdings with JSON that is not the expected shape: field 'data[0].quantity' is required"),
        Case(
            name: "a timeout is transient", reply: .init(body: "{}", delay: .seconds(3)), kind: .transient, message: "ZERODHA did not answer in time"),
    ]

    @Test("the HTTP status decides first; bodies explain", arguments: cases)
    func classification(_ testCase: Case) async throws {
        let broker = FixtureBroker()
        broker.on("/portfolio/holdings", testCase.reply)
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let kite = ZerodhaAdapter(
                environment: BrokerEnvironment(
                    baseURL: "http://127.0.0.1:\(client.port!)", http: http, timeout: .seconds(1), options: ["MUTUAL_FUNDS": "false"])
            )
            do {
                _ = try await kite.holdings(credentials)
                Issue.record("expected a failure")
            } catch let error as BrokerError {
                #expect(error.kind == testCase.kind)
                #expect(error.message == testCase.message)
                if testCase.kind == .rateLimited { #expect(error.retryAfter == .seconds(2)) }
                #expect(!error.message.contains("t:") && !error.message.contains("token k"))
            }
        }
    }

    @Test("an unreachable broker is transient")
    func unreachable() async throws {
        let http = HTTPClient()
        defer { http.shutdown() }
        let kite = ZerodhaAdapter(environment: BrokerEnvironment(baseURL: "http://127.0.0.1:1", http: http, timeout: .seconds(1)))
        await #expect { try await kite.holdings(credentials) } throws: { ($0 as? BrokerError)?.kind == .transient }
    }

    @Test("missing credential fields are named, never shown")
    func missingCredentials() async throws {
        let http = HTTPClient()
        defer { http.shutdown() }
        let kite = ZerodhaAdapter(environment: BrokerEnvironment(baseURL: "http://127.0.0.1:1", http: http))
        await #expect { try await kite.holdings(BrokerCredentials(["api_key": "k"])) } throws: { error in
            (error as? BrokerError)?.message == "the stored credentials have no 'access_token'; set them again with `psync credentials set`"
        }
        #expect(!"\(BrokerCredentials(["access_token": "secret-value"]))".contains("secret-value"))
    }
}
