import Contracts

/// Accounts needing a new login now, and those whose login ends before their next run; a "Log in" button for each
/// whose broker has a login page (administrators), else the command that fixes it.
enum ReauthPage {
    static func render(_ accounts: [ReauthAccount], withLogin: Set<String>, viewer: Viewer) -> String {
        func fix(_ entry: ReauthAccount) -> String {
            let account = entry.account
            let button =
                withLogin.contains(account.brokerCode)
                ? ConsoleParts.adminLink(viewer, "/accounts/\(account.id)/login", "Log in", id: "login-\(account.id)") + " " : ""
            return button + "<code>\(HTML.escape(entry.fix))</code>"
        }
        let now = accounts.filter { $0.account.status == .reauthRequired }.map { entry -> [String] in
            let account = entry.account
            return [
                "<span data-reauth=\"\(account.id)\">\(HTML.link("/accounts/\(account.id)", "\(account.id)"))</span>", HTML.escape(account.label),
                HTML.escape(account.brokerCode), "\(account.portfolioID)", "\(account.userID)", HTML.escape(account.lastError ?? "–"),
                HTML.time(account.lastSyncedAt), fix(entry),
            ]
        }
        let soon = accounts.filter { $0.account.status != .reauthRequired }.map { entry -> [String] in
            let account = entry.account
            return [
                "<span data-reauth-soon=\"\(account.id)\">\(HTML.link("/accounts/\(account.id)", "\(account.id)"))</span>",
                HTML.escape(account.label),
                HTML.escape(account.brokerCode), HTML.time(account.loginExpiresAt), HTML.time(account.nextScheduledRunAt), fix(entry),
            ]
        }
        return "<p>These accounts are skipped by every run until someone logs in again: log in from here, or run the command shown.</p>"
            + HTML.table(
                ["Account", "Label", "Broker", "Portfolio", "User", "Last error", "Last synced", "Fix"], now, empty: "every account can sync")
            + "<h2>Login ends before the next scheduled run</h2>"
            + "<p>The broker ends these logins (Kite: 06:00 IST the next day) before the next run that covers them; log in again first.</p>"
            + HTML.table(["Account", "Label", "Broker", "Login expires", "Next run", "Fix"], soon, empty: "no login ends before its next run")
    }
}
