import Contracts
import ExactDecimal
import FoundationEssentials

/// What changed in an account's holdings between two of its snapshots: pick `from` and `to` (default: the last two);
/// bought, sold and changed positions with the quantity split and average price before and after.
enum ChangesPage {
    /// One account's part of the page.
    struct Section {
        var account: BrokerAccount
        /// A page of its snapshots, newest first, to pick from.
        var snapshots: Page<SnapshotSummary>
        /// Where the snapshot page started (`cursor`), kept in the form.
        var cursor: String?
        var from: SnapshotSummary?
        var to: SnapshotSummary?
        var diff: SnapshotDiff?
    }

    /// The page of a portfolio (its accounts one after another, `next` for more accounts) or of one account.
    static func render(_ sections: [Section], action: String, portfolioID: Int?, nextAccounts: String?) -> String {
        let intro =
            portfolioID.map {
                "<p>\(HTML.link("/portfolios/\($0)", "Portfolio #\($0)")) · \(HTML.link("/portfolios/\($0)/holdings", "holdings")) · "
                    + "\(HTML.link("/portfolios/\($0)/history", "value over time"))</p>"
            } ?? ""
        let more = nextAccounts.map { "<p>\(HTML.link("\(action)?accounts=\(HTML.query($0))", "More accounts →"))</p>" } ?? ""
        let body = sections.map { section($0, action: action, named: portfolioID != nil) }.joined(separator: "\n")
        return intro + (sections.isEmpty ? "<p class=\"muted\" id=\"changes-empty\">this portfolio has no accounts</p>" : body) + more
    }

    static func section(_ section: Section, action: String, named: Bool) -> String {
        let account = section.account
        let title =
            named
            ? "<h2 id=\"account-\(account.id)\">\(HTML.link("/accounts/\(account.id)", account.label)) · \(HTML.escape(account.brokerCode))</h2>"
            : "<p>\(HTML.link("/accounts/\(account.id)", "Account \(account.label)")) · \(HTML.escape(account.brokerCode)) · "
                + "portfolio \(HTML.link("/portfolios/\(account.portfolioID)/changes", "#\(account.portfolioID)"))</p>"
        let snapshots = section.snapshots.items
        guard section.diff != nil || snapshots.count >= 2 else {
            let count = snapshots.count
            return title
                + "<p class=\"muted\" data-changes-empty=\"\(account.id)\">\(count == 0 ? "never synced" : "one snapshot so far"): "
                + "nothing to compare yet.</p>"
        }
        var options = snapshots
        for chosen in [section.from, section.to].compactMap({ $0 }) where !options.contains(where: { $0.id == chosen.id }) {
            options.append(chosen)
        }
        func select(_ name: String, _ chosen: SnapshotSummary?) -> String {
            let items = options.map { snapshot in
                let label =
                    "#\(snapshot.id) · \(String(ISO8601.format(snapshot.asOf).prefix(19)).replacing("T", with: " ")) UTC · "
                    + "\(snapshot.rowCount) rows\(snapshot.current ? " (current)" : "")"
                return "<option value=\"\(snapshot.id)\"\(snapshot.id == chosen?.id ? " selected" : "")>\(HTML.escape(label))</option>"
            }.joined()
            return "<label>\(name == "from" ? "From" : "To")<select name=\"\(name)\" id=\"\(name)-\(account.id)\">\(items)</select></label>"
        }
        let hidden = named ? "<input type=\"hidden\" name=\"account\" value=\"\(account.id)\">" : ""
        let keep = section.cursor.map { "<input type=\"hidden\" name=\"cursor\" value=\"\(HTML.escape($0))\">" } ?? ""
        let older =
            section.snapshots.nextCursor.map { cursor in
                let target = named ? "\(action)?account=\(account.id)&cursor=\(HTML.query(cursor))" : "\(action)?cursor=\(HTML.query(cursor))"
                return " " + HTML.link(target, "Older snapshots →")
            } ?? ""
        let form = """
            <form class="filters" method="get" action="\(HTML.escape(action))\(named ? "#account-\(account.id)" : "")" data-changes-form="\(account.id)">\
            \(hidden)\(keep)\(select("from", section.from))\(select("to", section.to))<button type="submit">Compare</button></form>\(older)
            """
        guard let diff = section.diff, let from = section.from, let to = section.to else { return title + form }
        let summary = """
            <p data-summary="\(account.id)">From #\(from.id) (\(HTML.time(from.asOf))) to #\(to.id) (\(HTML.time(to.asOf))): \
            bought <strong data-count="bought">\(diff.changes(.bought).count)</strong> · sold <strong data-count="sold">\(diff.changes(.sold).count)</strong> · \
            changed <strong data-count="changed">\(diff.changes(.changed).count)</strong> · unchanged <strong data-count="unchanged">\(diff.unchanged)</strong></p>
            """
        return title + form + summary + table(diff, account: account.id)
    }

    static func table(_ diff: SnapshotDiff, account: Int) -> String {
        guard !diff.changes.isEmpty else { return "<p class=\"muted\" data-no-changes=\"\(account)\">no position changed</p>" }
        let rows = diff.changes.map { change -> String in
            let quantity = "\(text(change.before?.quantity)) → \(text(change.after?.quantity))"
            let split = "\(splitText(change.before?.split)) → \(splitText(change.after?.split))"
            let average = "\(text(change.before?.averagePrice)) → \(text(change.after?.averagePrice))"
            var what: [String] = []
            if change.quantityChanged { what.append("quantity") }
            if change.splitChanged { what.append("split") }
            if change.averagePriceChanged { what.append("average price") }
            let badge = change.kind == .bought ? "ok" : change.kind == .sold ? "bad" : "warn"
            return """
                <tr data-change="\(change.kind.rawValue)" data-symbol="\(HTML.escape(change.symbol))" data-exchange="\(HTML.escape(change.exchange ?? ""))" \
                data-quantity-before="\(text(change.before?.quantity))" data-quantity-after="\(text(change.after?.quantity))">\
                <td><span class="badge \(badge)">\(change.kind.rawValue)</span>\(what.isEmpty ? "" : " <span class=\"muted\">\(what.joined(separator: ", "))</span>")</td>\
                <td>\(HTML.escape(change.symbol))</td><td>\(HTML.escape(change.exchange ?? "–"))</td><td>\(HTML.escape(change.assetType.rawValue))</td>\
                <td>\(HTML.escape(change.lot?.rawValue ?? "–"))</td><td class="num">\(quantity)</td><td class="num">\(change.quantityChange.exactText)</td>\
                <td>\(split)</td><td class="num">\(average)</td><td>\(HTML.escape((change.after ?? change.before)?.currency ?? ""))</td></tr>
                """
        }.joined(separator: "\n")
        return """
            <table id="changes-\(account)"><thead><tr><th>Change</th><th>Symbol</th><th>Exchange</th><th>Type</th><th>Lot</th>\
            <th class="num">Quantity before → after</th><th class="num">Difference</th><th>Free / T+1 / pledged before → after</th>\
            <th class="num">Average price before → after</th><th>Currency</th></tr></thead><tbody>
            \(rows)
            </tbody></table>
            """
    }

    static func text(_ value: Decimal?) -> String {
        value.map { HTML.escape($0.exactText) } ?? "–"
    }

    static func splitText(_ split: HeldQuantity?) -> String {
        split.map { "\($0.free.exactText) / \($0.unsettled.exactText) / \($0.pledged.exactText)" } ?? "–"
    }
}
