import Contracts
import Hummingbird
import RPC
import ServiceKit

/// `/portfolios`: list and search, one portfolio with its accounts, create, edit, disable / enable, delete.
/// The holdings views under `/portfolios/{id}/…` are registered elsewhere.
struct PortfolioRoutes {
    let data: MonitorData

    func register(on router: Router<ServiceRequestContext>) {
        let pages = PageRouter(router: router)
        let persistence = data.persistence
        pages.page("/portfolios", title: "Portfolios") { request, _, viewer in
            let search = ConsoleParts.query(request, "q")
            let cursor = ConsoleParts.query(request, "cursor")
            let listing = ListPortfolios(active: try ConsoleParts.activeFilter(request), search: search, cursor: cursor, limit: 50)
            let page = try await rpc { try await persistence.call(PersistenceAPI.listPortfolios, listing) }
            var owners: [Int: User] = [:]
            for id in Set(page.items.map(\.userID)) { owners[id] = try? await persistence.call(PersistenceAPI.getUser, ByID(id: id)) }
            return ConsoleParts.notice(request) + PortfoliosPage.list(page, owners: owners, search: search, cursor: cursor, viewer: viewer)
        }
        pages.page("/portfolios/new", title: "New portfolio", active: "/portfolios") { request, _, viewer in
            let view = FormView(values: ["userID": ConsoleParts.query(request, "user") ?? "", "baseCurrency": "INR"])
            return PortfoliosPage.form(view, action: "/portfolios/new", submit: "Create portfolio", creating: true, viewer: viewer)
        }
        pages.form("/portfolios/new", active: "/portfolios") { _, _, fields, viewer in
            var view = FormView(fields, PortfoliosPage.createFields)
            let owner = ConsoleParts.id(fields["userID"], field: "userID", view: &view)
            var created: Portfolio?
            if let owner {
                let request = CreatePortfolio(userID: owner, name: view.value("name"), baseCurrency: view.value("baseCurrency"))
                created = try await ConsoleChange.attempt(&view, fields: PortfoliosPage.createFields, missing: "userID") {
                    try await persistence.call(PersistenceAPI.createPortfolio, request)
                }
            }
            guard let created else {
                let body = PortfoliosPage.form(view, action: "/portfolios/new", submit: "Create portfolio", creating: true, viewer: viewer)
                return ConsoleChange.again(view, title: "New portfolio", body: body)
            }
            return .redirect("/portfolios/\(created.id)?notice=created")
        }
        pages.page("/portfolios/{id}", title: "Portfolio", active: "/portfolios") { request, context, viewer in
            let id = try PageRouter.id(context)
            let cursor = ConsoleParts.query(request, "cursor")
            let portfolio = try await rpc { try await persistence.call(PersistenceAPI.getPortfolio, ByID(id: id)) }
            let owner = try? await persistence.call(PersistenceAPI.getUser, ByID(id: portfolio.userID))
            let accounts = try await rpc {
                try await persistence.call(PersistenceAPI.listAccounts, ListAccounts(portfolioID: id, cursor: cursor, limit: 50))
            }
            return ConsoleParts.notice(request) + PortfoliosPage.detail(portfolio, owner: owner, accounts: accounts, cursor: cursor, viewer: viewer)
        }
        pages.page("/portfolios/{id}/edit", title: "Edit portfolio", active: "/portfolios") { _, context, viewer in
            let id = try PageRouter.id(context)
            let portfolio = try await rpc { try await persistence.call(PersistenceAPI.getPortfolio, ByID(id: id)) }
            let view = FormView(values: ["name": portfolio.name, "baseCurrency": portfolio.baseCurrency])
            return PortfoliosPage.form(view, action: "/portfolios/\(id)/edit", submit: "Save", creating: false, viewer: viewer)
        }
        pages.form("/portfolios/{id}/edit", active: "/portfolios") { _, context, fields, viewer in
            let id = try PageRouter.id(context)
            var view = FormView(fields, PortfoliosPage.editFields)
            for field in PortfoliosPage.editFields where view.values[field] == nil { view.errors[field] = "\(field) must not be empty" }
            if view.isValid {
                let request = UpdatePortfolio(id: id, name: view.value("name"), baseCurrency: view.value("baseCurrency"))
                _ = try await ConsoleChange.attempt(&view, fields: PortfoliosPage.editFields) {
                    try await persistence.call(PersistenceAPI.updatePortfolio, request)
                }
            }
            guard view.isValid else {
                let body = PortfoliosPage.form(view, action: "/portfolios/\(id)/edit", submit: "Save", creating: false, viewer: viewer)
                return ConsoleChange.again(view, title: "Edit portfolio", body: body)
            }
            return .redirect("/portfolios/\(id)?notice=saved")
        }
        for (verb, active) in [("disable", false), ("enable", true)] {
            pages.action("/portfolios/{id}/\(verb)") { context in
                let id = try PageRouter.id(context)
                _ = try await rpc { try await persistence.call(PersistenceAPI.updatePortfolio, UpdatePortfolio(id: id, active: active)) }
                return "/portfolios/\(id)?notice=\(verb)d"
            }
        }
        pages.page("/portfolios/{id}/delete", title: "Delete portfolio", active: "/portfolios") { _, context, viewer in
            let id = try PageRouter.id(context)
            let portfolio = try await rpc { try await persistence.call(PersistenceAPI.getPortfolio, ByID(id: id)) }
            return ConsoleParts.confirmDelete(
                what: "portfolio \(portfolio.id) (\(portfolio.name))",
                consequence: "Its totals history goes with it; a portfolio that still holds accounts cannot be deleted.",
                action: "/portfolios/\(id)/delete", back: "/portfolios/\(id)", viewer: viewer)
        }
        pages.form("/portfolios/{id}/delete", active: "/portfolios") { _, context, fields, _ in
            let id = try PageRouter.id(context)
            guard fields["confirm"] == "yes" else { return .redirect("/portfolios/\(id)/delete") }
            _ = try await rpc { try await persistence.call(PersistenceAPI.deletePortfolio, ByID(id: id)) }
            return .redirect("/portfolios?notice=deleted")
        }
    }
}
