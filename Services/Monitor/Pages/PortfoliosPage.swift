import Contracts

/// Portfolios: the searchable list, one portfolio with its accounts (and links to its holdings views), and the form.
enum PortfoliosPage {
    static let createFields = ["userID", "name", "baseCurrency"]
    static let editFields = ["name", "baseCurrency"]

    static func list(_ page: Page<Portfolio>, owners: [Int: User], search: String?, cursor: String?, viewer: Viewer) -> String {
        let rows = page.items.map { portfolio -> [String] in
            [
                "<span data-portfolio=\"\(portfolio.id)\">\(HTML.link("/portfolios/\(portfolio.id)", "\(portfolio.id)"))</span>",
                HTML.escape(portfolio.name), owner(portfolio.userID, owners), HTML.escape(portfolio.baseCurrency),
                HTML.badge(portfolio.active ? "active" : "disabled"),
            ]
        }
        return ConsoleParts.adminLink(viewer, "/portfolios/new", "New portfolio", id: "new-portfolio")
            + ConsoleParts.search("/portfolios", search, placeholder: "name, owner's name or email")
            + HTML.table(
                ["Portfolio", "Name", "Owner", "Currency", "State"], rows, empty: search == nil ? "no portfolios yet" : "no portfolio matches")
            + ConsoleParts.pager("/portfolios", query: ConsoleParts.encode([("q", search)]), current: cursor, next: page.nextCursor)
    }

    static func owner(_ id: Int, _ owners: [Int: User]) -> String {
        HTML.link("/users/\(id)", owners[id].map { "\($0.name) (\($0.email))" } ?? "user \(id)")
    }

    static func detail(_ portfolio: Portfolio, owner: User?, accounts: Page<BrokerAccount>, cursor: String?, viewer: Viewer) -> String {
        let facts = ConsoleParts.facts([
            ("Id", "\(portfolio.id)"), ("Name", HTML.escape(portfolio.name)),
            ("Owner", PortfoliosPage.owner(portfolio.userID, owner.map { [portfolio.userID: $0] } ?? [:])),
            ("Base currency", HTML.escape(portfolio.baseCurrency)), ("State", HTML.badge(portfolio.active ? "active" : "disabled")),
            ("Created", HTML.time(portfolio.createdAt)), ("Updated", HTML.time(portfolio.updatedAt)),
        ])
        let views = """
            <p class="views" id="portfolio-views">\(HTML.link("/portfolios/\(portfolio.id)/holdings", "Holdings")) · \
            \(HTML.link("/portfolios/\(portfolio.id)/history", "Value history")) · \(HTML.link("/portfolios/\(portfolio.id)/changes", "Changes"))</p>
            """
        return facts + views + actions(portfolio, viewer: viewer) + "<h2>Accounts</h2>"
            + ConsoleParts.adminLink(viewer, "/accounts/new?portfolio=\(portfolio.id)", "New account in this portfolio", id: "new-account")
            + AccountsPage.table(accounts.items)
            + ConsoleParts.pager("/portfolios/\(portfolio.id)", query: "", current: cursor, next: accounts.nextCursor)
    }

    static func actions(_ portfolio: Portfolio, viewer: Viewer) -> String {
        guard viewer.canAct else { return "" }
        let toggle =
            portfolio.active
            ? viewer.actionForm("/portfolios/\(portfolio.id)/disable", label: "Disable", confirm: "Disable this portfolio?")
            : viewer.actionForm("/portfolios/\(portfolio.id)/enable", label: "Enable")
        return "<div class=\"actions\" id=\"portfolio-actions\">"
            + ConsoleParts.adminLink(viewer, "/portfolios/\(portfolio.id)/edit", "Edit", id: "edit") + toggle
            + ConsoleParts.adminLink(viewer, "/portfolios/\(portfolio.id)/delete", "Delete…", id: "delete") + "</div>"
    }

    static func form(_ view: FormView, action: String, submit: String, creating: Bool, viewer: Viewer) -> String {
        guard viewer.canAct else { return "<p class=\"error\">Only administrators can change portfolios.</p>" }
        let owner = creating ? view.input("userID", "Owner (user id)", type: "number", required: true) : ""
        return view.form(
            id: "portfolio-form", action: action, viewer: viewer, submit: submit,
            owner + view.input("name", "Name", required: true)
                + view.input("baseCurrency", "Base currency", required: true, hint: "a 3-letter code such as INR or USD"))
    }
}
