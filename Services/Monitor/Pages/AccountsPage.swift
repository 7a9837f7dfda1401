import Contracts

/// Accounts: the searchable, filterable list and the create / edit form.
enum AccountsPage {
    static let createFields = ["portfolioID", "brokerCode", "label", "externalUserID", "apiKeyID"]
    static let editFields = ["label", "externalUserID", "apiKeyID"]

    /// The list's filters as its query string carries them.
    struct Filters {
        var search: String?
        var status: String?
        var broker: String?
        var portfolio: String?
        var user: String?

        func request(cursor: String?) throws -> ListAccounts {
            var request = ListAccounts(search: search, cursor: cursor, limit: 50)
            if let status {
                guard let parsed = AccountStatus(rawValue: status) else {
                    throw APIError.badRequest("status must be active, disabled or reauth_required, got '\(status.prefix(20))'")
                }
                request.status = parsed
            }
            request.brokerCode = broker
            request.portfolioID = try Self.id(portfolio, "portfolio")
            request.userID = try Self.id(user, "user")
            return request
        }

        static func id(_ text: String?, _ name: String) throws -> Int? {
            guard let text else { return nil }
            guard let id = Int(text), id > 0 else { throw APIError.badRequest("\(name) must be a positive number, got '\(text.prefix(20))'") }
            return id
        }

        var query: String {
            ConsoleParts.encode([("q", search), ("status", status), ("broker", broker), ("portfolio", portfolio), ("user", user)])
        }
    }

    static func list(_ page: Page<BrokerAccount>, filters: Filters, cursor: String?, viewer: Viewer) -> String {
        let states = [""] + AccountStatus.allCases.map(\.rawValue)
        let options = states.map { "<option value=\"\($0)\"\($0 == (filters.status ?? "") ? " selected" : "")>\($0.isEmpty ? "any" : $0)</option>" }
            .joined()
        func field(_ name: String, _ label: String, _ value: String?) -> String {
            "<label>\(label)<input name=\"\(name)\" value=\"\(HTML.escape(value ?? ""))\" size=\"8\"></label>"
        }
        let extra =
            "<label>Status<select name=\"status\">\(options)</select></label>" + field("broker", "Broker", filters.broker)
            + field("portfolio", "Portfolio", filters.portfolio) + field("user", "User", filters.user)
        return ConsoleParts.adminLink(viewer, "/accounts/new", "New account", id: "new-account")
            + ConsoleParts.search("/accounts", filters.search, placeholder: "label, broker, status, portfolio or user", extra: extra)
            + table(page.items) + ConsoleParts.pager("/accounts", query: filters.query, current: cursor, next: page.nextCursor)
    }

    static func table(_ accounts: [BrokerAccount]) -> String {
        let rows = accounts.map { account -> [String] in
            [
                "<span data-account=\"\(account.id)\">\(HTML.link("/accounts/\(account.id)", "\(account.id)"))</span>", HTML.escape(account.label),
                HTML.escape(account.brokerCode), HTML.badge(account.status.rawValue),
                HTML.link("/portfolios/\(account.portfolioID)", "\(account.portfolioID)"),
                HTML.link("/users/\(account.userID)", "\(account.userID)"), account.hasCredentials ? "stored" : "none",
                HTML.time(account.lastSyncedAt),
            ]
        }
        return HTML.table(["Account", "Label", "Broker", "Status", "Portfolio", "User", "Credentials", "Last synced"], rows, empty: "no accounts")
    }

    static func form(_ view: FormView, action: String, submit: String, brokers: [BrokerType]?, viewer: Viewer) -> String {
        guard viewer.canAct else { return "<p class=\"error\">Only administrators can change accounts.</p>" }
        var head = ""
        if let brokers {
            head =
                view.input("portfolioID", "Portfolio (id)", type: "number", required: true)
                + view.select("brokerCode", "Broker", brokers.filter(\.enabled).map { ($0.code, "\($0.code) · \($0.name)") })
        }
        return view.form(
            id: "account-form", action: action, viewer: viewer, submit: submit,
            head + view.input("label", "Label", required: true)
                + view.input("externalUserID", "The broker's user id (optional)")
                + view.input("apiKeyID", "API key id (optional)", hint: "accounts with the same API key share its rate limit"))
    }
}
