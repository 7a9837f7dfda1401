import Brokers
import Contracts
import CurlClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Dhan (DhanHQ v2) against our documented fixtures")
struct DhanAdapterTests {
    let credentials = BrokerCredentials(["access_token": "jwt-token", "client_id": "1000000009"])

    static func dhan(_ name: String) throws -> String { try FixtureBroker.fixture("dhan/\(name)") }

    func adapter(_ port: Int, _ http: HTTPClient) -> DhanAdapter {
        DhanAdapter(environment: BrokerEnvironment(baseURL: "http://127.0.0.1:\(port)", http: http, timeout: .seconds(15)))
    }

    @Test("held = totalQty, split into T+1, pledged and the free rest; no last price is invented; headers as Dhan documents")
    func holdings() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/holdings", .init(body: try Self.dhan("holdings.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let snapshot = try await adapter(client.port!, http).holdings(credentials)
            #expect(snapshot.holdings.map(\.symbol) == ["HDFC", "INFY", "TCS"], "a zero total is not held")
            let infy = snapshot.holdings[1]
            #expect(infy.quantity == 40 && infy.split == HeldQuantity(free: 18, unsettled: 10, pledged: 12) && infy.exchange == "NSE")
            #expect(infy.lastPrice == nil && infy.marketValue == nil && infy.costValue == Decimal(string: "60010")!)
            #expect(snapshot.holdings[2].split == HeldQuantity(free: 0, unsettled: 0, pledged: 6), "wholly pledged stays")
            #expect(snapshot.holdings[0].exchange == "ALL" && snapshot.notes.isEmpty)
            let headers = broker.seen.withLock { $0.first?.2 } ?? [:]
            #expect(headers["access-token"] == "jwt-token" && headers["client-id"] == "1000000009")
        }
    }

    @Test("quantities that do not add up keep the total, drop the split and say so")
    func inconsistent() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/holdings", .init(body: try Self.dhan("holdings_inconsistent.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let snapshot = try await adapter(client.port!, http).holdings(credentials)
            #expect(snapshot.holdings.first?.quantity == 5 && snapshot.holdings.first?.split == nil)
            #expect(snapshot.notes.map(\.kind) == [.quantityMismatch] && snapshot.notes.first?.symbol == "ODD")
        }
    }

    @Test("positions: open ones only, lots with the multiplier, shorts with their sign")
    func positions() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/positions", .init(body: try Self.dhan("positions.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let positions = try await adapter(client.port!, http).positions(credentials).holdings
            #expect(positions.map(\.symbol) == ["TCS", "CRUDEOIL-19Jan2026-FUT"])
            let crude = positions[1]
            #expect(crude.quantity == -2 && crude.multiplier == 100 && crude.exchange == "MCX" && crude.assetType == .future)
            #expect(crude.costValue == Decimal(string: "-1224100")!)
            #expect(positions[0].averagePrice == 3215 && positions[0].exchange == "NSE")
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
        "DH-901 is log in again, DH-904 / 429 is rate-limited, DH-905 permanent, DH-908 / 5xx transient",
        arguments: [
            Case(name: "401 DH-901", status: .unauthorized, file: "error_auth_401.json", kind: .auth),
            Case(name: "429 DH-904", status: .tooManyRequests, file: "error_rate_429.json", kind: .rateLimited),
            Case(name: "400 DH-905", status: .badRequest, file: "error_input_400.json", kind: .permanent),
            Case(name: "500 DH-908", status: .internalServerError, file: "error_internal_500.json", kind: .transient),
        ])
    func errors(_ testCase: Case) async throws {
        let broker = FixtureBroker()
        broker.on("/v2/holdings", .init(status: testCase.status, body: try Self.dhan(testCase.file)))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            await #expect { try await adapter(client.port!, http).holdings(credentials) } throws: { error in
                guard let error = error as? BrokerError else { return false }
                return error.kind == testCase.kind && (error.kind == .rateLimited || error.message.contains("(DH-9"))
            }
        }
    }

    @Test("the profile names the Dhan client; the adapter is one registration line with its documented limit")
    func profileAndRegistration() async throws {
        let broker = FixtureBroker()
        broker.on("/v2/profile", .init(body: try Self.dhan("profile.json")))
        try await broker.application().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            let profile = try await adapter(client.port!, http).verify(credentials)
            #expect(profile.userID == "1000000009")
        }
        let description = try #require(BrokerRegistry.description(for: "DHAN"))
        #expect(description.rateLimit.text == "20/s" && description.rateLimit.scope == .user && description.rateLimit.userField == "client_id")
        #expect(description.capabilities == [.holdings, .positions, .scheduledSync] && description.defaultBaseURL == "https://api.dhan.co")
    }
}
