import Contracts
import ExactDecimal
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

/// The console as a person uses it, in headless Chromium: every page walked as an administrator (each form filled in
/// and submitted with its button, the outcome checked through the services' APIs) and as a read-only viewer (every page
/// shown, no button that changes anything). Screenshots of each page go to `.build/test-output/console/`.
@Suite("Monitor console in a browser")
struct MonitorConsoleWalkTests {
    static let folder = MonitorBrowserTests.outputFolder() + "/console"

    /// Everything the console's pages call: brokersim, dispatcher, scheduler, a SANDBOX gateway (with `gateway`'s
    /// settings), then the monitor, started last so it gets every service's address.
    static func consoleStack(gateway: [String: String] = [:]) async throws -> Stack {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launch("psync-scheduler")
        try await stack.launchGateway("SANDBOX", environment: gateway)
        try await stack.launch("psync-monitor")
        return stack
    }

    @Test("an admin creates a user, portfolio, account and schedule with the forms, seals credentials, syncs, pauses, runs and deletes; all audited")
    func adminWalk() async throws {
        let stack = try await Self.consoleStack()
        let base = try stack.monitorURL
        let admin = try stack.admin
        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await MonitorBrowserTests.logIn(browser, base: base, token: Stack.adminToken)

        // A user, with the form's own validation first: a bad email comes back by its field, what was typed kept.
        try await browser.open(base + "/users")
        try await browser.click("a#new-user")
        try await browser.fill("#field-name", "Asha Rao")
        try await browser.fill("#field-email", "not-an-email")
        // Chromium checks type=email itself; without that check (an older browser, a script) the server's own applies.
        #expect(try await browser.evaluate("document.querySelector('#user-form').checkValidity()") as? Bool == false)
        _ = try await browser.evaluate("document.querySelector('#user-form').noValidate = true")
        try await browser.click("#user-form button[type=submit]")
        #expect(try await browser.exists("p.field-error[data-field=email]"))
        #expect(try await browser.evaluate("document.querySelector('#field-name').value") as? String == "Asha Rao")
        try await browser.screenshot(to: Self.folder + "/user-form-error.png")
        let email = "asha-\(UUID().uuidString.prefix(6).lowercased())@example.com"
        try await browser.fill("#field-email", email)
        try await browser.click("#user-form button[type=submit]")
        #expect(try await browser.exists("#notice[data-notice=created]"))
        let user = try #require(try await admin.call(PersistenceAPI.listUsers, ListUsers(search: email)).items.first)
        #expect(user.name == "Asha Rao")
        try await browser.screenshot(to: Self.folder + "/user.png")

        // Her portfolio, from her page.
        try await browser.click("a#new-portfolio")
        try await browser.fill("#field-name", "Family")
        try await browser.fill("#field-baseCurrency", "INR")
        try await browser.click("#portfolio-form button[type=submit]")
        let portfolio = try #require(try await admin.call(PersistenceAPI.listPortfolios, ListPortfolios(userID: user.id)).items.first)
        #expect(portfolio.name == "Family" && portfolio.baseCurrency == "INR")
        #expect(try await browser.exists("#portfolio-views"))
        try await browser.screenshot(to: Self.folder + "/portfolio.png")

        // An account in it; credentials sealed through the write-only form; a sync from its page.
        try await browser.click("a#new-account")
        try await browser.fill("#field-brokerCode", "SANDBOX")
        try await browser.fill("#field-label", "Main")
        try await browser.click("#account-form button[type=submit]")
        let account = try #require(try await admin.call(PersistenceAPI.listAccounts, ListAccounts(portfolioID: portfolio.id)).items.first)
        #expect(try await browser.exists("#credential-state[data-credentials=none]"))
        let secret = "walk-\(UUID().uuidString)"
        try await browser.fill("#credentials-form input[name='cred.token']", secret)
        try await browser.click("#credentials-form button[type=submit]")
        #expect(try await browser.exists("#credential-state[data-credentials=stored]"))
        #expect(!(try await browser.html()).contains(secret), "a sealed credential came back to the page")
        #expect(try await admin.call(PersistenceAPI.getAccount, ByID(id: account.id)).hasCredentials)
        try await browser.click("form[action='/accounts/\(account.id)/sync'] button")
        try await eventually(timeout: .seconds(30), "the account's sync to finish") {
            try await admin.call(PersistenceAPI.getAccount, ByID(id: account.id)).lastSyncedAt != nil
        }
        try await browser.open(base + "/accounts/\(account.id)")
        let stored = try await admin.call(PersistenceAPI.accountHoldings, ByID(id: account.id)).holdings
        let page = try await browser.html()
        let jobShown = try await browser.exists("[data-job]")
        #expect(jobShown && !stored.isEmpty && stored.allSatisfy { page.contains(">\($0.symbol)<") })
        try await browser.screenshot(to: Self.folder + "/account.png")

        // The portfolio's views, reached by their links: totals equal the API's; the chart has a point per stored total.
        try await browser.open(base + "/portfolios/\(portfolio.id)")
        try await browser.click("#portfolio-views a[href$='/holdings']")
        let totals = try await admin.call(PersistenceAPI.portfolioHoldings, ByID(id: portfolio.id)).totals
        for total in totals {
            let shown =
                try await browser.evaluate(
                    "document.querySelector('tr[data-total-currency=\"\(total.currency)\"]')?.getAttribute('data-value')") as? String
            #expect(shown == total.marketValue.exactText, "\(total.currency): page \(shown ?? "none"), API \(total.marketValue)")
        }
        #expect(try await browser.exists("svg.chart[id^=allocation-symbol-]"))
        try await browser.screenshot(to: Self.folder + "/portfolio-holdings.png")
        try await browser.open(base + "/portfolios/\(portfolio.id)/history")
        #expect(try await browser.exists("svg.chart#chart-value circle[data-point=value]"))
        try await browser.screenshot(to: Self.folder + "/portfolio-history.png")
        try await browser.open(base + "/portfolios/\(portfolio.id)/changes")
        try await browser.screenshot(to: Self.folder + "/portfolio-changes.png")

        // A schedule: a bad cron is refused by its field; an interval one is made, paused, resumed and run now.
        try await browser.open(base + "/schedules")
        try await browser.click("a#new-schedule")
        try await browser.fill("#schedule-name", "Nightly")
        try await browser.fill("#schedule-timing", "cron")
        try await browser.fill("#schedule-cron", "61 * * * *")
        try await browser.fill("#schedule-time-zone", "Asia/Kolkata")
        try await browser.click("#schedule-submit")
        #expect(try await browser.exists("p.field-error[data-field=cron]"))
        try await browser.screenshot(to: Self.folder + "/schedule-form-error.png")
        try await browser.fill("#schedule-cron", "30 2 * * *")
        try await browser.click("#schedule-submit")
        let schedule = try #require(try await stack.client("psync-scheduler").call(SchedulerAPI.listSchedules, ListSchedules()).items.first)
        #expect(schedule.schedule.definition.name == "Nightly")
        #expect(try await browser.url() == base + "/schedules/\(schedule.schedule.id)")
        try await browser.click("form[action='/schedules/\(schedule.schedule.id)/pause'] button")
        let paused = try await stack.client("psync-scheduler").call(SchedulerAPI.getSchedule, ByID(id: schedule.schedule.id))
        #expect(paused.schedule.definition.enabled == false)
        try await browser.click("form[action='/schedules/\(schedule.schedule.id)/resume'] button")
        try await browser.click("form[action='/schedules/\(schedule.schedule.id)/run'] button")
        try await eventually(timeout: .seconds(30), "the run-now fire to show in the schedule's history") {
            try await browser.open(base + "/schedules/\(schedule.schedule.id)")
            return try await browser.exists("#fires [data-fire-run]")
        }
        try await browser.screenshot(to: Self.folder + "/schedule.png")
        try await browser.click("a#edit-schedule")
        try await browser.fill("#schedule-cron", "45 3 * * *")
        try await browser.click("#schedule-submit")
        let edited = try await stack.client("psync-scheduler").call(SchedulerAPI.getSchedule, ByID(id: schedule.schedule.id))
        #expect(edited.schedule.definition.cron == "45 3 * * *")

        // Runs and dead letters: the pages with their bulk actions; the schedule deleted through its confirmation page.
        let run = try #require(try await admin.call(PersistenceAPI.listRuns, ListRuns(limit: 1)).items.first)
        try await browser.open(base + "/runs/\(run.id)")
        let cancelledCount = try await browser.exists("#run-cancelled")
        #expect(try await browser.text("h1") == "Run" && cancelledCount)
        try await browser.screenshot(to: Self.folder + "/run.png")
        try await browser.open(base + "/dead-letters")
        #expect(try await browser.exists("form#dead-letter-filter"))
        try await browser.open(base + "/schedules/\(schedule.schedule.id)")
        try await browser.click("a#delete-schedule")
        try await browser.click("form#confirm-delete button")
        #expect(try await browser.url() == base + "/schedules")

        // The audit log, filtered to this person's actions, lists what was done here.
        try await browser.open(base + "/audit")
        try await browser.fill("#audit-actor", "admin")
        try await browser.click("form#audit-filters button[type=submit]")
        let audit = try await browser.html()
        for action in ["create", "store_credentials", "pause", "resume", "run", "delete"] {
            #expect(audit.contains("data-audit-action") && audit.contains(">\(action)<"), "the audit page lacks \(action)")
        }
        try await browser.screenshot(to: Self.folder + "/audit.png")
        await stack.stop()
    }

