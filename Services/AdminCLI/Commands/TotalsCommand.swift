import ArgumentParser
import Contracts
import Foundation

/// `psync totals --portfolio P`: the portfolio's totals per currency over time, newest first.
struct TotalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totals",
        abstract: "Show a portfolio's totals per currency, as recomputed after each run, newest first.",
        discussion: "Example: psync totals --portfolio 7 --currency INR --limit 10"
    )

    @Option(help: "The portfolio.") var portfolio: Int
    @Option(help: "Only this currency.") var currency: String?
    @Option(help: "Only totals since this time (ISO-8601, e.g. 2026-11-01T00:00:00Z).") var since: String?
    @Option(help: "At most this many.") var limit = 20
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let sinceDate = try since.map { text in
            guard let date = ISO8601.parse(text) else { throw CLIError("--since must be an ISO-8601 time such as 2026-11-01T00:00:00Z") }
            return date
        }
        try await AdminSession.run(connection) { session in
            let page = try await Paging.collect(limit: limit) { cursor, size in
                try await session.persistence.call(
                    PersistenceAPI.portfolioTotals,
                    ListTotals(id: portfolio, currency: currency?.uppercased(), since: sinceDate, cursor: cursor, limit: size))
            }
            try Console.emit(page) { page in
                var table = Table([
                    .init("AS OF"), .init("RUN"), .init("CURRENCY"), .init("HOLDINGS", numeric: true), .init("COST", numeric: true),
                    .init("MARKET VALUE", numeric: true), .init("UNREALISED P&L", numeric: true),
                ])
                for item in page.items {
                    table.append([
                        Format.time(item.asOf), item.runID.map(String.init) ?? "-", item.total.currency, "\(item.total.holdingsCount)",
                        Format.decimal(item.total.costValue), Format.decimal(item.total.marketValue), Format.decimal(item.total.unrealisedPnL),
                    ])
                }
                return table.render(empty: "portfolio \(portfolio) has no totals yet; run `psync sync --portfolio \(portfolio) --wait`")
                    + Paging.footer(page)
            }
        }
    }
}
