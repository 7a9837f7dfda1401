import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

@Suite("Monitor: a broker login in the browser, round trip through brokersim; forged, reused and foreign states refused")
struct MonitorBrokerLoginTests {
    static func query(_ name: String, in url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
    }

    /// The path and query of an absolute URL.
    static func path(_ url: String) throws -> String {
        let components = try #require(URLComponents(string: url))
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    @Test("Upstox: the login page, brokersim's dialog, the callback with code and state; the session is stored and the state spent")
    func upstoxRoundTrip() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("UPSTOX")
        try await stack.launch("psync-monitor")
        let callback = try stack.monitorURL + "/login/broker/callback"
        let accounts = try await stack.makeAccounts(broker: "UPSTOX", count: 1) { _ in
            ["access_token": "not-yet", "client_id": "upstox-app", "client_secret": "secret-upstox-app", "redirect_uri": callback]
        }
        let id = accounts[0].id
        let (cookie, _) = try await stack.monitorLogin(token: Stack.adminToken)
        let page = try await stack.monitorRequest("GET", "/accounts/\(id)", cookie: cookie)
        #expect(page.text.contains("id=\"broker-login\"") && page.text.contains("data-callback=\"\(callback)\""))

        let start = try await stack.monitorRequest("GET", "/accounts/\(id)/login", cookie: cookie)
        let dialogURL = try #require(start.header("location"), "HTTP \(start.status) \(start.text.prefix(300))")
        #expect(start.status == 303 && dialogURL.contains("/v2/login/authorization/dialog?") && dialogURL.contains("state="))
        let dialog = try await stack.http.execute(HTTPClientRequest(url: dialogURL))
        let back = try #require(dialog.header("location"))
        #expect(back.hasPrefix(callback + "?code=") && Self.query("state", in: back) == Self.query("state", in: dialogURL))

        let done = try await stack.monitorRequest("GET", try Self.path(back), cookie: cookie)
        #expect(done.status == 303 && done.header("location") == "/accounts/\(id)?notice=login", "\(done.status) \(done.text.prefix(400))")
        let verified = try await stack.gateway("UPSTOX").call(GatewayAPI.verifyCredentials, ByID(id: id))
        #expect(verified.valid, "\(String(describing: verified.message))")
        #expect(try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: id)).loginExpiresAt != nil)
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "account", entityID: "\(id)")).items
        #expect(
            audit.filter { $0.action == "store_credentials" }.contains { $0.actor == "gateway:UPSTOX for monitor for admin" }, "\(audit.map(\.actor))"
        )

        // The same redirect again: the state is spent.
        let reused = try await stack.monitorRequest("GET", try Self.path(back), cookie: cookie)
        #expect(reused.status == 400 && reused.text.contains("unknown, already used or expired"))
        await stack.stop()
    }

    @Test("Kite: the state rides in redirect_params; forged, foreign-session and cookieless callbacks are refused; read-only cannot start one")
    func kiteStates() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        try await stack.launch("psync-monitor")
        let kite = try await stack.makeAccounts(broker: "ZERODHA", count: 1) { _ in
            ["api_key": "kitekey", "access_token": "expired-old", "api_secret": "secret-kitekey"]
        }
        let id = kite[0].id
        let (cookie, _) = try await stack.monitorLogin(token: Stack.adminToken)
        let (otherCookie, _) = try await stack.monitorLogin(token: Stack.adminToken)
        try await stack.database.execute("UPDATE broker_accounts SET status = 'reauth_required', last_error = 'login expired' WHERE id = \(id)")
        let reauth = try await stack.monitorRequest("GET", "/accounts/reauth", cookie: cookie)
        #expect(reauth.text.contains("data-reauth=\"\(id)\"") && reauth.text.contains("id=\"login-\(id)\" href=\"/accounts/\(id)/login\""))

        func start() async throws -> String {
            let response = try await stack.monitorRequest("GET", "/accounts/\(id)/login", cookie: cookie)
            let url = try #require(response.header("location"), "HTTP \(response.status) \(response.text.prefix(300))")
            #expect(url.contains("api_key=kitekey") && url.contains("redirect_params=state%3D"))
            let params = try #require(Self.query("redirect_params", in: url))
            return String(params.dropFirst("state=".count))
        }
        func callback(_ state: String, cookie: String?) async throws -> HTTPClientResponse {
            try await stack.monitorRequest(
                "GET", "/login/broker/callback?request_token=abc123&action=login&status=success&state=\(state)", cookie: cookie)
        }

        let forged = try await callback(String(repeating: "ab", count: 32), cookie: cookie)
        #expect(forged.status == 400 && forged.text.contains("unknown, already used or expired"))
        #expect(try await callback("not-a-state", cookie: cookie).status == 400)

        let foreign = try await start()
        let elsewhere = try await callback(foreign, cookie: otherCookie)
        #expect(elsewhere.status == 400 && elsewhere.text.contains("another browser session"))
        #expect(try await callback(foreign, cookie: cookie).status == 400, "a refused state is spent too")

        let cancelled = try await start()
        let refused = try await stack.monitorRequest("GET", "/login/broker/callback?action=login&status=cancelled&state=\(cancelled)", cookie: cookie)
        #expect(refused.status == 400 && refused.text.contains("did not complete the login") && !refused.text.contains("cancelled"))

        // Without the (SameSite=Strict) cookie: a page of ours that comes back to the same address, then a refusal.
        let state = try await start()
        let bounce = try await callback(state, cookie: nil)
        #expect(bounce.status == 200 && bounce.text.contains("http-equiv=\"refresh\"") && bounce.text.contains("bounced=1"))
        #expect(try await stack.monitorRequest("GET", "/login/broker/callback?state=\(state)&bounced=1").status == 400)

        let done = try await callback(state, cookie: cookie)
        #expect(done.status == 303 && done.header("location") == "/accounts/\(id)?notice=login", "\(done.status) \(done.text.prefix(400))")
        #expect(try await stack.admin.call(PersistenceAPI.getAccount, ByID(id: id)).status == .active, "a login ends the wait for one")
        let synced = try await stack.gateway("ZERODHA").call(GatewayAPI.syncNow, SyncNow(id: id))
        #expect(synced.holdings == 20)

        let (readCookie, _) = try await stack.monitorLogin(token: Stack.readToken)
        try await stack.database.execute("UPDATE broker_accounts SET status = 'reauth_required' WHERE id = \(id)")
        let readReauth = try await stack.monitorRequest("GET", "/accounts/reauth", cookie: readCookie)
        #expect(readReauth.text.contains("data-reauth=\"\(id)\"") && !readReauth.text.contains("id=\"login-\(id)\""))
        #expect(try await stack.monitorRequest("GET", "/accounts/\(id)/login", cookie: readCookie).status == 403)
        #expect(!(try await stack.monitorRequest("GET", "/accounts/\(id)", cookie: readCookie)).text.contains("id=\"broker-login\""))
        #expect(
            try await stack.monitorRequest("GET", "/accounts/\(id)/login", token: Stack.adminToken).status == 400,
            "a bearer token has no browser session")
        await stack.stop()
    }
}
