import ArgumentParser
import Contracts
import Foundation

/// `psync user update|delete`, `psync portfolio update|delete`, `psync account update`: what the console's edit and
/// delete forms do, from the command line.
extension UserCommand {
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a user's name or email and print the user.", discussion: "Example: psync user update 12 --email ana@example.com")
        @Argument(help: "The user's id.") var id: Int
        @Option(help: "A new email address (unique).") var email: String?
        @Option(help: "A new name.") var name: String?
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard email != nil || name != nil else { throw ValidationError("give --email, --name or both") }
        }

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.updateUser, UpdateUser(id: id, email: email, name: name)), render)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a user who owns no portfolio (refused while they own one, or a schedule names them).",
            discussion: "Example: psync user delete 12")
        @Argument(help: "The user's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.deleteUser, ByID(id: id))) { "user \($0.id) deleted" }
            }
        }
    }
}

extension PortfolioCommand {
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a portfolio's name or base currency and print it.", discussion: "Example: psync portfolio update 7 --name Retirement")
        @Argument(help: "The portfolio's id.") var id: Int
        @Option(help: "A new name (unique for its owner).") var name: String?
        @Option(help: "A new base currency, ISO 4217 (INR, USD …).") var currency: String?
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard name != nil || currency != nil else { throw ValidationError("give --name, --currency or both") }
        }

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(
                    try await session.persistence.call(PersistenceAPI.updatePortfolio, UpdatePortfolio(id: id, name: name, baseCurrency: currency)),
                    render)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a portfolio that holds no account (refused while it holds one, or a schedule names it).",
            discussion: "Example: psync portfolio delete 7")
        @Argument(help: "The portfolio's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.deletePortfolio, ByID(id: id))) { "portfolio \($0.id) deleted" }
            }
        }
    }
}

extension AccountCommand {
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an account's label, broker user id or API key id and print it.",
            discussion: "Example: psync account update 31 --label \"Kite (family)\"")
        @Argument(help: "The account's id.") var id: Int
        @Option(help: "A new label (unique in its portfolio).") var label: String?
        @Option(name: .customLong("external-user-id"), help: "The broker's own id for the login.") var externalUserID: String?
        @Option(name: .customLong("api-key-id"), help: "Accounts sharing an API key share its rate limit.") var apiKeyID: String?
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard label != nil || externalUserID != nil || apiKeyID != nil else {
                throw ValidationError("give at least one of --label, --external-user-id, --api-key-id")
            }
        }

        func run() async throws {
            let request = UpdateAccount(id: id, label: label, externalUserID: externalUserID, apiKeyID: apiKeyID)
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.updateAccount, request), render)
            }
        }
    }
}
