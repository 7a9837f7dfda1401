import ArgumentParser
import Contracts
import Foundation

/// `psync import holdings --account A FILE.csv`: a statement for brokers without an API (VESTED).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import data for brokers without an API.",
        discussion: "Example: psync import holdings --account 31 statement.csv",
        subcommands: [Holdings.self]
    )

    struct Holdings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a holdings statement (CSV) as the account's new snapshot, through its broker's gateway.",
            discussion: """
                Columns (header line first): symbol, quantity, average_price, currency, and optionally isin, exchange, asset_type, last_price.

                Example: psync import holdings --account 31 --as-of 2026-11-24T18:00:00+05:30 statement.csv
                """)
        @Option(help: "The account.") var account: Int
        @Option(name: .customLong("as-of"), help: "When the statement was taken (ISO-8601; default now).") var asOf: String?
        @Argument(help: "The CSV file.") var file: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let date = try asOf.map { text in
                guard let date = ISO8601.parse(text) else { throw CLIError("--as-of must be an ISO-8601 time such as 2026-11-24T18:00:00Z") }
                return date
            }
            let csv = String(decoding: try await InputReader.file(file), as: UTF8.self)
            try await AdminSession.run(connection) { session in
                let brokerAccount = try await session.persistence.call(PersistenceAPI.getAccount, ByID(id: account))
                let gateway = try await session.gateway(brokerAccount.brokerCode)
                let result = try await gateway.call(GatewayAPI.importStatement, ImportStatement(id: account, csv: csv, asOf: date))
                try Console.emit(result, SyncCommand.saved)
            }
        }
    }
}
