import Brokers
import Contracts
import CurlClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Zerodha (Kite Connect v3) against our documented fixtures")
struct ZerodhaAdapterTests {
    let credentials = BrokerCredentials(["api_key": "kitekey", "access_token": "kitetoken", "api_secret": "kitesecret"])

    func adapter(_ port: Int, _ http: HTTPClient, options: [String: String] = [:]) -> ZerodhaAdapter {
        ZerodhaAdapter(environment: BrokerEnvironment(baseURL: "http://127.0.0.1:\(port)", http: http, timeout: .seconds(15), options: options))
    }

    static func kite(_ name: String) throws -> String { try FixtureBroker.fixture("kite/\(name)") }

    @Test("held quantity is free + T+1 + pledged, kept as the split; fully pledged holdings stay; a zero row goes; MTF is its own lot")
    func heldQuantities() async throws {
        let broker = FixtureBroker()
        broker.on("/portfolio/holdings", .init(body: try Self.kite("holdings.json")))
        broker.on("/mf/holdings", .init(body: try Self.kite("mf_holdings.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let snapshot = try await adapter(client.port!, http).holdings(credentials)
            func row(_ symbol: String, lot: HoldingLot? = nil) throws -> Holding {
                try #require(snapshot.holdings.first { $0.symbol == symbol && $0.lot == lot })
            }
            let infy = try row("INFY")
            #expect(infy.quantity == 15 && infy.split == HeldQuantity(free: 10, unsettled: 5, pledged: 0))
            #expect(infy.costValue == Decimal(string: "22503.75")! && infy.marketValue == Decimal(string: "24011.25")!)
            let hdfc = try row("HDFCBANK")
            #expect(hdfc.quantity == 50 && hdfc.split == HeldQuantity(free: 20, unsettled: 0, pledged: 30))
            let reliance = try row("RELIANCE")
            #expect(reliance.quantity == 12 && reliance.split == HeldQuantity(free: 0, unsettled: 0, pledged: 12) && reliance.exchange == "BSE")
            let aaron = try row("AARON")
            #expect(aaron.quantity == 1 && aaron.averagePrice == 161 && aaron.lot == nil)
            let margin = try row("AARON", lot: .mtf)
            #expect(margin.quantity == 1000 && margin.averagePrice == 100 && margin.lastPrice == Decimal(string: "352.95")! && margin.split == nil)
            #expect(margin.costValue == 100_000)
            let sbin = try row("SBIN")
            #expect(
                sbin.quantity == 16 && sbin.averagePrice == Decimal(string: "801.78125")!
                    && sbin.split == HeldQuantity(free: 16, unsettled: 0, pledged: 0))
            let meta = try sbin.meta?.parsed() ?? .null
            #expect(meta["tradingsymbol"] == .string("SBIN") && meta["pnl"] == .number(Decimal(string: "-629.2999999999993")!))
            #expect(!snapshot.holdings.contains { $0.symbol == "IDEA" }, "a row whose quantities sum to zero is dropped")
            let fund = try row("INF846K01EW2")
            #expect(fund.assetType == .mutualFund && fund.quantity == Decimal(string: "229.655")! && fund.isin == "INF846K01EW2")
            #expect(snapshot.holdings.count == 8)
            #expect(snapshot.notes.isEmpty, "a float P&L within a paisa of ours is no discrepancy: \(snapshot.notes)")
            let headers = broker.seen.withLock { $0.first?.2 } ?? [:]
            #expect(headers["X-Kite-Version"] == "3")
            #expect(headers["Authorization"] == "token kitekey:kitetoken")
            let withoutFunds = try await adapter(client.port!, http, options: ["MUTUAL_FUNDS": "false"]).holdings(credentials)
            #expect(withoutFunds.holdings.count == 6)
        }
    }

    @Test("a P&L that disagrees with (last − average) × held is noted for that holding alone; the data is stored as sent")
    func pnlDiscrepancy() async throws {
        let broker = FixtureBroker()
        broker.on("/portfolio/holdings", .init(body: try Self.kite("holdings_pnl_mismatch.json")))
        broker.on("/mf/holdings", .init(body: #"{"status":"success","data":[]}"#))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let snapshot = try await adapter(client.port!, http).holdings(credentials)
            #expect(snapshot.notes.count == 1)
            let note = try #require(snapshot.notes.first)
            #expect(note.kind == .pnlMismatch && note.symbol == "TCS" && note.exchange == "NSE")
            #expect(note.reported == 400 && note.computed == 1000)
            #expect(note.message == "ZERODHA reports a P&L of 400 for TCS (NSE); (last price − average price) × 10 held gives 1000")
            let tcs = try #require(snapshot.holdings.first { $0.symbol == "TCS" })
            #expect(tcs.quantity == 10 && tcs.averagePrice == 3000 && tcs.lastPrice == 3100)
        }
    }

    struct FundsCase: Sendable, CustomTestStringConvertible {
        let name: String
        let reply: FixtureBroker.Reply
        /// `nil`: equity stored with a note; otherwise the whole fetch fails with this kind.
        let failure: FailureKind?
        var testDescription: String { name }
    }

    static let fundsCases: [FundsCase] = [
        FundsCase(name: "403 PermissionException", reply: .init(status: .forbidden, body: try! kite("error_permission_403.json")), failure: nil),
        FundsCase(name: "404 route not found", reply: .init(status: .notFound, body: try! kite("error_general_404.json")), failure: nil),
        FundsCase(
            name: "503 NetworkException", reply: .init(status: .serviceUnavailable, body: try! kite("error_network_503.json")), failure: .transient),
        FundsCase(
            name: "429 without Retry-After", reply: .init(status: .tooManyRequests, body: try! kite("error_general_429.json")), failure: .rateLimited),
        FundsCase(name: "403 TokenException", reply: .init(status: .forbidden, body: try! kite("error_token_403.json")), failure: .auth),
    ]

    @Test(
        "a refused mutual-fund call keeps the equity holdings and says what is missing; any other failure fails the whole fetch",
        arguments: fundsCases)
    func mutualFundsRefused(_ testCase: FundsCase) async throws {
        let broker = FixtureBroker()
        broker.on("/portfolio/holdings", .init(body: try Self.kite("holdings.json")))
        broker.on("/mf/holdings", testCase.reply)
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            do {
                let snapshot = try await adapter(client.port!, http).holdings(credentials)
                #expect(testCase.failure == nil, "expected a \(String(describing: testCase.failure)) failure")
                #expect(snapshot.holdings.count == 6 && !snapshot.holdings.contains { $0.assetType == .mutualFund })
                #expect(snapshot.notes.count == 1)
                #expect(snapshot.notes.first?.kind == .partUnavailable)
                #expect(
                    snapshot.notes.first?.message.hasPrefix("mutual-fund holdings unavailable: HTTP \(testCase.reply.status.code) from ZERODHA")
                        == true)
            } catch let error as BrokerError {
                #expect(error.kind == testCase.failure)
            }
        }
    }

