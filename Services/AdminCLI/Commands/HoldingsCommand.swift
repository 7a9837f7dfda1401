import ArgumentParser
import Contracts
import Foundation

/// `psync holdings`: current holdings of an account, a portfolio or a user; an account's snapshot history.
struct HoldingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holdings",
        abstract: "Show current holdings (the latest complete snapshot of each account) with totals per currency.",
        discussion: """
            Examples:
              psync holdings --portfolio 7
              psync holdings --account 31 --history
              psync holdings --snapshot 912
            """
    )

    @Option(help: "A portfolio's holdings, per account.") var portfolio: Int?
    @Option(help: "An account's holdings.") var account: Int?
    @Option(help: "A user's holdings, per portfolio.") var user: Int?
    @Option(help: "The rows of one stored snapshot (see --history).") var snapshot: Int?
    @Flag(help: "With --account: the account's stored snapshots, newest first.") var history = false
    @Option(help: "With --history: at most this many snapshots.") var limit = 50
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let given = [portfolio, account, user, snapshot].compactMap { $0 }.count
        guard given == 1 else { throw CLIError("give one of --portfolio P, --account A, --user U or --snapshot S") }
        if history && account == nil { throw CLIError("--history is per account: give --account A (for a portfolio see `psync totals`)") }
        try await AdminSession.run(connection) { session in
            let persistence = session.persistence
            if let account, history {
                let page = try await Paging.collect(limit: limit) { cursor, size in
                    try await persistence.call(PersistenceAPI.accountSnapshots, ListSnapshots(id: account, cursor: cursor, limit: size))
                }
                try Console.emit(page) { page in
                    var table = Table([
                        .init("SNAPSHOT", numeric: true), .init("AS OF"), .init("ROWS", numeric: true), .init("RUN"), .init("CURRENT"),
                    ])
                    for item in page.items {
                        table.append([
                            "\(item.id)", Format.time(item.asOf), "\(item.rowCount)", item.runID.map(String.init) ?? "-", Format.flag(item.current),
                        ])
                    }
                    return table.render(empty: "account \(account) has no snapshots yet") + Paging.footer(page)
                }
            } else if let account {
                try Console.emit(try await persistence.call(PersistenceAPI.accountHoldings, ByID(id: account))) { holdings in
                    Self.header(holdings) + Self.table(holdings.holdings.map { (holdings.account.id, $0) })
                        + Self.notes([(holdings.account.id, holdings.snapshot?.notes ?? [])]) + "\n" + Self.totals(holdings.totals)
                }
            } else if let portfolio {
                try Console.emit(try await persistence.call(PersistenceAPI.portfolioHoldings, ByID(id: portfolio)), Self.render)
            } else if let user {
                try Console.emit(try await persistence.call(PersistenceAPI.userHoldings, ByID(id: user))) { holdings in
                    holdings.portfolios.map(Self.render).joined(separator: "\n")
                        .nonEmpty ?? "user \(holdings.user.id) (\(holdings.user.email)) has no portfolios\n"
                }
            } else if let snapshot {
                try Console.emit(try await persistence.call(PersistenceAPI.snapshotHoldings, ByID(id: snapshot))) { stored in
                    "snapshot \(stored.snapshot.id) of account \(stored.snapshot.accountID) as of \(Format.time(stored.snapshot.asOf))\n\n"
                        + Self.table(stored.holdings.map { (stored.snapshot.accountID, $0) })
                        + Self.notes([(stored.snapshot.accountID, stored.snapshot.notes)])
                }
            }
        }
    }

    static func render(_ holdings: PortfolioHoldings) -> String {
        let rows = holdings.accounts.flatMap { account in account.holdings.map { (account.account.id, $0) } }
        let synced = holdings.accounts.compactMap(\.snapshot?.asOf).max()
        return "portfolio \(holdings.portfolio.id) \(holdings.portfolio.name) (\(holdings.portfolio.baseCurrency)): "
            + "\(holdings.accounts.count) account(s), as of \(Format.time(synced))\n\n" + table(rows)
            + notes(holdings.accounts.map { ($0.account.id, $0.snapshot?.notes ?? []) }) + "\n" + totals(holdings.totals)
    }

    /// The snapshots' notes (parts unavailable, P&L discrepancies), one line each; empty when there are none.
    static func notes(_ notes: [(account: Int, notes: [SnapshotNote])]) -> String {
        let lines = notes.flatMap { account, notes in notes.map { "  account \(account): \($0.message)" } }
        return lines.isEmpty ? "" : "\nnotes:\n" + lines.joined(separator: "\n") + "\n"
    }

    static func header(_ holdings: AccountHoldings) -> String {
        let account = holdings.account
        let asOf = holdings.snapshot.map { "as of \(Format.time($0.asOf)) (snapshot \($0.id))" } ?? "never synced"
        return "account \(account.id) \(account.label) (\(account.brokerCode), \(account.status.rawValue)): \(asOf)\n\n"
    }

    /// The holdings; the quantity split (free, unsettled T+1, pledged), lot and multiplier columns appear when any row has them.
    static func table(_ rows: [(Int, Holding)]) -> String {
        let splits = rows.contains { $0.1.split != nil }
        let lots = rows.contains { $0.1.lot != nil || $0.1.multiplier != nil }
        var columns: [Table.Column] = [
            .init("ACCOUNT", numeric: true), .init("SYMBOL"), .init("EXCHANGE"), .init("TYPE"), .init("QUANTITY", numeric: true),
        ]
        if splits { columns += [.init("FREE", numeric: true), .init("T+1", numeric: true), .init("PLEDGED", numeric: true)] }
        if lots { columns += [.init("LOT"), .init("MULTIPLIER", numeric: true)] }
        columns += [
            .init("AVG PRICE", numeric: true), .init("LAST PRICE", numeric: true), .init("CURRENCY"), .init("COST", numeric: true),
            .init("MARKET VALUE", numeric: true), .init("P&L", numeric: true),
        ]
        var table = Table(columns)
        for (account, holding) in rows {
            var cells = ["\(account)", holding.symbol, Format.text(holding.exchange), holding.assetType.rawValue, Format.decimal(holding.quantity)]
            if splits {
                cells += [Format.decimal(holding.split?.free), Format.decimal(holding.split?.unsettled), Format.decimal(holding.split?.pledged)]
            }
            if lots { cells += [Format.text(holding.lot?.rawValue), Format.decimal(holding.multiplier)] }
            cells += [
                Format.decimal(holding.averagePrice), Format.decimal(holding.lastPrice), holding.currency, Format.decimal(holding.costValue),
                Format.decimal(holding.marketValue), Format.decimal(holding.marketValue.map { $0 - holding.costValue }),
            ]
            table.append(cells)
        }
        return table.render(empty: "no holdings")
    }

    static func totals(_ totals: [CurrencyTotal]) -> String {
        var table = Table([
            .init("CURRENCY"), .init("HOLDINGS", numeric: true), .init("COST", numeric: true), .init("MARKET VALUE", numeric: true),
            .init("UNREALISED P&L", numeric: true),
        ])
        for total in totals {
            table.append([
                total.currency, "\(total.holdingsCount)", Format.decimal(total.costValue), Format.decimal(total.marketValue),
                Format.decimal(total.unrealisedPnL),
            ])
        }
        return table.render(empty: "no totals")
    }
}
