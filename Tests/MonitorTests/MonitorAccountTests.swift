import Contracts
import CurlClient
import Foundation
import RPC
import TestSupport
import Testing

@Suite("Monitor: an account's holdings with the quantity split and notes; logins ending before the next run")
struct MonitorAccountTests {
    @Test("the account page shows free / T+1 / pledged, the MTF lot and the P&L note; the re-auth view lists logins ending first")
    func accountPage() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        try await stack.launch("psync-monitor")
        let accounts = try await stack.makeAccounts(broker: "ZERODHA", count: 2) {
            ["api_key": "kite-key", "access_token": ["pledged-t1-mtf-pnlskew-acct0", "acct1"][$0]]
        }
        for account in accounts { _ = try await stack.gateway("ZERODHA").call(GatewayAPI.syncNow, SyncNow(id: account.id)) }

        let page = try await stack.monitorRequest("GET", "/accounts/\(accounts[0].id)", token: Stack.readToken)
        #expect(page.status == 200)
        for text in ["<th>Free</th>", "<th>T+1</th>", "<th>Pledged</th>", ">mtf<", "data-note=\"pnl_mismatch\"", "ZERODHA reports a P&amp;L of"] {
            #expect(page.text.contains(text), "\(text)")
        }
        #expect(page.text.components(separatedBy: "data-note=").count == 2, "one note, for the skewed holding")
        let plain = try await stack.monitorRequest("GET", "/accounts/\(accounts[1].id)", token: Stack.readToken)
        #expect(plain.status == 200 && !plain.text.contains("data-note="))
        #expect(try await stack.monitorRequest("GET", "/accounts/999999", token: Stack.readToken).status == 404)

        var reauth = try await stack.monitorRequest("GET", "/accounts/reauth", token: Stack.readToken)
        #expect(!reauth.text.contains("data-reauth-soon="))
        let definition = ScheduleDefinition(name: "weekly", kind: .interval, everySeconds: 7 * 86_400, scope: .all)
        _ = try await stack.persistence(as: Principal(.scheduler)).call(
            PersistenceAPI.createSchedule, SaveSchedule(definition: definition, nextRunAt: Date().addingTimeInterval(3 * 86_400)))
        reauth = try await stack.monitorRequest("GET", "/accounts/reauth", token: Stack.readToken)
        for account in accounts { #expect(reauth.text.contains("data-reauth-soon=\"\(account.id)\""), "\(account.id)") }
        let api = try await stack.monitorRequest("GET", "/api/v1/accounts/reauth", token: Stack.readToken)
        #expect(api.status == 200 && api.text.contains("\"loginExpiresAt\""))
        await stack.stop()
    }
}