    @Test(
        "an admin edits, disables and enables with the forms, pauses a queue, cancels a run, retries failed jobs and discards dead letters by filter")
    func adminBulkWalk() async throws {
        let stack = try await Self.consoleStack(gateway: ["PSYNC_MAX_ATTEMPTS": "1"])
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": "bulk-walk-\($0)"] }
        let base = try stack.monitorURL
        let admin = try stack.admin
        let monitor = try stack.monitor()
        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await MonitorBrowserTests.logIn(browser, base: base, token: Stack.adminToken)

        // Edit a user; disable and enable an account.
        let account = accounts[0]
        try await browser.open(base + "/users/\(account.userID)")
        try await browser.click("a#edit")
        try await browser.fill("#field-name", "Renamed in the browser")
        try await browser.click("#user-form button[type=submit]")
        #expect(try await admin.call(PersistenceAPI.getUser, ByID(id: account.userID)).name == "Renamed in the browser")
        try await browser.open(base + "/portfolios/\(account.portfolioID)")
        try await browser.click("#portfolio-actions a#edit")
        try await browser.fill("#field-name", "Renamed portfolio")
        try await browser.click("#portfolio-form button[type=submit]")
        #expect(try await admin.call(PersistenceAPI.getPortfolio, ByID(id: account.portfolioID)).name == "Renamed portfolio")
        try await browser.open(base + "/accounts/\(account.id)")
        try await browser.click("#account-actions a#edit")
        try await browser.fill("#field-label", "Renamed account")
        try await browser.click("#account-form button[type=submit]")
        #expect(try await admin.call(PersistenceAPI.getAccount, ByID(id: account.id)).label == "Renamed account")
        try await browser.click("form[action='/accounts/\(account.id)/disable'] button")
        #expect(try await admin.call(PersistenceAPI.getAccount, ByID(id: account.id)).status == .disabled)
        try await browser.click("form[action='/accounts/\(account.id)/enable'] button")
        #expect(try await admin.call(PersistenceAPI.getAccount, ByID(id: account.id)).status == .active)

        // Pause the queue with its button, start a run, cancel it through its confirmation page.
        try await browser.open(base + "/queues")
        try await browser.click("form[action='/queues/SANDBOX/pause'] button")
        try await Task.sleep(for: .milliseconds(1200))  // the gateway looks at the flag every 500 ms, between reads of up to 500 ms
        let cancelled = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings])).run.id
        try await eventually("the run to be running with its jobs queued") {
            try await monitor.call(MonitorAPI.run, ByID(id: cancelled)).detail.run.status == .running
        }
        try await browser.open(base + "/runs/\(cancelled)")
        try await browser.click("a#cancel-run")
        try await browser.screenshot(to: Self.folder + "/run-cancel-confirm.png")
        try await browser.click("form#confirm-cancel button")
        let run = try await monitor.call(MonitorAPI.run, ByID(id: cancelled)).detail.run
        #expect(run.status == .finished && run.counts.cancelled == 3, "\(run.counts)")
        try await browser.open(base + "/queues")
        try await browser.click("form[action='/queues/SANDBOX/resume'] button")

        // A run where one account's broker answers 503: one attempt allowed, so its job dies and leaves a dead letter.
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"bulk-walk-1","responses":["503","503","503","503"]}"#)
        let failing = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings])).run.id
        try await eventually(timeout: .seconds(30), "the run to finish with one dead job") {
            try await monitor.call(MonitorAPI.run, ByID(id: failing)).detail.run.status == .finished
        }
        #expect(try await monitor.call(MonitorAPI.deadLetters, ListDeadLetters()).total == 1)
        // Retry its failed jobs from the run page: the fault is spent, so the job succeeds this time.
        _ = try await stack.simulator("DELETE", "/sim/faults", "")
        try await browser.open(base + "/runs/\(failing)")
        try await browser.click("form[action='/runs/\(failing)/retry-failed'] button")
        try await eventually(timeout: .seconds(30), "the retried job to succeed") {
            try await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(failing) AND status = 'succeeded'") == 3
        }

        // Two more dead letters; the filter counts them, and the confirmation page discards them.
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"bulk-walk-2","responses":["503","503","503","503"]}"#)
        _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"bulk-walk-0","responses":["503","503","503","503"]}"#)
        let third = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings])).run.id
        try await eventually(timeout: .seconds(30), "two dead letters") {
            let finished = try await monitor.call(MonitorAPI.run, ByID(id: third)).detail.run.status == .finished
            let letters = try await monitor.call(MonitorAPI.deadLetters, ListDeadLetters()).total
            return finished && letters == 2
        }
        try await browser.open(base + "/dead-letters")
        try await browser.fill("#dead-filter-broker", "SANDBOX")
        try await browser.click("form#dead-letter-filter button[type=submit]")
        #expect((try await browser.text("#dead-letter-matches") ?? "").contains("2"))
        try await browser.screenshot(to: Self.folder + "/dead-letters-filtered.png")
        try await browser.click("a#discard-matching")
        try await browser.click("form#confirm-discard button")
        #expect(try await monitor.call(MonitorAPI.deadLetters, ListDeadLetters()).total == 0)
        try await browser.open(base + "/accounts/\(accounts[2].id)")
        try await browser.click("#account-actions a#delete")
        try await browser.click("button#confirm-delete")
        await #expect { try await admin.call(PersistenceAPI.getAccount, ByID(id: accounts[2].id)) } throws: { ($0 as? RPCError)?.status == 404 }
        let audit = try await admin.call(PersistenceAPI.listAudit, ListAudit()).items.map(\.action)
        for action in ["update", "disable", "enable", "pause", "resume", "cancel", "reopen", "discard"] {
            #expect(audit.contains(action), "no \(action) in the audit log: \(audit)")
        }
        await stack.stop()
    }

    @Test("a read-only viewer sees every console page and no button that changes anything")
    func readOnlyWalk() async throws {
        let stack = try await Self.consoleStack()
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "read-walk-\($0)"] }
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        try await eventually(timeout: .seconds(60), "the sync to finish") {
            try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail.run.status == .finished
        }
        let base = try stack.monitorURL
        let account = try #require(try await stack.admin.call(PersistenceAPI.listAccounts, ListAccounts()).items.first)
        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await MonitorBrowserTests.logIn(browser, base: base, token: Stack.readToken)
        let pages = [
            "/", "/workers", "/queues", "/runs", "/runs/\(started.run.id)", "/jobs", "/dead-letters", "/schedules", "/users", "/portfolios",
            "/portfolios/\(account.portfolioID)", "/portfolios/\(account.portfolioID)/holdings", "/portfolios/\(account.portfolioID)/history",
            "/portfolios/\(account.portfolioID)/changes", "/accounts", "/accounts/\(account.id)", "/accounts/\(account.id)/changes",
            "/accounts/reauth", "/audit",
        ]
        for path in pages {
            try await browser.open(base + path)
            let title = try await browser.text("h1") ?? ""
            let main = try await browser.text("main") ?? ""
            #expect(!title.hasPrefix("Error"), "\(path) showed \(title): \(main)")
            // The only form that posts is the logout button.
            let posting = try await browser.evaluate(
                "Array.from(document.querySelectorAll('form[method=post]')).map(f=>f.getAttribute('action')).filter(a=>a!=='/logout')")
            #expect((posting as? [Any])?.isEmpty == true, "\(path) offers \(posting ?? "")")
            let name = path == "/" ? "overview" : path.dropFirst().replacingOccurrences(of: "/", with: "-")
            try await browser.screenshot(to: Self.folder + "/read-only-\(name).png")
        }
        await stack.stop()
    }
}
