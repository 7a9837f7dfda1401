import ArgumentParser
import Contracts
import Foundation

/// `psync transactions --account A`: the account's transactions, newest first.
struct TransactionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transactions",
        abstract: "Show an account's stored transactions, newest first.",
        discussion: "Example: psync transactions --account 31 --limit 20"
    )

    @Option(help: "The account.") var account: Int
    @Option(help: "Only transactions since this time (ISO-8601).") var since: String?
    @Option(help: "At most this many.") var limit = 50
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let sinceDate = try since.map { text in
            guard let date = ISO8601.parse(text) else { throw CLIError("--since must be an ISO-8601 time such as 2026-11-01T00:00:00Z") }
            return date
        }
        try await AdminSession.run(connection) { session in
            let page = try await Paging.collect(limit: limit) { cursor, size in
                try await session.persistence.call(
                    PersistenceAPI.accountTransactions, ListTransactions(id: account, since: sinceDate, cursor: cursor, limit: size))
            }
            try Console.emit(page) { page in
                var table = Table([
                    .init("TIME"), .init("KIND"), .init("SYMBOL"), .init("QUANTITY", numeric: true), .init("PRICE", numeric: true),
                    .init("AMOUNT", numeric: true), .init("CURRENCY"), .init("BROKER ID"),
                ])
                for item in page.items {
                    let transaction = item.transaction
                    table.append([
                        Format.time(transaction.occurredAt), transaction.kind.rawValue, Format.text(transaction.symbol),
                        Format.decimal(transaction.quantity), Format.decimal(transaction.price), Format.decimal(transaction.amount),
                        transaction.currency, transaction.externalID,
                    ])
                }
                return table.render(empty: "account \(account) has no transactions") + Paging.footer(page)
            }
        }
    }
}
