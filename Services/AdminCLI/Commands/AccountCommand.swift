import ArgumentParser
import Contracts
import Foundation

/// `psync account add|list|show|update|disable|enable|delete`.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Add, list, show, change, disable, enable and delete broker accounts.",
        discussion: "Example: psync account add --portfolio 7 --broker ZERODHA --label \"Kite main\" --external-user-id AB1234",
        subcommands: [Add.self, List.self, Show.self, Update.self, Disable.self, Enable.self, Delete.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a broker account to a portfolio and print it.",
            discussion: """
                Set its credentials next with `psync credentials set ID`.

                Example: psync account add --portfolio 7 --broker SANDBOX --label demo --api-key-id demo-key
                """)
        @Option(help: "The portfolio it belongs to.") var portfolio: Int
        @Option(help: "The broker's code (see `psync broker list`).") var broker: String
        @Option(help: "A name for the account.") var label: String
        @Option(name: .customLong("external-user-id"), help: "The broker's own id for the login (Kite user id …).") var externalUserID: String?
        @Option(name: .customLong("api-key-id"), help: "Accounts sharing an API key share its rate limit.") var apiKeyID: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let request = CreateAccount(
                portfolioID: portfolio, brokerCode: broker.uppercased(), label: label, externalUserID: externalUserID, apiKeyID: apiKeyID)
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.createAccount, request), render)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List broker accounts.", discussion: "Example: psync account list --status reauth_required")
        @Option(help: "Only this portfolio's accounts.") var portfolio: Int?
        @Option(help: "Only this user's accounts.") var user: Int?
        @Option(help: "Only this broker's accounts.") var broker: String?
        @Option(help: "Only accounts in this status: active, disabled or reauth_required.") var status: AccountStatus?
        @Flag(name: .customLong("login-expiring"), help: "Only accounts whose broker login ends before their next scheduled run.")
        var loginExpiring = false
        @Option(help: "Only accounts whose label, broker, status, portfolio or owner contains this (any case).") var search: String?
        @Option(help: "At most this many.") var limit = 200
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                let page = try await Paging.collect(limit: limit) { cursor, size in
                    try await session.persistence.call(
                        PersistenceAPI.listAccounts,
                        ListAccounts(
                            portfolioID: portfolio, userID: user, brokerCode: broker?.uppercased(), status: status,
                            loginExpiresBeforeNextRun: loginExpiring ? true : nil, search: search, cursor: cursor, limit: size))
                }
                try Console.emit(page) { page in
                    var table = Table([
                        .init("ID", numeric: true), .init("PORTFOLIO", numeric: true), .init("BROKER"), .init("LABEL"), .init("STATUS"),
                        .init("CREDENTIALS"), .init("LOGIN EXPIRES"), .init("LAST SYNC"), .init("LAST ERROR"),
                    ])
                    for account in page.items {
                        table.append([
                            "\(account.id)", "\(account.portfolioID)", account.brokerCode, account.label, account.status.rawValue,
                            Format.flag(account.hasCredentials), loginExpiry(account), Format.time(account.lastSyncedAt),
                            Format.clipped(account.lastError, 50),
                        ])
                    }
                    return table.render(empty: "no accounts") + Paging.footer(page)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one account with its status (active, disabled or reauth_required).", discussion: "Example: psync account show 31")
        @Argument(help: "The account's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.getAccount, ByID(id: id)), render)
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account: runs skip it.", discussion: "Example: psync account disable 31")
        @Argument(help: "The account's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await setStatus(id, .disabled, connection) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enable an account again (also clears reauth_required).", discussion: "Example: psync account enable 31")
        @Argument(help: "The account's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await setStatus(id, .active, connection) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an account with its credentials, holdings and transactions.", discussion: "Example: psync account delete 31")
        @Argument(help: "The account's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.deleteAccount, ByID(id: id))) { "account \($0.id) deleted" }
            }
        }
    }

    static func setStatus(_ id: Int, _ status: AccountStatus, _ connection: ConnectionOptions) async throws {
        try await AdminSession.run(connection) { session in
            try Console.emit(try await session.persistence.call(PersistenceAPI.updateAccount, UpdateAccount(id: id, status: status)), render)
        }
    }

    /// When the broker login ends, flagged when that comes before the next scheduled run: `2026-12-03 00:30 (before next run)`.
    static func loginExpiry(_ account: BrokerAccount) -> String {
        guard let expiry = account.loginExpiresAt else { return "-" }
        return Format.time(expiry) + (account.loginExpiresBeforeNextRun ? " (before next run)" : "")
    }

    static func render(_ account: BrokerAccount) -> String {
        var details = Details()
        details.add("account", "\(account.id)")
        details.add("portfolio", "\(account.portfolioID)")
        details.add("user", "\(account.userID)")
        details.add("broker", account.brokerCode)
        details.add("label", account.label)
        details.add("external user id", Format.text(account.externalUserID))
        details.add("api key id", Format.text(account.apiKeyID))
        details.add("status", account.status.rawValue)
        details.add("credentials", account.hasCredentials ? "stored (sealed)" : "none; set them with `psync credentials set \(account.id)`")
        details.add("login expires", loginExpiry(account))
        details.add("next scheduled run", Format.time(account.nextScheduledRunAt))
        details.add("last sync", Format.time(account.lastSyncedAt))
        details.add("last error", Format.text(account.lastError))
        details.add("created", Format.time(account.createdAt))
        return details.render()
    }
}
