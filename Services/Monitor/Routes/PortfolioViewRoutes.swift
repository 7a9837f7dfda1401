import Contracts
import FoundationEssentials
import Hummingbird
import ServiceKit

/// The portfolio views for readers (admin and read-only): holdings with allocation, value and P&L over time, and what
/// changed between two snapshots of each account (also per account). Nothing here changes anything.
struct PortfolioViewRoutes {
    let data: PortfolioData
    /// Accounts per page of a portfolio's changes (each needs its snapshots and two of them read).
    static let accountsPerPage = 10

    func register(on router: Router<ServiceRequestContext>) {
        let pages = PageRouter(router: router)
        pages.page("/portfolios/{id}/holdings", title: "Portfolio holdings", active: "/portfolios") { _, context, _ in
            let id = try PageRouter.id(context)
            async let holdings = data.holdings(portfolio: id)
            async let positions = data.positions(portfolio: id)
            return PortfolioHoldingsPage.render(try await holdings, positions: try await positions)
        }
        pages.page("/portfolios/{id}/history", title: "Portfolio value over time", active: "/portfolios") { request, context, _ in
            let id = try PageRouter.id(context)
            let window = Self.value(request, "days") ?? PortfolioHistoryPage.defaultWindow
            let since = try PortfolioHistoryPage.since(window)
            return PortfolioHistoryPage.render(try await data.history(portfolio: id, since: since), window: window)
        }
        pages.page("/portfolios/{id}/changes", title: "What changed", active: "/portfolios") { request, context, _ in
            let id = try PageRouter.id(context)
            let chosen = try Self.snapshotID(request, "account")
            // A missing portfolio is a 404 (its accounts' listing would just be empty).
            _ = try await data.history(portfolio: id, since: Date())
            let accounts = try await data.accounts(portfolio: id, cursor: Self.value(request, "accounts"), limit: Self.accountsPerPage)
            var sections: [ChangesPage.Section] = []
            for account in accounts.items.sorted(by: { $0.id < $1.id }) {
                sections.append(try await section(account, request: account.id == chosen ? request : nil))
            }
            return ChangesPage.render(sections, action: "/portfolios/\(id)/changes", portfolioID: id, nextAccounts: accounts.nextCursor)
        }
        pages.page("/accounts/{id}/changes", title: "What changed", active: "/accounts") { request, context, _ in
            let account = try await data.account(try PageRouter.id(context)).account
            return ChangesPage.render(
                [try await section(account, request: request)], action: "/accounts/\(account.id)/changes", portfolioID: nil, nextAccounts: nil)
        }
    }

    /// One account's snapshots to pick from and the difference between the chosen two (the query's `from` and `to` when
    /// `request` is given, else its last two).
    func section(_ account: BrokerAccount, request: Request?) async throws -> ChangesPage.Section {
        let cursor = request.flatMap { Self.value($0, "cursor") }
        let snapshots = try await data.snapshots(account: account.id, cursor: cursor)
        let fromID = try request.flatMap { try Self.snapshotID($0, "from") }
        let toID = try request.flatMap { try Self.snapshotID($0, "to") }
        let latest = cursor == nil ? snapshots.items : try await data.snapshots(account: account.id, cursor: nil, limit: 2).items
        guard let to = toID ?? latest.first?.id, let from = fromID ?? (latest.count > 1 ? latest[1].id : nil) else {
            return ChangesPage.Section(account: account, snapshots: snapshots, cursor: cursor)
        }
        async let before = data.snapshot(from)
        async let after = data.snapshot(to)
        let (old, new) = (try await before, try await after)
        for (name, snapshot) in [("from", old), ("to", new)] where snapshot.snapshot.accountID != account.id {
            throw APIError.unprocessable("\(name) names snapshot \(snapshot.snapshot.id), which is not one of account \(account.id)'s", field: name)
        }
        return ChangesPage.Section(
            account: account, snapshots: snapshots, cursor: cursor, from: old.snapshot, to: new.snapshot,
            diff: SnapshotDiff(before: old.holdings, after: new.holdings))
    }

    /// A query parameter, `nil` when absent or empty.
    static func value(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A query parameter that must be a positive id when given.
    static func snapshotID(_ request: Request, _ name: String) throws -> Int? {
        guard let text = value(request, name) else { return nil }
        guard let id = Int(text), id > 0 else { throw APIError.badRequest("\(name) must be an id (a positive number), got '\(text.prefix(20))'") }
        return id
    }
}
