import Contracts
import CurlClient
import Foundation
import RPC
import TestSupport
import Testing

@Suite("Monitor: accounts in the console: forms, sync now, and write-only credentials sealed by the broker's gateway")
struct MonitorCredentialsTests {
    @Test("an account is created, edited, disabled, enabled, synced and deleted from its pages; credentials are sealed and never shown or logged")
    func accountAndCredentials() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("SANDBOX")
        try await stack.launch("psync-dispatcher")
        try await stack.launch("psync-monitor")
        let admin = try stack.admin
        let user = try await admin.call(PersistenceAPI.createUser, CreateUser(email: "c-\(UUID().uuidString.prefix(6))@example.com", name: "C"))
        let portfolio = try await admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: user.id, name: "P", baseCurrency: "INR"))
        let (cookie, csrf) = try await stack.monitorLogin(token: Stack.adminToken)
        func post(_ path: String, _ form: [String: String]) async throws -> HTTPClientResponse {
            try await stack.monitorRequest("POST", path, cookie: cookie, form: form.merging(["csrf": csrf]) { first, _ in first })
        }

        let form = try await stack.monitorRequest("GET", "/accounts/new?portfolio=\(portfolio.id)", cookie: cookie)
        #expect(form.text.contains("id=\"account-form\"") && form.text.contains("<option value=\"SANDBOX\""))
        let unknown = try await post("/accounts/new", ["portfolioID": "\(portfolio.id)", "brokerCode": "NOPE", "label": "Main"])
        #expect(unknown.status == 422 && unknown.text.contains("data-field=\"brokerCode\"") && unknown.text.contains("value=\"Main\""))
        let created = try await post("/accounts/new", ["portfolioID": "\(portfolio.id)", "brokerCode": "SANDBOX", "label": "Main"])
        let location = try #require(created.header("location"))
        let id = try #require(Int(location.dropFirst("/accounts/".count).prefix { $0.isNumber }))
        var page = try await stack.monitorRequest("GET", "/accounts/\(id)", cookie: cookie)
        #expect(
            page.text.contains("data-credentials=\"none\"") && page.text.contains("id=\"credentials-form\"")
                && page.text.contains("name=\"cred.token\""))

        // Credentials: a missing field is a 422 by the field; sealed ones are stored and never come back.
        let secret = "sandbox-secret-\(UUID().uuidString)"
        let missing = try await post("/accounts/\(id)/credentials", [:])
        #expect(missing.status == 422 && missing.text.contains("data-field=\"cred.token\""))
        let sealed = try await post("/accounts/\(id)/credentials", ["cred.token": secret])
        #expect(sealed.status == 303 && sealed.header("location")?.contains(secret) == false)
        #expect(try await admin.call(PersistenceAPI.getAccount, ByID(id: id)).hasCredentials)
        page = try await stack.monitorRequest("GET", "/accounts/\(id)", cookie: cookie)
        #expect(page.text.contains("data-credentials=\"stored\"") && page.text.contains("data-notice=\"credentials\"") == false)
        #expect(!page.text.contains(secret) && !sealed.text.contains(secret))
        let audit = try await admin.call(PersistenceAPI.listAudit, ListAudit(entity: "account", entityID: "\(id)")).items
        #expect(audit.contains { $0.action == "store_credentials" && $0.actor.hasSuffix("for admin") }, "\(audit.map(\.actor))")
        #expect(!audit.contains { "\($0)".contains(secret) })

        // Sync now queues a run for the account; its job shows in the history.
        #expect(try await post("/accounts/\(id)/sync", [:]).status == 303)
        try await eventually(timeout: .seconds(30), "the sync job shows on the account page") {
            try await stack.monitorRequest("GET", "/accounts/\(id)", cookie: cookie).text.contains("data-job=")
        }
        #expect(try await post("/accounts/\(id)/edit", ["label": "Renamed", "externalUserID": "X1"]).status == 303)
        var account = try await admin.call(PersistenceAPI.getAccount, ByID(id: id))
        #expect(account.label == "Renamed" && account.externalUserID == "X1")
        #expect(try await post("/accounts/\(id)/disable", [:]).status == 303)
        account = try await admin.call(PersistenceAPI.getAccount, ByID(id: id))
        #expect(account.status == .disabled)
        #expect(try await post("/accounts/\(id)/enable", [:]).status == 303)
        #expect(try await admin.call(PersistenceAPI.getAccount, ByID(id: id)).status == .active)
        #expect(try await stack.monitorRequest("GET", "/accounts/\(id)/delete", cookie: cookie).status == 200)
        #expect(try await admin.call(PersistenceAPI.getAccount, ByID(id: id)).id == id, "the confirmation page deletes nothing")
        #expect(try await post("/accounts/\(id)/delete", ["confirm": "yes"]).status == 303)
        await #expect { try await admin.call(PersistenceAPI.getAccount, ByID(id: id)) } throws: { ($0 as? RPCError)?.status == 404 }
        let entries = try await admin.call(PersistenceAPI.listAudit, ListAudit(entity: "account", entityID: "\(id)")).items
        #expect(Set(entries.map(\.action)).isSuperset(of: ["create", "update", "disable", "enable", "delete"]))
        #expect(entries.filter { $0.action != "store_credentials" }.allSatisfy { $0.actor == "monitor for admin" }, "\(entries.map(\.actor))")

        // A broker whose gateway is not running: a clear 503, nothing sent.
        let kite = try await admin.call(PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio.id, brokerCode: "ZERODHA", label: "Kite"))
        let noGateway = try await post("/accounts/\(kite.id)/credentials", ["cred.api_key": "k", "cred.access_token": secret])
        #expect(noGateway.status == 503 && noGateway.text.contains("no ZERODHA gateway is running") && !noGateway.text.contains(secret))
        #expect(try await admin.call(PersistenceAPI.getAccount, ByID(id: kite.id)).hasCredentials == false)

        for product in ["psync-monitor", "psync-gateway", "psync-persistence", "psync-dispatcher"] {
            let arguments = product == "psync-gateway" ? ["--broker", "SANDBOX"] : []
            for process in stack.running(product, arguments: arguments) { #expect(!process.child.output().contains(secret), "\(product) logged it") }
        }
        await stack.stop()
    }
}
