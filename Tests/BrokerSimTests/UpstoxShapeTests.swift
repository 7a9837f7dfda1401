import CurlClient
import Foundation
import SandboxData
import Testing

/// brokersim's Upstox module on its own: the documented shapes, paging and parameters of the trade history, and the
/// OAuth login (dialog redirect, single-use code, `client_secret`).
@Suite("Upstox shapes, trade history and login")
struct UpstoxShapeTests {
    static func object(_ response: HTTPClientResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], "\(response.status)")
    }

    static func errorCode(_ response: HTTPClientResponse) throws -> String? {
        ((try object(response)["errors"] as? [[String: Any]])?.first?["error_code"]) as? String
    }

    @Test("quantity is the total; t1_quantity and collateral_quantity are parts of it")
    func holdings() async throws {
        let sim = try await SimulatorProcess.start()
        let token = "t1-pledged-fullpledge-acct9"
        let portfolio = SimulatedPortfolio(token: token, day: 0, count: 20).holdings
        let shaped = try Self.object(try await sim.bearer("/v2/portfolio/long-term-holdings", token: token))["data"] as? [[String: Any]]
        let rows = try #require(shaped)
        #expect(rows.count == portfolio.count && rows.count == 20)
        for (index, row) in rows.enumerated() {
            let total = row["quantity"] as! Int
            #expect(Decimal(total) == portfolio[index].quantity, "the simulated position's whole quantity")
            #expect((row["t1_quantity"] as! Int) + (row["collateral_quantity"] as! Int) <= total)
        }
        #expect(rows[0]["collateral_quantity"] as? Int == rows[0]["quantity"] as? Int, "fullpledge")
        #expect(rows[1]["collateral_quantity"] as! Int > 0 && rows[2]["t1_quantity"] as! Int > 0)
        await sim.stop()
    }

    @Test("the trade history pages by page_number and page_size within the dates, and refuses missing parameters")
    func history() async throws {
        let sim = try await SimulatorProcess.start()
        func page(_ query: String) async throws -> HTTPClientResponse {
            try await sim.bearer("/v2/charges/historical-trades?" + query, token: "history-acct1")
        }
        let first = try Self.object(try await page("start_date=2024-04-01&end_date=2026-12-31&page_number=1&page_size=100"))
        let meta = try #require((first["meta_data"] as? [String: Any])?["page"] as? [String: Any])
        let total = meta["total_records"] as! Int
        let pages = meta["total_pages"] as! Int
        #expect(total > 200 && pages == (total + 99) / 100 && (first["data"] as? [Any])?.count == 100)
        var ids: Set<String> = []
        for number in 1...pages {
            let body = try Self.object(try await page("start_date=2024-04-01&end_date=2026-12-31&page_number=\(number)&page_size=100"))
            for trade in body["data"] as! [[String: Any]] { ids.insert(trade["trade_id"] as! String) }
        }
        #expect(ids.count == total, "every trade once across the pages")
        let december = try Self.object(try await page("start_date=2025-12-01&end_date=2025-12-31&page_number=1&page_size=100"))
        let dates = (december["data"] as! [[String: Any]]).map { $0["trade_date"] as! String }
        #expect(!dates.isEmpty && dates.count < total && dates.allSatisfy { $0.hasPrefix("2025-12-") })

        let missing = try await page("start_date=2024-04-01&end_date=2026-12-31&page_number=1")
        #expect(missing.status == 400 && String(decoding: missing.body, as: UTF8.self).contains("page_size"))
        #expect(try await page("start_date=01-04-2024&end_date=2026-12-31&page_number=1&page_size=10").status == 400)
        await sim.stop()
    }

    @Test("the Authorize dialog redirects with a code and the state; the code works once, with the app's secret")
    func login() async throws {
        let sim = try await SimulatorProcess.start()
        let bad = try await sim.send("GET", "/v2/login/authorization/dialog?response_type=code&client_id=app")
        #expect(try bad.status == 400 && Self.errorCode(bad) == "UDAPI100068")
        let dialog = try await sim.send(
            "GET", "/v2/login/authorization/dialog?response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fx.example%2Fcb&state=s1")
        let location = try #require(dialog.header("location"))
        #expect(dialog.status == 302 && location.hasPrefix("https://x.example/cb?code=") && location.hasSuffix("&state=s1"))
        let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
        func exchange(secret: String) async throws -> HTTPClientResponse {
            try await sim.send(
                "POST", "/v2/login/authorization/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(
                    "code=\(code)&client_id=app&client_secret=\(secret)&redirect_uri=https%3A%2F%2Fx.example%2Fcb&grant_type=authorization_code".utf8)
            )
        }
        let wrong = try await exchange(secret: "nope")
        #expect(try wrong.status == 401 && Self.errorCode(wrong) == "UDAPI100016")
        let token = try Self.object(try await exchange(secret: "secret-app"))
        let accessToken = try #require(token["access_token"] as? String)
        #expect(accessToken.hasPrefix("day0-upstox-u") && token["user_id"] as? String != nil && token["status"] == nil, "no envelope")
        #expect(try await exchange(secret: "secret-app").status == 401, "a code works once")
        let profile = try Self.object(try await sim.bearer("/v2/user/profile", token: accessToken))
        #expect((profile["data"] as? [String: Any])?["user_id"] as? String == token["user_id"] as? String)
        await sim.stop()
    }
}
