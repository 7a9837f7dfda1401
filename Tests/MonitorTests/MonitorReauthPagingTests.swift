import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

@Suite("Monitor: the re-auth page pages in Postgres")
struct MonitorReauthPagingTests {
    @Test("accounts needing a login come a page at a time (`now` cursor), each once, the page size bounded")
    func paging() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        let admin = try stack.admin
        let user = try await admin.call(PersistenceAPI.createUser, CreateUser(email: "r-\(UUID().uuidString.prefix(6))@example.com", name: "R"))
        let portfolio = try await admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: user.id, name: "P", baseCurrency: "INR"))
        var ids: [Int] = []
        for index in 0..<5 {
            ids.append(
                try await admin.call(
                    PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio.id, brokerCode: "ZERODHA", label: "K\(index)")
                ).id)
        }
        try await stack.database.execute("UPDATE broker_accounts SET status = 'reauth_required' WHERE id = ANY(\(ids))")
        var seen: [Int] = []
        var path = "/accounts/reauth?limit=2"
        for _ in 0..<5 {
            let page = try await stack.monitorRequest("GET", path, token: Stack.readToken)
            #expect(page.status == 200)
            let rows = page.text.matches(of: /data-reauth="(\d+)"/).compactMap { Int($0.output.1) }
            #expect(rows.count <= 2)
            seen += rows
            guard let next = page.text.firstMatch(of: /id="now-next" data-cursor="[^"]*" href="([^"]+)"/) else { break }
            path = String(next.output.1).replacing("&amp;", with: "&")
        }
        #expect(seen.sorted() == ids.sorted(), "every account once across the pages: \(seen)")
        #expect(try await stack.monitorRequest("GET", "/accounts/reauth?limit=0", token: Stack.readToken).status == 400)
        #expect(try await stack.monitorRequest("GET", "/accounts/reauth?limit=501", token: Stack.readToken).status == 400)
        await stack.stop()
    }
}
