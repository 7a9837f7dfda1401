import Brokers
import Contracts
import CurlClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

/// The Alpaca adapter against Alpaca's documented responses (`Fixtures/alpaca`, see its README).
@Suite("Alpaca adapter")
struct AlpacaAdapterTests {
    static let credentials = BrokerCredentials(["key_id": "AK", "secret_key": "SK"])

    /// Runs `body` with an adapter whose live API is `live` and whose paper API is `paper`.
    func withAlpaca(
        live: FixtureBroker, paper: FixtureBroker = FixtureBroker(), options: [String: String] = [:],
        _ body: @escaping @Sendable (AlpacaAdapter) async throws -> Void
    ) async throws {
        try await live.application().test(.live) { liveClient in
            try await paper.application().test(.live) { paperClient in
                let http = HTTPClient()
                defer { http.shutdown() }
                var environment = BrokerEnvironment(
                    baseURL: "http://127.0.0.1:\(liveClient.port!)", http: http, timeout: .seconds(15), options: options)
                environment.variantURLs = ["paper": "http://127.0.0.1:\(paperClient.port!)"]
                try await body(AlpacaAdapter(environment: environment))
            }
        }
    }

    @Test("positions: string decimals read exactly, a short position stored with a negative quantity, crypto typed")
    func positions() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/positions", .init(body: try FixtureBroker.fixture("alpaca/positions.json")))
        try await withAlpaca(live: broker) { alpaca in
            let holdings = try await alpaca.holdings(Self.credentials).holdings
            #expect(holdings.map(\.symbol) == ["AAPL", "SLM", "BTC/USD"])
            #expect(holdings[0].quantity == 5 && holdings[0].costValue == 500 && holdings[0].lastPrice == 120)
            #expect(holdings[1].quantity == -2478 && holdings[1].marketValue == Decimal(string: "-22078.98")!)
            #expect(holdings[1].costValue == Decimal(string: "-20716.08")! && holdings[1].averagePrice == Decimal(string: "8.36")!)
            #expect(holdings[2].assetType == .crypto && holdings[2].quantity == Decimal(string: "0.0019945")!)
        }
    }

    @Test("a short position whose qty comes unsigned is still stored negative")
    func unsignedShort() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/positions", .init(body: #"[{"symbol":"SLM","qty":"10","side":"short","avg_entry_price":"8"}]"#))
        try await withAlpaca(live: broker) { alpaca in
            let quantities = try await alpaca.holdings(Self.credentials).holdings.map(\.quantity)
            #expect(quantities == [-10])
        }
    }

    @Test("a paper account is served by the paper URL only; a live one by the live URL; anything else calls nobody")
    func paperAndLive() async throws {
        let live = FixtureBroker()
        let paper = FixtureBroker()
        live.on("/v2/account", .init(body: try FixtureBroker.fixture("alpaca/account.json")))
        paper.on("/v2/account", .init(body: #"{"id":"p-1","account_number":"PA123"}"#))
        try await withAlpaca(live: live, paper: paper) { alpaca in
            let paperKeys = BrokerCredentials(["key_id": "PK", "secret_key": "PS", "environment": "paper"])
            let paperUser = try await alpaca.verify(paperKeys).userID
            #expect(paperUser == "PA123")
            #expect(live.seen.withLock { $0.isEmpty }, "a paper key never reaches the live API")
            #expect(paper.seen.withLock { $0.first?.2["APCA-API-KEY-ID"] } == "PK")
            let liveUser = try await alpaca.verify(Self.credentials).userID
            #expect(liveUser == "010203ABCD")
            let liveKeys = BrokerCredentials(["key_id": "AK", "secret_key": "SK", "environment": "LIVE"])
            let liveUserAgain = try await alpaca.verify(liveKeys).userID
            #expect(liveUserAgain == "010203ABCD")
            #expect(paper.seen.withLock { $0.count } == 1 && live.seen.withLock { $0.count } == 2)
            let unknown = BrokerCredentials(["key_id": "AK", "secret_key": "SK", "environment": "sandbox"])
            await #expect { try await alpaca.verify(unknown) } throws: { error in
                (error as? BrokerError)?.kind == .permanent && "\(error)".contains("live or paper")
            }
            #expect(paper.seen.withLock { $0.count } == 1 && live.seen.withLock { $0.count } == 2)
        }
    }

    @Test("a gateway without a paper URL refuses a paper account instead of sending its key to the live API")
    func noPaperURL() async throws {
        let live = FixtureBroker()
        try await live.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let alpaca = AlpacaAdapter(environment: BrokerEnvironment(baseURL: "http://127.0.0.1:\(client.port!)", http: http))
            let paperKeys = BrokerCredentials(["key_id": "PK", "secret_key": "PS", "environment": "paper"])
            await #expect(throws: BrokerError.self) { try await alpaca.holdings(paperKeys) }
            #expect(live.seen.withLock { $0.isEmpty })
        }
    }

    @Test("401 is auth, and the message says which environment refused the keys")
    func refusedKeys() async throws {
        let live = FixtureBroker()
        live.on("/v2/account", .init(status: .unauthorized, body: try FixtureBroker.fixture("alpaca/error_auth_401.json")))
        let paper = FixtureBroker()
        paper.on("/v2/positions", .init(status: .unauthorized, body: try FixtureBroker.fixture("alpaca/error_auth_401.json")))
        try await withAlpaca(live: live, paper: paper) { alpaca in
            await #expect { try await alpaca.verify(Self.credentials) } throws: { error in
                let error = error as? BrokerError
                return error?.kind == .auth && error?.message.contains("the live API") == true
                    && error?.message.contains(#""environment": "paper""#) == true
                    && error?.message.contains("request is not authorized") == true
            }
            let paperKeys = BrokerCredentials(["key_id": "PK", "secret_key": "PS", "environment": "paper"])
            await #expect { try await alpaca.holdings(paperKeys) } throws: { error in
                (error as? BrokerError)?.kind == .auth && (error as? BrokerError)?.message.contains("the paper API") == true
            }
        }
    }

    @Test("fills by side, DIVNRA as withholding tax, amounts signed as sent, a fill's amount is qty × price")
    func activities() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/account/activities", .init(body: try FixtureBroker.fixture("alpaca/activities.json")))
        try await withAlpaca(live: broker) { alpaca in
            let batch = try await alpaca.transactions(Self.credentials, since: nil)
            #expect(batch.transactions.map(\.kind) == [.buy, .sell, .dividend, .withholdingTax])
            #expect(batch.transactions[0].amount == Decimal(string: "1.63")! && batch.transactions[1].amount == 21)
            #expect(batch.transactions[2].amount == Decimal(string: "1.02")! && batch.transactions[3].amount == Decimal(string: "-0.26")!)
            #expect(ISO8601.format(batch.transactions[2].occurredAt) == "2019-08-01T00:00:00.000Z")
            #expect(batch.cursor == "2019-08-01T00:00:00.000Z", "the latest time seen")
            let query = broker.seen.withLock { $0.first?.1 } ?? ""
            #expect(query.contains("direction=asc") && query.contains("page_size=100") && !query.contains("after="))
        }
    }

    @Test("every documented activity type maps to its kind")
    func everyType() async throws {
        // Written from docs.alpaca.markets/docs/account-activities, independently of the adapter's table.
        let expected: [String: TransactionKind] = [
            "DIV": .dividend, "DIVCGL": .dividend, "DIVCGS": .dividend, "DIVROC": .dividend, "DIVTXEX": .dividend,
            "DIVNRA": .withholdingTax, "DIVFT": .withholdingTax, "DIVTW": .withholdingTax, "DIVWH": .withholdingTax,
            "INTNRA": .withholdingTax, "INTTW": .withholdingTax, "WH": .withholdingTax, "INT": .interest, "FEE": .fee, "CFEE": .fee,
            "DIVFEE": .fee, "PTC": .fee, "PTR": .fee, "CSD": .deposit, "CSW": .withdrawal, "ACATC": .transfer, "ACATS": .transfer,
            "JNL": .journal, "JNLC": .journal, "JNLS": .journal, "SPLIT": .split, "SSP": .split, "SPIN": .spinOff, "SSO": .spinOff,
            "MA": .merger, "NC": .other, "REORG": .other, "OPEXP": .other,
        ]
        let broker = FixtureBroker()
        let body = try FixtureBroker.fixture("alpaca/activities_types.json")
        broker.on("/v2/account/activities", .init(body: body))
        let types = (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]] ?? []).map { $0["activity_type"] as! String }
        #expect(Set(types) == Set(expected.keys))
        try await withAlpaca(live: broker) { alpaca in
            let batch = try await alpaca.transactions(Self.credentials, since: nil)
            #expect(batch.transactions.count == types.count)
            for (type, transaction) in zip(types, batch.transactions) {
                #expect(transaction.kind == expected[type], "\(type)")
            }
            let reverse = try #require(batch.transactions.first { $0.meta?.text.contains(#""SSP""#) == true })
            #expect(reverse.quantity == -3, "a reverse split's quantity keeps its sign")
        }
    }

    @Test("activities are read again from 10 days before the cursor, each id once; the cursor never goes back")
    func overlapWindow() async throws {
        let broker = FixtureBroker()
        let seenFill =
            #"{"id":"20260110150000000::a","activity_type":"FILL","transaction_time":"2026-01-10T15:00:00Z","symbol":"AAPL","side":"buy","qty":"1","price":"10"}"#
        let late = #"{"id":"20260111080000000::b","activity_type":"DIV","date":"2026-01-09","symbol":"AAPL","qty":"1","net_amount":"0.24"}"#
        let fullPage = (0..<99).map {
            #"{"id":"2026011114000\#(String(format: "%04d", $0))::p\#($0)","activity_type":"FILL","transaction_time":"2026-01-11T14:00:00Z","symbol":"MSFT","side":"sell","qty":"1","price":"1"}"#
        }
        broker.on(
            "/v2/account/activities",
            .init(body: "[" + ([seenFill] + fullPage).joined(separator: ",") + "]"),
            // The next page repeats an item of the first (the list moved between pages) and holds the late dividend.
            .init(body: "[" + fullPage[98] + "," + late + "]"))
        try await withAlpaca(live: broker) { alpaca in
            let batch = try await alpaca.transactions(Self.credentials, since: "2026-01-10T15:00:00.000Z")
            let ids = batch.transactions.map(\.externalID)
            #expect(ids.count == 101 && Set(ids).count == 101, "each id once")
            #expect(batch.transactions.last?.kind == .dividend && ISO8601.format(batch.transactions.last!.occurredAt) == "2026-01-09T00:00:00.000Z")
            #expect(batch.cursor == "2026-01-11T14:00:00.000Z", "the latest time seen, not the late dividend's date")
            let queries = broker.seen.withLock { $0.map(\.1) }
            #expect(queries.count == 2 && queries.allSatisfy { $0.contains("after=2025-12-31T15%3A00%3A00.000Z") }, "\(queries)")
            #expect(queries[1].contains("page_token=20260111140000098%3A%3Ap98"))
        }
    }

    @Test("a date cursor written before the window still works; ACTIVITY_OVERLAP_DAYS sets the window and is checked")
    func overlapSetting() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/account/activities", .init(body: "[]"))
        try await withAlpaca(live: broker, options: ["ACTIVITY_OVERLAP_DAYS": "0"]) { alpaca in
            let batch = try await alpaca.transactions(Self.credentials, since: "2026-01-09")
            #expect(batch.transactions.isEmpty && batch.cursor == "2026-01-09T00:00:00.000Z", "nothing new keeps the cursor's time")
            #expect(broker.seen.withLock { $0.first?.1 }?.contains("after=2026-01-09T00%3A00%3A00.000Z") == true)
        }
        try await withAlpaca(live: broker, options: ["ACTIVITY_OVERLAP_DAYS": "many"]) { alpaca in
            await #expect { try await alpaca.transactions(Self.credentials, since: nil) } throws: { error in
                "\(error)".contains("PSYNC_ALPACA_ACTIVITY_OVERLAP_DAYS")
            }
        }
    }

    @Test("422 is permanent with Alpaca's message; 429 is rate-limited")
    func errors() async throws {
        let broker = FixtureBroker()
        broker.on(
            "/v2/account/activities", .init(status: .unprocessableContent, body: try FixtureBroker.fixture("alpaca/error_input_422.json")))
        broker.on("/v2/positions", .init(status: .tooManyRequests, body: try FixtureBroker.fixture("alpaca/error_rate_429.json")))
        try await withAlpaca(live: broker) { alpaca in
            await #expect { try await alpaca.transactions(Self.credentials, since: nil) } throws: { error in
                (error as? BrokerError)?.kind == .permanent && "\(error)".contains("invalid activity type")
            }
            await #expect { try await alpaca.holdings(Self.credentials) } throws: { ($0 as? BrokerError)?.kind == .rateLimited }
        }
    }
}
