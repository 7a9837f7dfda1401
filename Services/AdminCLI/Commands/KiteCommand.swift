import ArgumentParser
import Contracts
import Foundation

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
                    if isatty(STDIN_FILENO) == 1 { Console.prompt("request_token: ") }
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
