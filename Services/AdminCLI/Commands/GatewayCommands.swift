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

/// `psync keys rotate --broker CODE`: re-seal a broker's credentials under its gateway's current key.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Credential key rotation.",
        discussion: "Example: psync keys rotate --broker ZERODHA",
        subcommands: [Rotate.self]
    )

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every credentials box of a broker under its gateway's current key.",
            discussion: """
                Configure the new key on the broker's gateways first (keeping the old one readable), then run this.

                Example: psync keys rotate --broker ZERODHA
                """)
        @Option(help: "The broker's code.") var broker: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let failed = try await AdminSession.run(connection) { session -> Int in
                let gateway = try await session.gateway(broker.uppercased())
                let rotated = try await gateway.call(GatewayAPI.rotateKeys)
                try Console.emit(rotated) { result in
                    var text = "\(result.brokerCode): \(result.resealed) credentials box(es) re-sealed under key \(result.currentKeyID)"
                    if !result.failed.isEmpty {
                        text +=
                            "\n\(result.failed.count) could not be opened with any configured key (accounts "
                            + result.failed.map(String.init).joined(separator: ", ") + "); set their credentials again"
                    }
                    return text
                }
                return rotated.failed.count
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}

/// `psync kite login ACCOUNT`: Kite's daily login, exchanging the request_token for a new access token.
struct KiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kite",
        abstract: "Zerodha Kite: the daily login.",
        discussion: "Example: psync kite login 31",
        subcommands: [Login.self]
    )

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Kite login URL, read the request_token from the redirect, and store the new access token.",
            discussion: """
                The account's credentials must hold api_key and api_secret. Paste either the request_token or the whole \
                redirect URL when asked, or pass --request-token.

                Example: psync kite login 31
                """)
        @Argument(help: "The account's id.") var account: Int
        @Option(name: .customLong("request-token"), help: "The request_token from the redirect (otherwise asked on stdin).") var requestToken: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                let brokerAccount = try await session.persistence.call(PersistenceAPI.getAccount, ByID(id: account))
                let gateway = try await session.gateway(brokerAccount.brokerCode)
                var token = requestToken
                if token == nil {
                    let login = try await gateway.call(GatewayAPI.kiteLoginURL, ByID(id: account))
                    Console.error("open this page, log in, and paste the request_token (or the whole redirect URL):")
                    Console.error(login.url)
                    if isatty(STDIN_FILENO) == 1 { Console.error("request_token: ") }
                    token = await InputReader.line().map(Self.requestToken)
                }
                guard let token, !token.isEmpty else { throw CLIError("no request_token given") }
                let sealed = try await gateway.call(GatewayAPI.completeKiteLogin, CompleteKiteLogin(id: account, requestToken: token))
                try Console.emit(sealed) { "account \($0.accountID): new Kite access token stored (sealed under key \($0.keyID))" }
            }
        }

        /// The token from a pasted redirect URL (`…?request_token=abc&action=login`), or the text itself.
        static func requestToken(_ pasted: String) -> String {
            let text = pasted.trimmingCharacters(in: .whitespaces)
            guard let components = URLComponents(string: text), let item = components.queryItems?.first(where: { $0.name == "request_token" })
            else { return text }
            return item.value ?? ""
        }
    }
}
