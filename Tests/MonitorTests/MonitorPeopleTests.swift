import Contracts
import CurlClient
import Foundation
import RPC
import TestSupport
import Testing

@Suite("Monitor: users, portfolios and accounts in the console: search, paging, forms, deletes, audit, read-only")
struct MonitorPeopleTests {
    /// The `href` of the element with `id` in `html`.
    static func link(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\"") else { return nil }
        let tail = html[start.upperBound...]
        guard let href = tail.range(of: "href=\""), let end = tail[href.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(tail[href.upperBound..<end]).replacingOccurrences(of: "&amp;", with: "&")
    }

    static func ids(_ attribute: String, in html: String) -> [Int] {
        html.components(separatedBy: "\(attribute)=\"").dropFirst().compactMap { Int($0.prefix { $0 != "\"" }) }
    }

    @Test("search and paging find the right rows across pages, in Postgres, with % and _ taken literally and the text bounded")
    func searchAndPaging() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        let admin = try stack.admin
        let tag = UUID().uuidString.prefix(6).lowercased()
        var pagers: [Int] = []
        for index in 0..<53 {
            pagers.append(
                try await admin.call(PersistenceAPI.createUser, CreateUser(email: "p\(index)-\(tag)@example.com", name: "Pager \(index)")).id)
        }
        let percent = try await admin.call(PersistenceAPI.createUser, CreateUser(email: "pct-\(tag)@example.com", name: "Hundred % Sure"))
        let owner = try await admin.call(PersistenceAPI.createUser, CreateUser(email: "owner-\(tag)@example.org", name: "Olga Owner"))
        let portfolio = try await admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: owner.id, name: "Growth", baseCurrency: "INR"))
        let other = try await admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: pagers[0], name: "Other", baseCurrency: "USD"))
        let account = try await admin.call(
            PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio.id, brokerCode: "SANDBOX", label: "Main kite"))
        _ = try await admin.call(PersistenceAPI.createAccount, CreateAccount(portfolioID: other.id, brokerCode: "SANDBOX", label: "Spare"))

        // Through the API, two at a time: every match once, newest first, nothing else.
        var seen: [Int] = []
        var cursor: String?
        repeat {
            let page = try await admin.call(PersistenceAPI.listUsers, ListUsers(search: "PAGER 1", cursor: cursor, limit: 2))
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        let expected = (0..<53).filter { "Pager \($0)".hasPrefix("Pager 1") }.map { pagers[$0] }.sorted(by: >)
        #expect(seen == expected)
        #expect(try await admin.call(PersistenceAPI.listUsers, ListUsers(search: "%", limit: 500)).items.map(\.id) == [percent.id])
        #expect(try await admin.call(PersistenceAPI.listUsers, ListUsers(search: "pager_1", limit: 500)).items.isEmpty)
        await #expect { try await admin.call(PersistenceAPI.listUsers, ListUsers(search: String(repeating: "a", count: 101))) } throws: {
            ($0 as? RPCError)?.status == 422
        }
        await #expect { try await admin.call(PersistenceAPI.listUsers, ListUsers(limit: 501)) } throws: { ($0 as? RPCError)?.status == 422 }
        #expect(try await admin.call(PersistenceAPI.listPortfolios, ListPortfolios(search: "olga")).items.map(\.id) == [portfolio.id])
        #expect(
            try await admin.call(PersistenceAPI.listPortfolios, ListPortfolios(search: "owner-\(tag)@example.org")).items.map(\.id) == [portfolio.id])
        for text in ["main kite", "olga", "growth", "owner-\(tag)"] {
            #expect(try await admin.call(PersistenceAPI.listAccounts, ListAccounts(search: text)).items.map(\.id) == [account.id], "\(text)")
        }
        #expect(try await admin.call(PersistenceAPI.listAccounts, ListAccounts(search: "sandbox")).items.count == 2)

        // Through the pages: 50 a page, the next page by its cursor.
        let first = try await stack.monitorRequest("GET", "/users?q=pager", token: Stack.readToken)
        #expect(first.status == 200 && Self.ids("data-user", in: first.text).count == 50)
        let next = try #require(Self.link("next-page", in: first.text))
        let second = try await stack.monitorRequest("GET", next, token: Stack.readToken)
        #expect(Set(Self.ids("data-user", in: first.text) + Self.ids("data-user", in: second.text)) == Set(pagers))
        #expect(Self.link("next-page", in: second.text) == nil && second.text.contains("id=\"cursor-first\""))
        let portfolios = try await stack.monitorRequest("GET", "/portfolios?q=olga", token: Stack.readToken)
        #expect(Self.ids("data-portfolio", in: portfolios.text) == [portfolio.id] && portfolios.text.contains("Olga Owner"))
        let accounts = try await stack.monitorRequest("GET", "/accounts?q=kite&broker=SANDBOX", token: Stack.readToken)
        #expect(Self.ids("data-account", in: accounts.text) == [account.id])
        #expect(try await stack.monitorRequest("GET", "/accounts?status=bogus", token: Stack.readToken).status == 400)
        #expect(try await stack.monitorRequest("GET", "/users?q=" + String(repeating: "b", count: 101), token: Stack.readToken).status == 422)
        await stack.stop()
    }

    @Test(
        "forms create, edit, disable, enable and delete (after a confirmation) users and portfolios, audited as the person; bad fields are a 422 by the field"
    )
    func changesThroughForms() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        let admin = try stack.admin
        let (cookie, csrf) = try await stack.monitorLogin(token: Stack.adminToken)
        func post(_ path: String, _ form: [String: String]) async throws -> HTTPClientResponse {
            try await stack.monitorRequest("POST", path, cookie: cookie, form: form.merging(["csrf": csrf]) { first, _ in first })
        }
        let email = "ana-\(UUID().uuidString.prefix(6).lowercased())@example.com"

        let bad = try await post("/users/new", ["name": "Ana Typed", "email": "not-an-email"])
        #expect(bad.status == 422 && bad.text.contains("data-field=\"email\"") && bad.text.contains("value=\"Ana Typed\""))
        #expect(bad.text.contains("value=\"not-an-email\""), "what was typed is kept")
        let created = try await post("/users/new", ["name": "Ana", "email": email])
        let location = try #require(created.header("location"))
        #expect(created.status == 303 && location.hasSuffix("?notice=created"))
        let userID = try #require(Int(location.dropFirst("/users/".count).prefix { $0.isNumber }))
        #expect(try await stack.monitorRequest("GET", location, cookie: cookie).text.contains("data-notice=\"created\""))
        let taken = try await post("/users/new", ["name": "Ana again", "email": email])
        #expect(taken.status == 409 && taken.text.contains("data-field=\"email\""))

        #expect(try await post("/users/\(userID)/edit", ["name": "Ana B.", "email": email]).status == 303)
        #expect(try await admin.call(PersistenceAPI.getUser, ByID(id: userID)).name == "Ana B.")
        let blank = try await post("/users/\(userID)/edit", ["name": "", "email": email])
        #expect(blank.status == 422 && blank.text.contains("data-field=\"name\""))
        #expect(try await post("/users/\(userID)/disable", [:]).status == 303)
        #expect(try await admin.call(PersistenceAPI.getUser, ByID(id: userID)).active == false)
        #expect(try await post("/users/\(userID)/enable", [:]).status == 303)
        #expect(try await admin.call(PersistenceAPI.getUser, ByID(id: userID)).active == true)

        let badPortfolio = try await post("/portfolios/new", ["userID": "\(userID)", "name": "Long term", "baseCurrency": "RUPEES"])
        #expect(
            badPortfolio.status == 422 && badPortfolio.text.contains("data-field=\"baseCurrency\"")
                && badPortfolio.text.contains("value=\"Long term\""))
        let noOwner = try await post("/portfolios/new", ["userID": "abc", "name": "Long term", "baseCurrency": "INR"])
        #expect(noOwner.status == 422 && noOwner.text.contains("data-field=\"userID\""))
        let unknownOwner = try await post("/portfolios/new", ["userID": "999999", "name": "Long term", "baseCurrency": "INR"])
        #expect(
            unknownOwner.status == 422 && unknownOwner.text.contains("data-field=\"userID\"")
                && unknownOwner.text.contains("user 999999 does not exist"))
        let portfolioLocation = try #require(
            try await post("/portfolios/new", ["userID": "\(userID)", "name": "Long term", "baseCurrency": "inr"]).header("location"))
        let portfolioID = try #require(Int(portfolioLocation.dropFirst("/portfolios/".count).prefix { $0.isNumber }))
        let portfolioPage = try await stack.monitorRequest("GET", "/portfolios/\(portfolioID)", cookie: cookie)
        for view in ["holdings", "history", "changes"] { #expect(portfolioPage.text.contains("href=\"/portfolios/\(portfolioID)/\(view)\"")) }
        #expect(try await post("/portfolios/\(portfolioID)/edit", ["name": "Retirement", "baseCurrency": "USD"]).status == 303)
        let portfolio = try await admin.call(PersistenceAPI.getPortfolio, ByID(id: portfolioID))
        #expect(portfolio.name == "Retirement" && portfolio.baseCurrency == "USD")

        // A delete needs its confirmation post; an owner of a portfolio cannot go.
        #expect(try await stack.monitorRequest("GET", "/users/\(userID)/delete", cookie: cookie).text.contains("id=\"delete-form\""))
        let unconfirmed = try await post("/users/\(userID)/delete", [:])
        #expect(unconfirmed.status == 303 && unconfirmed.header("location") == "/users/\(userID)/delete")
        let owning = try await post("/users/\(userID)/delete", ["confirm": "yes"])
        #expect(owning.status == 409 && owning.text.contains("owns 1 portfolio"))
        #expect(try await admin.call(PersistenceAPI.getUser, ByID(id: userID)).id == userID)
        #expect(try await post("/portfolios/\(portfolioID)/delete", ["confirm": "yes"]).status == 303)
        #expect(try await post("/users/\(userID)/delete", ["confirm": "yes"]).status == 303)
        await #expect { try await admin.call(PersistenceAPI.getUser, ByID(id: userID)) } throws: { ($0 as? RPCError)?.status == 404 }

        let audit = try await admin.call(PersistenceAPI.listAudit, ListAudit(entity: "user", entityID: "\(userID)")).items
        #expect(Set(audit.map(\.action)) == ["create", "update", "disable", "enable", "delete"])
        #expect(audit.allSatisfy { $0.actor == "monitor for admin" }, "\(audit.map(\.actor))")
        let portfolioAudit = try await admin.call(PersistenceAPI.listAudit, ListAudit(entity: "portfolio", entityID: "\(portfolioID)")).items
        #expect(
            portfolioAudit.map(\.action).sorted() == ["create", "delete", "update"] && portfolioAudit.allSatisfy { $0.actor == "monitor for admin" })
        await stack.stop()
    }

    @Test("read-only sessions see no buttons or forms and get 403 on every post")
    func readOnly() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        let admin = try stack.admin
        let user = try await admin.call(PersistenceAPI.createUser, CreateUser(email: "ro-\(UUID().uuidString.prefix(6))@example.com", name: "R"))
        let portfolio = try await admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: user.id, name: "P", baseCurrency: "INR"))
        let account = try await admin.call(PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio.id, brokerCode: "SANDBOX", label: "A"))
        let (cookie, csrf) = try await stack.monitorLogin(token: Stack.readToken)
        for path in ["/users", "/users/\(user.id)", "/portfolios", "/portfolios/\(portfolio.id)", "/accounts", "/accounts/\(account.id)"] {
            let page = try await stack.monitorRequest("GET", path, cookie: cookie)
            #expect(page.status == 200, "\(path)")
            #expect(!page.text.contains("method=\"post\" action=\"/users") && !page.text.contains("method=\"post\" action=\"/portfolios"), "\(path)")
            #expect(!page.text.contains("method=\"post\" action=\"/accounts") && !page.text.contains("id=\"credentials-form\""), "\(path)")
            #expect(!page.text.contains("id=\"edit\"") && !page.text.contains("id=\"delete\"") && !page.text.contains("id=\"new-"), "\(path)")
        }
        let posts = [
            "/users/new", "/users/\(user.id)/edit", "/users/\(user.id)/disable", "/users/\(user.id)/enable", "/users/\(user.id)/delete",
            "/portfolios/new", "/portfolios/\(portfolio.id)/edit", "/portfolios/\(portfolio.id)/disable", "/portfolios/\(portfolio.id)/delete",
            "/accounts/new", "/accounts/\(account.id)/edit", "/accounts/\(account.id)/disable", "/accounts/\(account.id)/enable",
            "/accounts/\(account.id)/sync", "/accounts/\(account.id)/delete", "/accounts/\(account.id)/credentials",
        ]
        for path in posts {
            let response = try await stack.monitorRequest(
                "POST", path, cookie: cookie, form: ["csrf": csrf, "confirm": "yes", "name": "x", "email": "x@example.com", "cred.token": "t"])
            #expect(response.status == 403, "\(path)")
        }
        #expect(try await stack.monitorRequest("GET", "/accounts/\(account.id)/login", cookie: cookie).status == 403)
        #expect(try await admin.call(PersistenceAPI.getAccount, ByID(id: account.id)).status == .active)
        #expect(try await admin.call(PersistenceAPI.getUser, ByID(id: user.id)).name == "R")
        await stack.stop()
    }
}
