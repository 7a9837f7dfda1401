import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

@Suite("Admin endpoints refuse bad input with a 4xx naming the field")
struct ValidationTests {
    /// Sends a raw request and returns the status and the envelope's message.
    /// One request as an administrator, or for `POST /v1/runs` (which only the dispatcher calls) as the dispatcher.
    func raw(_ fixture: PersistenceFixture, _ method: String, _ path: String, _ body: String?) async throws -> (Int, String, String?) {
        let token = path == "/v1/runs" && method == "POST" ? ServiceTokens.token(Principal(.dispatcher)) : PersistenceFixture.adminToken
        let response = try await fixture.http.execute(
            HTTPClientRequest(
                method: method,
                url: fixture.service.baseURL + path,
                headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                body: body.map { Array($0.utf8) }
            )
        )
        let envelope = try? JSONCoding.decode(ErrorEnvelope.self, from: response.body)
        return (response.status, envelope?.error.message ?? response.text, envelope?.error.details?["field"]?.stringValue)
    }

    @Test("every create endpoint rejects bad input with 400, 404, 409 or 422 and names the field")
    func createEndpoints() async throws {
        let fixture = try await PersistenceFixture.start()
        let (user, portfolio, _) = try await fixture.makeAccounts(1, email: "taken@example.com")
        try await fixture.admin.call(PersistenceAPI.updateBroker, UpdateBroker(code: "UPSTOX", enabled: false))
        let cases: [(String, String, String?, Int, String)] = [
            ("POST", "/v1/users", "{", 400, "the body is not valid JSON"),
            ("POST", "/v1/users", #"{"name":"A"}"#, 400, "field 'email' is required"),
            ("POST", "/v1/users", #"{"email":42,"name":"A"}"#, 400, "field 'email' must be a string"),
            (
                "POST", "/v1/users", #"{"email":"not-an-email","name":"A"}"#, 422,
                "email must be an email address such as ana@example.com, got 'not-an-email'"
            ),
            ("POST", "/v1/users", #"{"email":"b@example.com","name":"  "}"#, 422, "name must not be empty"),
            ("POST", "/v1/users", #"{"email":"TAKEN@example.com","name":"A"}"#, 409, "a user with email TAKEN@example.com already exists"),
            ("POST", "/v1/portfolios", #"{"userID":999999,"name":"X","baseCurrency":"INR"}"#, 404, "user 999999 does not exist"),
            (
                "POST", "/v1/portfolios", #"{"userID":\#(user.id),"name":"X","baseCurrency":"rupees"}"#, 422,
                "baseCurrency must be a 3-letter ISO 4217 code such as INR or USD, got 'rupees'"
            ),
            (
                "POST", "/v1/portfolios", #"{"userID":\#(user.id),"name":"Main","baseCurrency":"INR"}"#, 409,
                "user \(user.id) already has a portfolio named 'Main'"
            ),
            ("POST", "/v1/accounts", #"{"portfolioID":999999,"brokerCode":"SANDBOX","label":"L"}"#, 404, "portfolio 999999 does not exist"),
            (
                "POST", "/v1/accounts", #"{"portfolioID":\#(portfolio.id),"brokerCode":"NOPE","label":"L"}"#, 422,
                "broker 'NOPE' does not exist; known brokers: ALPACA, DHAN, SANDBOX, UPSTOX, VESTED, ZERODHA"
            ),
            (
                "POST", "/v1/accounts", #"{"portfolioID":\#(portfolio.id),"brokerCode":"UPSTOX","label":"L"}"#, 422,
                "broker UPSTOX is disabled; enable it first"
            ),
            ("POST", "/v1/accounts", #"{"portfolioID":\#(portfolio.id),"brokerCode":"SANDBOX","label":""}"#, 422, "label must not be empty"),
            (
                "POST", "/v1/accounts", #"{"portfolioID":\#(portfolio.id),"brokerCode":"SANDBOX","label":"Account 0"}"#, 409,
                "portfolio \(portfolio.id) already has an account labelled 'Account 0'"
            ),
            ("POST", "/v1/runs", #"{"trigger":"manual","scope":{"kind":"user"},"actions":["holdings"]}"#, 422, "scope 'user' needs an id"),
            // Found by make fuzz: a schedule id that does not exist was a foreign-key 500.
            (
                "POST", "/v1/runs", #"{"trigger":"manual","scheduleID":109,"scope":{"kind":"all"},"actions":["holdings"]}"#, 422,
                "schedule 109 does not exist"
            ),
            (
                "POST", "/v1/runs", #"{"trigger":"manual","scope":{"kind":"user","id":424242},"actions":["holdings"]}"#, 404,
                "user 424242 does not exist"
            ),
            (
                "POST", "/v1/runs", #"{"trigger":"manual","scope":{"kind":"all"},"actions":[]}"#, 422,
                "actions must name at least one of holdings, transactions, positions"
            ),
            (
                "POST", "/v1/runs", #"{"trigger":"manual","scope":{"kind":"all"},"actions":["dividends"]}"#, 400,
                "field 'actions[0]' has an unknown value 'dividends'"
            ),
            ("PATCH", "/v1/accounts/999999", #"{"label":"x"}"#, 404, "account 999999 does not exist"),
            (
                "PATCH", "/v1/accounts/1", #"{"status":"reauth_required"}"#, 422,
                "status can be set to active or disabled; reauth_required is set when a broker refuses the login"
            ),
            ("GET", "/v1/users?limit=0", nil, 422, "limit must be 1-500, got 0"),
            ("GET", "/v1/users?cursor=abc", nil, 400, "cursor 'abc' is not one this service issued"),
            ("GET", "/v1/users/abc", nil, 400, "field 'id' must be an integer, got 'abc'"),
        ]
        for (method, path, body, status, message) in cases {
            let (actualStatus, actualMessage, _) = try await raw(fixture, method, path, body)
            #expect(actualStatus == status, "\(method) \(path) \(body ?? "")")
            #expect(actualMessage == message, "\(method) \(path) \(body ?? "")")
        }
        let (status, _, field) = try await raw(fixture, "POST", "/v1/users", #"{"email":"x","name":"A"}"#)
        #expect(status == 422 && field == "email")
        await fixture.stop()
    }

    @Test("credentials: only sealed boxes, only for services, never echoed to an admin")
    func credentials() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts()
        let box = Data((0..<60).map { UInt8($0) }).base64EncodedString()
        await #expect { try await fixture.admin.call(PersistenceAPI.getCredentials, ByID(id: accounts[0].id)) } throws: { error in
            (error as? RPCError)?.status == 403
        }
        await #expect {
            try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(PersistenceAPI.getCredentials, ByID(id: accounts[0].id))
        } throws: { error in
            (error as? RPCError)?.message == "account \(accounts[0].id) has no credentials; set them with `psync credentials set \(accounts[0].id)`"
        }
        await #expect {
            try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(
                PersistenceAPI.storeCredentials, StoreCredentials(id: accounts[0].id, keyID: "k1", sealedBox: "%%%"))
        } throws: {
            error in (error as? RPCError)?.status == 422
        }
        await #expect {
            try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(
                PersistenceAPI.storeCredentials, StoreCredentials(id: 987654, keyID: "k1", sealedBox: box))
        } throws: {
            error in (error as? RPCError)?.status == 404
        }
        let stored = try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(
            PersistenceAPI.storeCredentials, StoreCredentials(id: accounts[0].id, keyID: "k1", sealedBox: box))
        #expect(stored.keyID == "k1")
        #expect(
            try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(PersistenceAPI.getCredentials, ByID(id: accounts[0].id))
                .sealedBox == box)
        #expect(try await fixture.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[0].id)).hasCredentials)
        let audit = try await fixture.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "account", entityID: String(accounts[0].id)))
        let stores = audit.items.filter { $0.action == "store_credentials" }
        #expect(stores.count == 1 && stores[0].after == .object(["keyID": .string("k1")]))
        #expect(stores[0].actor == "gateway:SANDBOX" && stores[0].scope == "gateway", "the actor is the identity the token proved")
        #expect(try await fixture.count("SELECT count(*)::int FROM audit_log WHERE after::text LIKE \("%" + box.prefix(20) + "%")") == 0)
        await fixture.stop()
    }

    @Test("a gateway's token opens only its own broker's accounts: credentials, snapshots, transactions and changes")
    func gatewayOwnBroker() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts()
        let id = accounts[0].id  // a SANDBOX account
        let box = Data((0..<60).map { UInt8($0) }).base64EncodedString()
        let sandbox = fixture.client(as: Principal(.gateway, broker: "SANDBOX"))
        let zerodha = fixture.client(as: Principal(.gateway, broker: "ZERODHA"))
        _ = try await sandbox.call(PersistenceAPI.storeCredentials, StoreCredentials(id: id, keyID: "k1", sealedBox: box))
        let refusal = "gateway:ZERODHA may not touch a SANDBOX account"
        func refused(_ call: () async throws -> Void) async -> String? {
            do {
                try await call()
                return "allowed"
            } catch let error as RPCError {
                return error.status == 403 && error.message == refusal ? nil : "\(error.status) \(error.message)"
            } catch {
                return "\(error)"
            }
        }
        let attempts: [(String, String?)] = [
            ("get credentials", await refused { _ = try await zerodha.call(PersistenceAPI.getCredentials, ByID(id: id)) }),
            (
                "store credentials",
                await refused { _ = try await zerodha.call(PersistenceAPI.storeCredentials, StoreCredentials(id: id, keyID: "k2", sealedBox: box)) }
            ),
            (
                "list another broker's",
                await refused { _ = try await zerodha.call(PersistenceAPI.listCredentials, ListCredentials(brokerCode: "SANDBOX")) }
            ),
            (
                "store a snapshot",
                await refused {
                    let snapshot = HoldingsSnapshot(sourceSnapshotID: "forged", asOf: Date(), holdings: [])
                    _ = try await zerodha.call(PersistenceAPI.storeSnapshot, StoreSnapshot(id: id, snapshot: snapshot))
                }
            ),
            (
                "store transactions",
                await refused {
                    _ = try await zerodha.call(
                        PersistenceAPI.storeTransactions, StoreTransactions(id: id, batch: TransactionsBatch(transactions: [], cursor: nil)))
                }
            ),
            (
                "disable the account",
                await refused { _ = try await zerodha.call(PersistenceAPI.updateAccount, UpdateAccount(id: id, status: .disabled)) }
            ),
        ]
        for (what, problem) in attempts { #expect(problem == nil, "gateway:ZERODHA could \(what): \(problem ?? "")") }
        // Asked for every box (or the boxes of given accounts), a gateway gets its own broker's only.
        #expect(try await zerodha.call(PersistenceAPI.listCredentials, ListCredentials()).items.isEmpty)
        #expect(try await zerodha.call(PersistenceAPI.listCredentials, ListCredentials(accountIDs: [id])).items.isEmpty)
        #expect(try await sandbox.call(PersistenceAPI.listCredentials, ListCredentials(accountIDs: [id])).items.map(\.accountID) == [id])
        #expect(try await fixture.count("SELECT count(*)::int FROM credentials WHERE key_id = 'k2'") == 0)
        #expect(try await fixture.count("SELECT count(*)::int FROM holding_snapshots WHERE account_id = \(id)") == 0)
        #expect(try await fixture.admin.call(PersistenceAPI.getAccount, ByID(id: id)).status == .active)
        await fixture.stop()
    }
}
