import Contracts

/// Users: the searchable list, one user with their portfolios, and the create / edit form.
enum UsersPage {
    static let fields = ["name", "email"]

    static func list(_ page: Page<User>, search: String?, active: String?, cursor: String?, viewer: Viewer) -> String {
        let rows = page.items.map { user -> [String] in
            [
                "<span data-user=\"\(user.id)\">\(HTML.link("/users/\(user.id)", "\(user.id)"))</span>", HTML.escape(user.name),
                HTML.escape(user.email),
                HTML.badge(user.active ? "active" : "disabled"), HTML.time(user.createdAt),
            ]
        }
        let options = [("", "any"), ("yes", "active"), ("no", "disabled")].map { value, text in
            "<option value=\"\(value)\"\(value == (active ?? "") ? " selected" : "")>\(text)</option>"
        }.joined()
        let query = ConsoleParts.encode([("q", search), ("active", active)])
        return ConsoleParts.adminLink(viewer, "/users/new", "New user", id: "new-user")
            + ConsoleParts.search(
                "/users", search, placeholder: "name or email", extra: "<label>State<select name=\"active\">\(options)</select></label>")
            + HTML.table(["User", "Name", "Email", "State", "Created"], rows, empty: search == nil ? "no users yet" : "no user matches")
            + ConsoleParts.pager("/users", query: query, current: cursor, next: page.nextCursor)
    }

    static func detail(_ user: User, portfolios: Page<Portfolio>, cursor: String?, viewer: Viewer, notice: String) -> String {
        let facts = ConsoleParts.facts([
            ("Id", "\(user.id)"), ("Name", HTML.escape(user.name)), ("Email", HTML.escape(user.email)),
            ("State", HTML.badge(user.active ? "active" : "disabled")), ("Created", HTML.time(user.createdAt)),
            ("Updated", HTML.time(user.updatedAt)),
        ])
        let rows = portfolios.items.map { portfolio -> [String] in
            [
                "<span data-portfolio=\"\(portfolio.id)\">\(HTML.link("/portfolios/\(portfolio.id)", "\(portfolio.id)"))</span>",
                HTML.escape(portfolio.name), HTML.escape(portfolio.baseCurrency), HTML.badge(portfolio.active ? "active" : "disabled"),
            ]
        }
        return notice + facts + actions(user, viewer: viewer) + "<h2>Portfolios</h2>"
            + ConsoleParts.adminLink(viewer, "/portfolios/new?user=\(user.id)", "New portfolio for this user", id: "new-portfolio")
            + HTML.table(["Portfolio", "Name", "Currency", "State"], rows, empty: "no portfolios")
            + ConsoleParts.pager("/users/\(user.id)", query: "", current: cursor, next: portfolios.nextCursor)
            + "<p>\(HTML.link("/accounts?user=\(user.id)", "This user's accounts"))</p>"
    }

    static func actions(_ user: User, viewer: Viewer) -> String {
        guard viewer.canAct else { return "" }
        let toggle =
            user.active
            ? viewer.actionForm("/users/\(user.id)/disable", label: "Disable", confirm: "Disable this user?")
            : viewer.actionForm("/users/\(user.id)/enable", label: "Enable")
        return "<div class=\"actions\" id=\"user-actions\">" + ConsoleParts.adminLink(viewer, "/users/\(user.id)/edit", "Edit", id: "edit")
            + toggle + ConsoleParts.adminLink(viewer, "/users/\(user.id)/delete", "Delete…", id: "delete") + "</div>"
    }

    static func form(_ view: FormView, action: String, submit: String, viewer: Viewer) -> String {
        guard viewer.canAct else { return "<p class=\"error\">Only administrators can change users.</p>" }
        return view.form(
            id: "user-form", action: action, viewer: viewer, submit: submit,
            view.input("name", "Name", required: true) + view.input("email", "Email", type: "email", required: true))
    }
}
