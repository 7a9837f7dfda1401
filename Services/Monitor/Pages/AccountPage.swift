import Contracts
import ExactDecimal
import FoundationEssentials

/// One account: its status and login, its current holdings with the quantity split, and its snapshot's notes.
enum AccountPage {
    static func render(_ holdings: AccountHoldings, positions: AccountHoldings) -> String {
        let account = holdings.account
        let login = account.loginExpiresAt.map {
            HTML.time($0) + (account.loginExpiresBeforeNextRun ? " <span class=\"badge warn\">before the next run</span>" : "")
        }
        let facts: [(String, String)] = [
            ("Status", HTML.badge(account.status.rawValue)), ("Broker", HTML.escape(account.brokerCode)), ("Label", HTML.escape(account.label)),
            ("Portfolio", "\(account.portfolioID)"), ("User", "\(account.userID)"),
            ("Credentials", account.hasCredentials ? "stored (sealed)" : "none"), ("Login expires", login ?? "–"),
            ("Next scheduled run", HTML.time(account.nextScheduledRunAt)), ("Last synced", HTML.time(account.lastSyncedAt)),
            ("Last error", account.lastError.map { "<span class=\"error\">\(HTML.escape($0))</span>" } ?? "–"),
            ("Snapshot", holdings.snapshot.map { "#\($0.id) as of " + HTML.time($0.asOf) } ?? "never synced"),
            ("Jobs", HTML.link("/jobs?account=\(account.id)", "this account's jobs")),
        ]
        return HTML.table(["", ""], facts.map { ["<strong>\(HTML.escape($0.0))</strong>", $0.1] })
            + notes(holdings.snapshot?.notes ?? []) + "<h2>Holdings</h2>" + table(holdings.holdings)
            + "<h2 id=\"positions\">Open positions</h2>"
            + (positions.snapshot.map { "<p>as of " + HTML.time($0.asOf) + "</p>" } ?? "") + table(positions.holdings, empty: "no positions synced")
            + "<h2>Totals</h2>"
            + HTML.table(
                ["Currency", "Holdings", "Cost", "Market value", "Unrealised P&L"],
                holdings.totals.map {
                    [HTML.escape($0.currency), "\($0.holdingsCount)", text($0.costValue), text($0.marketValue), text($0.unrealisedPnL)]
                }, empty: "no totals")
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
