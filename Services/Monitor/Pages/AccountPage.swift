import Contracts
import ExactDecimal
import FoundationEssentials

/// One account: its status and login, admin actions, credentials (write-only), recent jobs, holdings with the quantity
/// split and its snapshot's notes, positions, totals, and transactions.
enum AccountPage {
    /// Everything the page shows.
    struct Content {
        var holdings: AccountHoldings
        var positions: AccountHoldings
        var jobs: Page<Job>
        var jobsCursor: String?
        var transactions: Page<StoredTransaction>
        var transactionsCursor: String?
        /// Whether the account's broker has a login page (from persistence's broker list).
        var hasLogin: Bool
        /// Where the broker sends the browser back after a login.
        var callbackURL: String
        /// The account's portfolio and its owner, for their names (`nil` if they could not be read).
        var portfolio: Portfolio?
        var owner: User?
    }

    static func render(_ content: Content, viewer: Viewer, notice: String = "", credentials: FormView = FormView()) -> String {
        let holdings = content.holdings
        let account = holdings.account
        let login = account.loginExpiresAt.map {
            HTML.time($0) + (account.loginExpiresBeforeNextRun ? " <span class=\"badge warn\">before the next run</span>" : "")
        }
        let credentialState =
            account.hasCredentials
            ? "<span id=\"credential-state\" data-credentials=\"stored\">stored (sealed)</span>"
            : "<span id=\"credential-state\" data-credentials=\"none\">none</span>"
        let facts: [(String, String)] = [
            ("Status", "<span id=\"account-status\" data-status=\"\(account.status.rawValue)\">\(HTML.badge(account.status.rawValue))</span>"),
            ("Broker", HTML.escape(account.brokerCode)), ("Label", HTML.escape(account.label)),
            (
                "Portfolio",
                HTML.link("/portfolios/\(account.portfolioID)", content.portfolio.map { "\($0.name) (\($0.id))" } ?? "\(account.portfolioID)")
            ),
            ("User", HTML.link("/users/\(account.userID)", content.owner.map { "\($0.name) <\($0.email)>" } ?? "\(account.userID)")),
            ("Broker user id", HTML.escape(account.externalUserID ?? "–")), ("API key id", HTML.escape(account.apiKeyID ?? "–")),
            ("Credentials", credentialState), ("Login expires", login ?? "–"),
            ("Next scheduled run", HTML.time(account.nextScheduledRunAt)), ("Last synced", HTML.time(account.lastSyncedAt)),
            ("Last error", account.lastError.map { "<span class=\"error\">\(HTML.escape($0))</span>" } ?? "–"),
            ("Snapshot", holdings.snapshot.map { "#\($0.id) as of " + HTML.time($0.asOf) } ?? "never synced"),
        ]
        return notice + ConsoleParts.facts(facts) + actions(account, hasLogin: content.hasLogin, viewer: viewer)
            + CredentialsForm.render(account, view: credentials, hasLogin: content.hasLogin, callbackURL: content.callbackURL, viewer: viewer)
            + jobs(content, account: account)
            + notes(holdings.snapshot?.notes ?? []) + "<h2 id=\"holdings\">Holdings</h2>"
            + "<p>\(HTML.link("/accounts/\(account.id)/changes", "What changed between snapshots"))</p>" + table(holdings.holdings)
            + "<h2 id=\"positions\">Open positions</h2>"
            + (content.positions.snapshot.map { "<p>as of " + HTML.time($0.asOf) + "</p>" } ?? "")
            + table(content.positions.holdings, empty: "no positions synced")
            + "<h2>Totals</h2>"
            + HTML.table(
                ["Currency", "Holdings", "Cost", "Market value", "Unrealised P&L"],
                holdings.totals.map {
                    [HTML.escape($0.currency), "\($0.holdingsCount)", text($0.costValue), text($0.marketValue), text($0.unrealisedPnL)]
                }, empty: "no totals")
            + transactions(content, account: account)
    }

    /// Sync now, disable / enable, log in, edit, delete: for administrators only.
    static func actions(_ account: BrokerAccount, hasLogin: Bool, viewer: Viewer) -> String {
        guard viewer.canAct else { return "" }
        let toggle =
            account.status == .disabled
            ? viewer.actionForm("/accounts/\(account.id)/enable", label: "Enable")
            : viewer.actionForm("/accounts/\(account.id)/disable", label: "Disable", confirm: "Disable this account? Runs will skip it.")
        return "<div class=\"actions\" id=\"account-actions\">" + viewer.actionForm("/accounts/\(account.id)/sync", label: "Sync now") + toggle
            + (hasLogin ? ConsoleParts.adminLink(viewer, "/accounts/\(account.id)/login", "Log in at \(account.brokerCode)", id: "broker-login") : "")
            + ConsoleParts.adminLink(viewer, "/accounts/\(account.id)/edit", "Edit", id: "edit")
            + ConsoleParts.adminLink(viewer, "/accounts/\(account.id)/delete", "Delete…", id: "delete") + "</div>"
    }

