import Contracts
import Hummingbird
import RPC
import ServiceKit

/// `/accounts`: list and search, one account (jobs, holdings, transactions, credentials), create, edit, disable /
/// enable, sync now, delete, the write-only credentials form, and the accounts needing a new login.
struct AccountRoutes {
    let data: MonitorData
    let gateways: GatewayLocator
    /// `PSYNC_MONITOR_PUBLIC_URL`, for the broker login's callback address.
    let publicURL: String?

    func register(on router: Router<ServiceRequestContext>) {
        let pages = PageRouter(router: router)
        let persistence = data.persistence
        pages.page("/accounts", title: "Accounts") { request, _, viewer in
            let filters = AccountsPage.Filters(
                search: ConsoleParts.query(request, "q"), status: ConsoleParts.query(request, "status"),
                broker: ConsoleParts.query(request, "broker"),
                portfolio: ConsoleParts.query(request, "portfolio"), user: ConsoleParts.query(request, "user"))
            let cursor = ConsoleParts.query(request, "cursor")
            let listing = try filters.request(cursor: cursor)
            let page = try await rpc { try await persistence.call(PersistenceAPI.listAccounts, listing) }
            return ConsoleParts.notice(request) + AccountsPage.list(page, filters: filters, cursor: cursor, viewer: viewer)
        }
        pages.page("/accounts/reauth", title: "Accounts needing re-auth") { request, _, viewer in
            let limitText = ConsoleParts.query(request, "limit")
            let limit =
                try limitText.map { text in
                    guard let value = Int(text), (1...500).contains(value) else {
                        throw APIError.badRequest("limit must be 1-500, got '\(text.prefix(20))'")
                    }
                    return value
                } ?? 100
            let (now, soon) = (ConsoleParts.query(request, "now"), ConsoleParts.query(request, "soon"))
            let pages = try await data.reauthPage(now: now, soon: soon, limit: limit)
            return ReauthPage.render(
                now: pages.now, soon: pages.soon, cursors: (now, soon), limit: limitText == nil ? nil : limit,
                withLogin: try await brokersWithLogin(),
                viewer: viewer)
        }
        pages.page("/accounts/new", title: "New account", active: "/accounts") { request, _, viewer in
            let view = FormView(values: ["portfolioID": ConsoleParts.query(request, "portfolio") ?? ""])
            return AccountsPage.form(view, action: "/accounts/new", submit: "Create account", brokers: try await brokers(), viewer: viewer)
        }
        pages.form("/accounts/new", active: "/accounts") { _, _, fields, viewer in
            var view = FormView(fields, AccountsPage.createFields)
            let portfolio = ConsoleParts.id(fields["portfolioID"], field: "portfolioID", view: &view)
            var created: BrokerAccount?
            if let portfolio {
                let request = CreateAccount(
                    portfolioID: portfolio, brokerCode: view.value("brokerCode"), label: view.value("label"),
                    externalUserID: fields["externalUserID"],
                    apiKeyID: fields["apiKeyID"])
                created = try await ConsoleChange.attempt(&view, fields: AccountsPage.createFields, missing: "portfolioID") {
                    try await persistence.call(PersistenceAPI.createAccount, request)
                }
            }
            guard let created else {
                let body = AccountsPage.form(view, action: "/accounts/new", submit: "Create account", brokers: try await brokers(), viewer: viewer)
                return ConsoleChange.again(view, title: "New account", body: body)
            }
            return .redirect("/accounts/\(created.id)?notice=created")
        }
        pages.page("/accounts/{id}", title: "Account", active: "/accounts") { request, context, viewer in
            let content = try await content(try PageRouter.id(context), request: request)
            return AccountPage.render(content, viewer: viewer, notice: ConsoleParts.notice(request))
        }
        pages.page("/accounts/{id}/edit", title: "Edit account", active: "/accounts") { _, context, viewer in
            let id = try PageRouter.id(context)
            let account = try await rpc { try await persistence.call(PersistenceAPI.getAccount, ByID(id: id)) }
            let view = FormView(values: ["label": account.label, "externalUserID": account.externalUserID ?? "", "apiKeyID": account.apiKeyID ?? ""])
            return AccountsPage.form(view, action: "/accounts/\(id)/edit", submit: "Save", brokers: nil, viewer: viewer)
        }
        pages.form("/accounts/{id}/edit", active: "/accounts") { _, context, fields, viewer in
            let id = try PageRouter.id(context)
            var view = FormView(fields, AccountsPage.editFields)
            if view.values["label"] == nil { view.errors["label"] = "label must not be empty" }
            if view.isValid {
                let request = UpdateAccount(
                    id: id, label: view.value("label"), externalUserID: fields["externalUserID"], apiKeyID: fields["apiKeyID"])
                _ = try await ConsoleChange.attempt(&view, fields: AccountsPage.editFields) {
                    try await persistence.call(PersistenceAPI.updateAccount, request)
                }
            }
            guard view.isValid else {
                let body = AccountsPage.form(view, action: "/accounts/\(id)/edit", submit: "Save", brokers: nil, viewer: viewer)
                return ConsoleChange.again(view, title: "Edit account", body: body)
            }
            return .redirect("/accounts/\(id)?notice=saved")
        }
        for (verb, status) in [("disable", AccountStatus.disabled), ("enable", .active)] {
            pages.action("/accounts/{id}/\(verb)") { context in
                let id = try PageRouter.id(context)
                _ = try await rpc { try await persistence.call(PersistenceAPI.updateAccount, UpdateAccount(id: id, status: status)) }
                return "/accounts/\(id)?notice=\(verb)d"
            }
        }
        pages.action("/accounts/{id}/sync") { context in
            let id = try PageRouter.id(context)
            _ = try await rpc { try await persistence.call(PersistenceAPI.getAccount, ByID(id: id)) }
            _ = try await rpc { try await data.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .account(id), actions: [.holdings])) }
            return "/accounts/\(id)?notice=sync#jobs"
        }
        pages.page("/accounts/{id}/delete", title: "Delete account", active: "/accounts") { _, context, viewer in
            let id = try PageRouter.id(context)
            let account = try await rpc { try await persistence.call(PersistenceAPI.getAccount, ByID(id: id)) }
            return ConsoleParts.confirmDelete(
                what: "account \(account.id) (\(account.brokerCode) · \(account.label))",
                consequence: "Its credentials, snapshots, holdings, transactions and job history go with it.",
                action: "/accounts/\(id)/delete", back: "/accounts/\(id)", viewer: viewer)
        }
        pages.form("/accounts/{id}/delete", active: "/accounts") { _, context, fields, _ in
            let id = try PageRouter.id(context)
            guard fields["confirm"] == "yes" else { return .redirect("/accounts/\(id)/delete") }
            let account = try await rpc { try await persistence.call(PersistenceAPI.getAccount, ByID(id: id)) }
            _ = try await rpc { try await persistence.call(PersistenceAPI.deleteAccount, ByID(id: id)) }
            return .redirect("/portfolios/\(account.portfolioID)?notice=deleted")
        }
        pages.form("/accounts/{id}/credentials", active: "/accounts") { request, context, fields, viewer in
            let id = try PageRouter.id(context)
            let account = try await rpc { try await persistence.call(PersistenceAPI.getAccount, ByID(id: id)) }
            let values = CredentialsForm.values(fields, broker: account.brokerCode)
            // What was typed is never shown back: a refused form comes back empty, with the reasons.
            var view = FormView()
            let (required, optional) = CredentialsForm.fields(account.brokerCode)
            for name in required where values[name] == nil { view.errors[CredentialsForm.prefix + name] = "\(name) is required" }
            if required.isEmpty && optional.isEmpty { view.general = "\(account.brokerCode) takes no credentials here" }
            if view.isValid {
                let gateway = try await gateways.gateway(account.brokerCode)
                _ = try await ConsoleChange.attempt(&view, fields: []) {
                    try await GatewayLocator.call { try await gateway.call(GatewayAPI.putCredentials, PutCredentials(id: id, credentials: values)) }
                }
            }
            guard view.isValid else {
                let body = AccountPage.render(try await content(id, request: request), viewer: viewer, credentials: view)
                return .page(title: "Account", body: body, status: .unprocessableContent)
            }
            return .redirect("/accounts/\(id)?notice=credentials#credentials")
        }
    }

    /// The account page's content: the account with its holdings and positions, a page of jobs and of transactions.
    func content(_ id: Int, request: Request) async throws -> AccountPage.Content {
        let persistence = data.persistence
        let jobsCursor = ConsoleParts.query(request, "jobs")
        let transactionsCursor = ConsoleParts.query(request, "tx")
        let holdings = try await data.accountHoldings(id)
        async let positions = data.accountPositions(id)
        async let jobs = rpc { try await persistence.call(PersistenceAPI.listJobs, ListJobs(accountID: id, cursor: jobsCursor, limit: 20)) }
        async let transactions = rpc {
            try await persistence.call(PersistenceAPI.accountTransactions, ListTransactions(id: id, cursor: transactionsCursor, limit: 50))
        }
        let withLogin = try await brokersWithLogin()
        let portfolio = try? await persistence.call(PersistenceAPI.getPortfolio, ByID(id: holdings.account.portfolioID))
        let owner = try? await persistence.call(PersistenceAPI.getUser, ByID(id: holdings.account.userID))
        return AccountPage.Content(
            holdings: holdings, positions: try await positions, jobs: try await jobs, jobsCursor: jobsCursor, transactions: try await transactions,
            transactionsCursor: transactionsCursor, hasLogin: withLogin.contains(holdings.account.brokerCode),
            callbackURL: BrokerLoginRoutes.callbackURL(publicURL: publicURL, request: request), portfolio: portfolio, owner: owner)
    }

    func brokers() async throws -> [BrokerType] {
        try await rpc { try await data.persistence.call(PersistenceAPI.listBrokers, Empty()) }
    }

    func brokersWithLogin() async throws -> Set<String> {
        Set(try await brokers().filter { $0.capabilities.contains(.login) }.map(\.code))
    }
}
