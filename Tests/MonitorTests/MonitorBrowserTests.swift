import Contracts
import CurlClient
import Foundation
import RPC
import TestSupport
import Testing

/// Headless Chromium (Debian's `chromium`, installed by `make deps`) loads the dashboard of a stack that ran a real sync.
///
/// Chromium's command line cannot send a header or set a cookie, so the test asks the monitor's admin API for a
/// single-use login link (`POST /api/v1/login-tickets`, good once within a minute); the browser follows it, gets its
/// session cookie, and lands on the overview.
@Suite("Monitor in a browser")
struct MonitorBrowserTests {
    @Test("headless Chromium renders the overview: workers listed, the run finished, counts right, times localised; a screenshot is saved")
    func overviewInChromium() async throws {
        let (stack, detail) = try await MonitorRouteTests.syncedStack(accounts: 3)
        let base = try stack.monitorURL
        let monitor = try stack.monitor()
        let browser = try await HeadlessBrowser.launch(width: 1400, height: 1100)
        defer { browser.close() }

        try await browser.open(base + (try await monitor.call(MonitorAPI.createLoginTicket)).path)
        let dom = try await browser.html()
        #expect(dom.contains("<h1>Overview</h1>"), "\(dom.prefix(800))")
        #expect(dom.contains("data-alive=\"psync-gateway/SANDBOX\">1<"))
        #expect(dom.contains("psync-dispatcher") && dom.contains("psync-persistence") && dom.contains("psync-monitor"))
        #expect(dom.contains("<span data-run-status=\"\(detail.run.id)\"><span class=\"badge ok\">finished</span>"))
        #expect(dom.contains("data-progress=\"\(detail.run.id)\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"3\" aria-valuenow=\"3\""))
        #expect(dom.contains("id=\"jobs-succeeded-hour\">3<") && dom.contains("id=\"jobs-failed-hour\">0<"))
        #expect(dom.contains("id=\"dead-letters\">0<") && dom.contains("id=\"reauth-accounts\">0<") && dom.contains("id=\"workers-alive\">"))
        #expect(dom.contains("action=\"/logout\"") && dom.contains(">admin<"))
        // The script rewrote every time to the viewer's zone, keeping the UTC text as its title.
        #expect(dom.contains("<time datetime=\"20") && dom.contains(" UTC\">"), "times were not localised")
        #expect(try await browser.screenshot(to: Self.outputFolder() + "/monitor-overview.png") > 10_000)

        // A ticket is good once.
        let ticket = try await monitor.call(MonitorAPI.createLoginTicket)
        #expect(try await stack.monitorRequest("GET", ticket.path).status == 303)
        #expect(try await stack.monitorRequest("GET", ticket.path).status == 401)
        await stack.stop()
    }

    @Test("a person logs in through the form: read-only sees no buttons; an admin pauses and resumes a queue with its buttons")
    func loginFormAndQueueButtons() async throws {
        let (stack, _) = try await MonitorRouteTests.syncedStack(accounts: 1)
        let base = try stack.monitorURL
        let reader = try await HeadlessBrowser.launch()
        defer { reader.close() }
        try await Self.logIn(reader, base: base, token: Stack.readToken)
        #expect(try await reader.text("header .who") == "read-only")
        try await reader.open(base + "/queues")
        let pauseShown = try await reader.exists("form[action$=\"/pause\"]")
        #expect(try await reader.text("h1") == "Queues" && !pauseShown)
        try await reader.screenshot(to: Self.outputFolder() + "/monitor-queues-read-only.png")

        let admin = try await HeadlessBrowser.launch()
        defer { admin.close() }
        try await Self.logIn(admin, base: base, token: Stack.adminToken)
        try await admin.open(base + "/queues")
        try await admin.click("form[action=\"/queues/SANDBOX/pause\"] button")  // asks to confirm; the driver accepts
        #expect(try await admin.url() == base + "/queues")
        let monitor = try stack.monitor()
        #expect(try await monitor.call(MonitorAPI.queues).first { $0.broker == "SANDBOX" }?.paused == true)
        try await admin.screenshot(to: Self.outputFolder() + "/monitor-queues-paused.png")
        try await admin.click("form[action=\"/queues/SANDBOX/resume\"] button")
        #expect(try await monitor.call(MonitorAPI.queues).first { $0.broker == "SANDBOX" }?.paused == false)
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "queue", entityID: "SANDBOX"))
        #expect(audit.items.map(\.action) == ["resume", "pause"])
        await stack.stop()
    }

    /// Logs `browser` in through the login form with `token`, as a person pasting it would, and lands on the overview.
    static func logIn(_ browser: HeadlessBrowser, base: String, token: String) async throws {
        try await browser.open(base + "/login")
        try await browser.fill("input[name=token]", token)
        try await browser.click("form[action=\"/login\"] button[type=submit]")
        let landed = try await browser.url()
        guard landed == base + "/" else { throw HarnessError("the login form led to \(landed), not the overview") }
    }

    /// `.build/test-output` of this package.
    static func outputFolder() -> String {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        return root.path + "/.build/test-output"
    }
}
