import ArgumentParser
import Contracts
import Foundation

/// `psync portfolio add|list|show|update|disable|enable|delete`.
struct PortfolioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portfolio",
        abstract: "Add, list, show, change, disable, enable and delete portfolios.",
        discussion: "Example: psync portfolio add --user 12 --name Long-term --currency INR",
        subcommands: [Add.self, List.self, Show.self, Update.self, Disable.self, Enable.self, Delete.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a portfolio and print it.", discussion: "Example: psync portfolio add --user 12 --name Long-term --currency INR")
        @Option(help: "The owner's user id.") var user: Int
        @Option(help: "The portfolio's name.") var name: String
        @Option(help: "Base currency, ISO 4217 (INR, USD …).") var currency = "INR"
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                let portfolio = try await session.persistence.call(
                    PersistenceAPI.createPortfolio, CreatePortfolio(userID: user, name: name, baseCurrency: currency.uppercased()))
                try Console.emit(portfolio, render)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List portfolios.", discussion: "Example: psync portfolio list --user 12")
        @Option(help: "Only this user's portfolios.") var user: Int?
        @Flag(help: "Only active portfolios.") var active = false
        @Flag(help: "Only disabled portfolios.") var inactive = false
        @Option(help: "Only portfolios whose name, or owner's name or email, contains this (any case).") var search: String?
        @Option(help: "At most this many.") var limit = 200
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let filter: Bool? = active ? true : (inactive ? false : nil)
            try await AdminSession.run(connection) { session in
                let page = try await Paging.collect(limit: limit) { cursor, size in
                    try await session.persistence.call(
                        PersistenceAPI.listPortfolios, ListPortfolios(userID: user, active: filter, search: search, cursor: cursor, limit: size))
                }
                try Console.emit(page) { page in
                    var table = Table([
                        .init("ID", numeric: true), .init("USER", numeric: true), .init("NAME"), .init("CURRENCY"), .init("ACTIVE"), .init("CREATED"),
                    ])
                    for item in page.items {
                        table.append([
                            "\(item.id)", "\(item.userID)", item.name, item.baseCurrency, Format.flag(item.active), Format.time(item.createdAt),
                        ])
                    }
                    return table.render(empty: "no portfolios") + Paging.footer(page)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one portfolio.", discussion: "Example: psync portfolio show 7")
        @Argument(help: "The portfolio's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.getPortfolio, ByID(id: id)), render)
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a portfolio: runs skip its accounts.", discussion: "Example: psync portfolio disable 7")
        @Argument(help: "The portfolio's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await setActive(id, false, connection) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a portfolio again.", discussion: "Example: psync portfolio enable 7")
        @Argument(help: "The portfolio's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await setActive(id, true, connection) }
    }

    static func setActive(_ id: Int, _ active: Bool, _ connection: ConnectionOptions) async throws {
        try await AdminSession.run(connection) { session in
            try Console.emit(try await session.persistence.call(PersistenceAPI.updatePortfolio, UpdatePortfolio(id: id, active: active)), render)
        }
    }

    static func render(_ portfolio: Portfolio) -> String {
        var details = Details()
        details.add("portfolio", "\(portfolio.id)")
        details.add("user", "\(portfolio.userID)")
        details.add("name", portfolio.name)
        details.add("currency", portfolio.baseCurrency)
        details.add("active", Format.flag(portfolio.active))
        details.add("created", Format.time(portfolio.createdAt))
        details.add("updated", Format.time(portfolio.updatedAt))
        return details.render()
    }
}