    @Test("positions keep lots and the multiplier; values are quantity × price × multiplier")
    func positions() async throws {
        let broker = FixtureBroker()
        broker.on("/portfolio/positions", .init(body: try Self.kite("positions.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let positions = try await adapter(client.port!, http).positions(credentials).holdings
            #expect(positions.map(\.symbol) == ["LEADMINI26JANFUT", "USDINR26JANFUT", "SBIN"], "closed positions are not held")
            let lead = positions[0]
            #expect(lead.quantity == 1 && lead.multiplier == 1000 && lead.assetType == .future && lead.exchange == "MCX")
            #expect(lead.costValue == 161_050 && lead.marketValue == 161_050)
            let usd = positions[1]
            #expect(usd.quantity == -2 && usd.multiplier == 1000 && usd.costValue == -145_510 && usd.marketValue == -145_600)
            #expect(positions[2].multiplier == 1 && positions[2].costValue == Decimal(string: "3802.5")!)
        }
    }

    @Test("today's trades: IST to UTC either side of midnight; contract amounts use the day's multiplier, never a guess")
    func trades() async throws {
        let broker = FixtureBroker()
        broker.on("/trades", .init(body: try Self.kite("trades.json")))
        broker.on("/portfolio/positions", .init(body: try Self.kite("positions.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let trades = try await adapter(client.port!, http).transactions(credentials, since: nil).transactions
            #expect(trades.count == 4)
            #expect(trades[0].externalID == "NSE:10000000" && trades[0].kind == .buy && trades[0].amount == Decimal(string: "3802.5")!)
            #expect(trades[0].multiplier == nil && ISO8601.format(trades[0].occurredAt) == "2026-01-05T03:46:39.000Z")
            #expect(trades[1].kind == .sell && trades[1].multiplier == 1000 && trades[1].amount == 145_510)
            #expect(trades[2].multiplier == 1000 && trades[2].amount == 161_050)
            #expect(ISO8601.format(trades[2].occurredAt) == "2026-01-05T18:24:59.000Z")
            #expect(ISO8601.format(trades[3].occurredAt) == "2026-01-05T18:30:20.000Z", "00:00:20 IST is the previous day in UTC")
            #expect(trades[3].amount == nil && trades[3].multiplier == nil, "a contract missing from the day's positions gets no amount")
            #expect(broker.seen.withLock { $0.filter { $0.1 == "/portfolio/positions" }.count } == 1)
        }
    }

    @Test("equity-only trades need no positions call")
    func equityTrades() async throws {
        let broker = FixtureBroker()
        broker.on("/trades", .init(body: #"{"status":"success","data":[]}"#))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let trades = try await adapter(client.port!, http).transactions(credentials, since: nil)
            #expect(trades.transactions.isEmpty)
            #expect(broker.seen.withLock { $0.count } == 1)
        }
    }

    @Test("the profile, and the login exchanges a request token with the SHA-256 checksum")
    func profileAndLogin() async throws {
        let broker = FixtureBroker()
        broker.on("/user/profile", .init(body: try Self.kite("profile.json")))
        broker.on("/session/token", .init(body: try Self.kite("generate_session.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let kite = adapter(client.port!, http)
            #expect(try await kite.verify(credentials).userID == "AB1234")
            #expect(try await kite.createSession(credentials, requestToken: "reqtoken") == "XXXXXX")
            let (method, _, headers) = try #require(broker.seen.withLock { $0.last })
            #expect(method == "POST" && headers["Content-Type"] == "application/x-www-form-urlencoded")
            #expect(kite.loginURL(apiKey: "kitekey") == "https://kite.zerodha.com/connect/login?v=3&api_key=kitekey")
        }
    }

    @Test("a Kite login ends at the next 06:00 IST; credentials without an access token do not expire")
    func loginExpiry() {
        let fields = ["api_key": "k", "access_token": "t"]
        func expiry(_ issued: String) -> String? {
            ZerodhaAdapter.loginExpiry(of: fields, issuedAt: ISO8601.parse(issued)!).map(ISO8601.format)
        }
        #expect(expiry("2026-12-02T10:00:00Z") == "2026-12-03T00:30:00.000Z", "15:30 IST: 06:00 IST the next day")
        #expect(expiry("2026-12-01T21:00:00Z") == "2026-12-02T00:30:00.000Z", "02:30 IST: 06:00 IST the same morning")
        #expect(expiry("2026-12-02T00:30:00Z") == "2026-12-03T00:30:00.000Z", "at 06:00 IST exactly: the next day's")
        #expect(ZerodhaAdapter.loginExpiry(of: ["api_key": "k"], issuedAt: Date()) == nil)
        #expect(SandboxAdapter.loginExpiry(of: ["token": "t"], issuedAt: Date()) == nil)
    }
}

@Suite("Zerodha's official mock responses (an optional second check)")
struct OfficialKiteMockTests {
    @Test("every official mock decodes where we read it and breaks nothing where we do not")
    func everyMock() async throws {
        guard let folder = FixtureBroker.officialKiteMocks else {
            print(
                "Zerodha's official Kite mocks are not beside the repository (shared/fixtures/kite-mocks, or PSYNC_KITE_MOCKS): skipped that second check"
            )
            return
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 57, "expected Zerodha's 57 mock files, found \(files.count)")
        let broker = FixtureBroker()
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let kite = ZerodhaAdapter(
                environment: BrokerEnvironment(baseURL: "http://127.0.0.1:\(client.port!)", http: http, timeout: .seconds(15)))
            let credentials = BrokerCredentials(["api_key": "kitekey", "access_token": "kitetoken", "api_secret": "kitesecret"])
            for file in files {
                let body = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                // Every file is JSON our parser reads, whatever it holds.
                #expect((try? RawJSON(text: body).parsed()) != nil, "\(file) is not JSON we can read")
                // Served where we read Kite, it either decodes or fails as a clear permanent error: never a crash.
                for path in ["/portfolio/holdings", "/mf/holdings", "/portfolio/positions", "/trades", "/user/profile", "/session/token"] {
                    broker.on(path, .init(body: body))
                }
                broker.on(
                    "/mf/holdings",
                    .init(
                        body: file == "holdings.json"
                            ? (try String(contentsOf: folder.appendingPathComponent("mf_holdings.json"), encoding: .utf8)) : body))
                for call in [0, 1, 2, 3] {
                    do {
                        switch call {
                        case 0: _ = try await kite.holdings(credentials)
                        case 1: _ = try await kite.positions(credentials)
                        case 2: _ = try await kite.transactions(credentials, since: nil)
                        default: _ = try await kite.verify(credentials)
                        }
                    } catch let error as BrokerError {
                        #expect(error.kind == .permanent, "\(file): \(error.message)")
                    }
                }
            }
            // The files for what we read decode exactly.
            func serve(_ path: String, _ file: String) throws {
                broker.on(path, .init(body: try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)))
            }
            try serve("/portfolio/holdings", "holdings.json")
            try serve("/mf/holdings", "mf_holdings.json")
            try serve("/portfolio/positions", "positions.json")
            try serve("/trades", "trades.json")
            try serve("/user/profile", "profile.json")
            try serve("/session/token", "generate_session.json")
            let holdings = try await kite.holdings(credentials)
            #expect(holdings.holdings.contains { $0.symbol == "AARON" && $0.lot == .mtf && $0.quantity == 1000 })
            #expect(holdings.holdings.contains { $0.symbol == "SBIN" && $0.quantity == 16 })
            #expect(holdings.notes.isEmpty)
            let positions = try await kite.positions(credentials).holdings
            #expect(positions.first { $0.symbol == "LEADMINI17DECFUT" }?.costValue == 161_050)
            let trades = try await kite.transactions(credentials, since: nil).transactions
            #expect(trades.first { $0.exchange == "NSE" }?.amount == Decimal(string: "420.65")!)
            #expect(try await kite.verify(credentials).userID == "AB1234")
            #expect(try await kite.createSession(credentials, requestToken: "reqtoken") == "XXXXXX")
        }
    }
}

@Suite("Failure classification")
struct FailureClassificationTests {
    let credentials = BrokerCredentials(["api_key": "k", "access_token": "t"])

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let reply: FixtureBroker.Reply
        let kind: FailureKind
        let message: String
        var retryAfter: Duration?
        var testDescription: String { name }
    }

    static func kite(_ status: HTTPResponse.Status, _ file: String, headers: [(String, String)] = []) -> FixtureBroker.Reply {
        let html = file.hasSuffix(".html")
        return .init(
            status: status, body: try! FixtureBroker.fixture("kite/\(file)"), contentType: html ? "text/html" : "application/json", headers: headers)
    }

    static let cases: [Case] = [
        Case(
            name: "400 InputException is permanent", reply: kite(.badRequest, "error_input_400.json"), kind: .permanent,
            message: "HTTP 400 from ZERODHA: Missing or invalid `from` date. (InputException)"),
        Case(
            name: "403 TokenException is auth", reply: kite(.forbidden, "error_token_403.json"), kind: .auth,
            message: "ZERODHA refused the credentials: Incorrect `api_key` or `access_token`. (TokenException)"),
        Case(
            name: "403 UserException is auth (log in again)", reply: kite(.forbidden, "error_user_403.json"), kind: .auth,
            message: "ZERODHA refused the credentials: Your account is blocked; contact support. (UserException)"),
        Case(
            name: "403 TwoFAException is auth (log in again)", reply: kite(.forbidden, "error_twofa_403.json"), kind: .auth,
            message: "ZERODHA refused the credentials: Please complete the two-factor authentication. (TwoFAException)"),
        Case(
            name: "403 PermissionException is permanent", reply: kite(.forbidden, "error_permission_403.json"), kind: .permanent,
            message: "HTTP 403 from ZERODHA: You don't have permission to access this resource. (PermissionException)"),
        Case(
            name: "404 is permanent", reply: kite(.notFound, "error_general_404.json"), kind: .permanent,
            message: "HTTP 404 from ZERODHA: Route not found (GeneralException)"),
        Case(
            name: "429 with Retry-After waits that long", reply: kite(.tooManyRequests, "error_general_429.json", headers: [("Retry-After", "2")]),
            kind: .rateLimited, message: "ZERODHA rate-limited the call (HTTP 429)", retryAfter: .seconds(2)),
        Case(
            name: "429 without Retry-After (Kite documents none) is rate-limited with our backoff",
            reply: kite(.tooManyRequests, "error_general_429.json"), kind: .rateLimited, message: "ZERODHA rate-limited the call (HTTP 429)"),
        Case(
            name: "500 GeneralException is transient", reply: kite(.internalServerError, "error_general_500.json"), kind: .transient,
            message: "HTTP 500 from ZERODHA: Something went wrong. (GeneralException)"),
        Case(
            name: "502 NetworkException is transient", reply: kite(.badGateway, "error_network_502.json"), kind: .transient,
            message: "HTTP 502 from ZERODHA: Couldn't reach the OMS. (NetworkException)"),
        Case(
            name: "502 nginx HTML is transient", reply: kite(.badGateway, "proxy_502.html"), kind: .transient,
            message: "HTTP 502 from ZERODHA: an HTML error page"),
        Case(
            name: "503 NetworkException with Retry-After is transient",
            reply: kite(.serviceUnavailable, "error_network_503.json", headers: [("Retry-After", "30")]), kind: .transient,
            message: "HTTP 503 from ZERODHA: Service unavailable; please retry. (NetworkException)"),
        Case(
            name: "503 proxy HTML is transient", reply: kite(.serviceUnavailable, "proxy_503.html"), kind: .transient,
            message: "HTTP 503 from ZERODHA: an HTML error page"),
        Case(
            name: "200 with an HTML page is permanent", reply: kite(.ok, "maintenance_200.html"), kind: .permanent,
            message: "ZERODHA answered holdings with an HTML page instead of JSON (HTTP 200)"),
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
            // Only the timeout case needs a short timeout; the others get room for a loaded machine.
            let timeout: Duration = testCase.reply.delay > .zero ? .seconds(1) : .seconds(15)
            let kite = ZerodhaAdapter(
                environment: BrokerEnvironment(
                    baseURL: "http://127.0.0.1:\(client.port!)", http: http, timeout: timeout, options: ["MUTUAL_FUNDS": "false"])
            )
            do {
                _ = try await kite.holdings(credentials)
                Issue.record("expected a failure")
            } catch let error as BrokerError {
                #expect(error.kind == testCase.kind)
                #expect(error.message == testCase.message)
                #expect(error.retryAfter == testCase.retryAfter)
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
