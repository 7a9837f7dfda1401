import ArgumentParser
import Contracts
import Foundation

/// `psync login ACCOUNT`: a broker's login through its own page (Kite's daily login, Upstox's OAuth), completed by the gateway.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log an account in at its broker: print the login page, read the code from the redirect, store the new access token.",
        discussion: """
            For brokers with a login page (see `psync broker list`). The account's credentials must already hold the app's keys \
            (Kite: api_key and api_secret). Paste either the code (Kite's request_token) or the whole redirect URL when asked, \
            or pass --code.

            Example: psync login 31
            """)
    @Argument(help: "The account's id.") var account: Int
    @Option(help: "The code from the redirect (Kite's request_token; otherwise asked on stdin).") var code: String?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await AdminSession.run(connection) { session in
            let brokerAccount = try await session.persistence.call(PersistenceAPI.getAccount, ByID(id: account))
            let gateway = try await session.gateway(brokerAccount.brokerCode)
            var given = code
            if given == nil {
                let login = try await gateway.call(GatewayAPI.loginURL, LoginURLRequest(id: account))
                Console.error("open this page, log in, and paste the \(login.redirectParameter) (or the whole redirect URL):")
                Console.error(login.url)
                if isatty(STDIN_FILENO) == 1 { Console.prompt("\(login.redirectParameter): ") }
                given = await InputReader.line().map { Self.code($0, parameter: login.redirectParameter) }
            }
            guard let given, !given.isEmpty else { throw CLIError("no code given") }
            let sealed = try await gateway.call(GatewayAPI.completeLogin, CompleteLogin(id: account, code: given))
            try Console.emit(sealed) {
                "account \($0.accountID): new \(brokerAccount.brokerCode) access token stored (sealed under key \($0.keyID))"
            }
        }
    }

    /// The code from a pasted redirect URL (`…?request_token=abc&action=login`), or the text itself.
    static func code(_ pasted: String, parameter: String) -> String {
        let text = pasted.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: text), let item = components.queryItems?.first(where: { $0.name == parameter })
        else { return text }
        return item.value ?? ""
    }
}
