import Contracts

/// Accounts needing a new login now, and those whose login ends before their next run; a "Log in" button for each
/// whose broker has a login page (administrators), else the command that fixes it. Each list is a page of its own
/// (`now` and `soon` cursors), read in Postgres.
enum ReauthPage {
    static func render(
        now nowPage: Page<BrokerAccount>, soon soonPage: Page<BrokerAccount>, cursors: (now: String?, soon: String?), limit: Int?,
        withLogin: Set<String>, viewer: Viewer
    ) -> String {
        func fix(_ account: BrokerAccount) -> String {
            let hasLogin = withLogin.contains(account.brokerCode)
            let button = hasLogin ? ConsoleParts.adminLink(viewer, "/accounts/\(account.id)/login", "Log in", id: "login-\(account.id)") + " " : ""
            return button + "<code>\(HTML.escape(MonitorData.fix(for: account, hasLogin: hasLogin)))</code>"
        }
        /// Keeps the other list's place and the page size when one list moves on.
        func pager(_ name: String, current: String?, next: String?, other: (String, String?)) -> String {
            ConsoleParts.pager(
                "/accounts/reauth", query: ConsoleParts.encode([other, ("limit", limit.map(String.init))]), cursorName: name, current: current,
                next: next, anchor: "#" + name)
        }
        let now = nowPage.items.map { account -> [String] in
            return [
                "<span data-reauth=\"\(account.id)\">\(HTML.link("/accounts/\(account.id)", "\(account.id)"))</span>", HTML.escape(account.label),
                HTML.escape(account.brokerCode), "\(account.portfolioID)", "\(account.userID)", HTML.escape(account.lastError ?? "–"),
                HTML.time(account.lastSyncedAt), fix(account),
            ]
        }
        let soon = soonPage.items.map { account -> [String] in
            return [
                "<span data-reauth-soon=\"\(account.id)\">\(HTML.link("/accounts/\(account.id)", "\(account.id)"))</span>",
                HTML.escape(account.label),
                HTML.escape(account.brokerCode), HTML.time(account.loginExpiresAt), HTML.time(account.nextScheduledRunAt), fix(account),
            ]
        }
        return "<p id=\"now\">These accounts are skipped by every run until someone logs in again: log in from here, or run the command shown.</p>"
            + HTML.table(
                ["Account", "Label", "Broker", "Portfolio", "User", "Last error", "Last synced", "Fix"], now, empty: "every account can sync")
            + pager("now", current: cursors.now, next: nowPage.nextCursor, other: ("soon", cursors.soon))
            + "<h2 id=\"soon\">Login ends before the next scheduled run</h2>"
            + "<p>The broker ends these logins (Kite: 06:00 IST the next day) before the next run that covers them; log in again first.</p>"
            + HTML.table(["Account", "Label", "Broker", "Login expires", "Next run", "Fix"], soon, empty: "no login ends before its next run")
            + pager("soon", current: cursors.soon, next: soonPage.nextCursor, other: ("now", cursors.now))
    }
}