    static func jobs(_ content: Content, account: BrokerAccount) -> String {
        let rows = content.jobs.items.map { job -> [String] in
            [
                "<span data-job=\"\(job.id)\">\(HTML.link("/jobs/\(job.id)", "#\(job.id)"))</span>",
                job.runID.map { HTML.link("/runs/\($0)", "#\($0)") } ?? "–",
                HTML.escape(job.action.rawValue), HTML.badge(job.status.rawValue), "\(job.attempts)", HTML.time(job.queuedAt),
                HTML.time(job.finishedAt),
                HTML.escape(job.lastError ?? job.note ?? ""),
            ]
        }
        return "<h2 id=\"jobs\">Recent jobs</h2><p>\(HTML.link("/jobs?account=\(account.id)", "All of this account's jobs"))</p>"
            + HTML.table(["Job", "Run", "Action", "Status", "Attempts", "Queued", "Finished", "Error / note"], rows, empty: "no jobs yet")
            + ConsoleParts.pager(
                "/accounts/\(account.id)", query: ConsoleParts.encode([("tx", content.transactionsCursor)]), cursorName: "jobs",
                current: content.jobsCursor, next: content.jobs.nextCursor, anchor: "#jobs")
    }

    static func transactions(_ content: Content, account: BrokerAccount) -> String {
        let rows = content.transactions.items.map { stored -> [String] in
            let transaction = stored.transaction
            return [
                HTML.time(transaction.occurredAt), HTML.escape(transaction.kind.rawValue), HTML.escape(transaction.symbol ?? "–"),
                HTML.escape(transaction.exchange ?? "–"), text(transaction.quantity), text(transaction.price), text(transaction.amount),
                HTML.escape(transaction.currency), "<code>\(HTML.escape(transaction.externalID))</code>",
            ]
        }
        return "<h2 id=\"transactions\">Transactions</h2>"
            + HTML.table(
                ["At", "Kind", "Symbol", "Exchange", "Quantity", "Price", "Amount", "Currency", "Broker id"], rows, empty: "no transactions")
            + ConsoleParts.pager(
                "/accounts/\(account.id)", query: ConsoleParts.encode([("jobs", content.jobsCursor)]), cursorName: "tx",
                current: content.transactionsCursor, next: content.transactions.nextCursor, anchor: "#transactions")
    }

    /// The snapshot's notes, each in its own line with the figures it compares.
    static func notes(_ notes: [SnapshotNote]) -> String {
        guard !notes.isEmpty else { return "" }
        let items = notes.map { note in
            "<li class=\"note\" data-note=\"\(HTML.escape(note.kind.rawValue))\" data-symbol=\"\(HTML.escape(note.symbol ?? ""))\">\(HTML.escape(note.message))</li>"
        }
        return "<h2>Notes</h2><ul class=\"notes\">" + items.joined() + "</ul>"
    }

    /// Holdings with free / unsettled (T+1) / pledged, lot and multiplier.
    static func table(_ holdings: [Holding], empty: String = "no holdings") -> String {
        let rows = holdings.map { holding -> [String] in
            [
                HTML.escape(holding.symbol), HTML.escape(holding.exchange ?? "–"), HTML.escape(holding.assetType.rawValue), text(holding.quantity),
                text(holding.split?.free), text(holding.split?.unsettled), text(holding.split?.pledged), HTML.escape(holding.lot?.rawValue ?? "–"),
                text(holding.multiplier), text(holding.averagePrice), text(holding.lastPrice), HTML.escape(holding.currency), text(holding.costValue),
                text(holding.marketValue), text(holding.marketValue.map { $0 - holding.costValue }),
            ]
        }
        return HTML.table(
            [
                "Symbol", "Exchange", "Type", "Quantity", "Free", "T+1", "Pledged", "Lot", "Multiplier", "Avg price", "Last price", "Currency",
                "Cost",
                "Market value", "P&L",
            ], rows, empty: empty)
    }

    private static func text(_ value: Decimal?) -> String {
        value.map { HTML.escape($0.exactText) } ?? "–"
    }
}
