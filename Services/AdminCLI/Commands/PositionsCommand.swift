import ArgumentParser
import Contracts
import Foundation

/// `psync positions`: the open positions of an account or a portfolio (each account's latest positions snapshot).
struct PositionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "positions",
        abstract: "Show open positions (the latest positions snapshot of each account), quantities in lots with their multiplier.",
        discussion: """
            Positions are synced by runs with the positions action (`psync sync --action positions`).

            Examples:
              psync positions --account 31
              psync positions --portfolio 7
            """
    )

    @Option(help: "An account's positions.") var account: Int?
    @Option(help: "A portfolio's positions, per account.") var portfolio: Int?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        guard (account == nil) != (portfolio == nil) else { throw CLIError("give one of --account A or --portfolio P") }
        try await AdminSession.run(connection) { session in
            if let account {
                try Console.emit(try await session.persistence.call(PersistenceAPI.accountPositions, ByID(id: account))) { positions in
                    let asOf = positions.snapshot.map { "as of \(Format.time($0.asOf)) (snapshot \($0.id))" } ?? "no positions synced yet"
                    return "positions of account \(positions.account.id) \(positions.account.label) (\(positions.account.brokerCode)): \(asOf)\n\n"
                        + HoldingsCommand.table(positions.holdings.map { (positions.account.id, $0) }) + "\n"
                        + HoldingsCommand.totals(positions.totals)
                }
            } else if let portfolio {
                try Console.emit(try await session.persistence.call(PersistenceAPI.portfolioPositions, ByID(id: portfolio))) { positions in
                    let rows = positions.accounts.flatMap { account in account.holdings.map { (account.account.id, $0) } }
                    return "positions of portfolio \(positions.portfolio.id) \(positions.portfolio.name): \(positions.accounts.count) account(s)\n\n"
                        + HoldingsCommand.table(rows) + "\n" + HoldingsCommand.totals(positions.totals)
                }
            }
        }
    }
}
