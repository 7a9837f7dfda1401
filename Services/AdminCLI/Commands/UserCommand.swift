import ArgumentParser
import Contracts
import Foundation

/// `psync user add|list|show|update|disable|enable|delete`.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add, list, show, change, disable, enable and delete users.",
        discussion: "Example: psync user add --email a@example.com --name \"A. Person\" --json | jq -r .id",
        subcommands: [Add.self, List.self, Show.self, Update.self, Disable.self, Enable.self, Delete.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user and print it.", discussion: "Example: psync user add --email a@example.com --name \"A. Person\"")
        @Option(help: "The user's email address (unique).") var email: String
        @Option(help: "The user's name.") var name: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.createUser, CreateUser(email: email, name: name)), render)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.", discussion: "Example: psync user list --inactive")
        @Flag(help: "Only active users.") var active = false
        @Flag(help: "Only disabled users.") var inactive = false
        @Option(help: "Only users whose name or email contains this (any case).") var search: String?
        @Option(help: "At most this many.") var limit = 200
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let filter: Bool? = active ? true : (inactive ? false : nil)
            try await AdminSession.run(connection) { session in
                let page = try await Paging.collect(limit: limit) { cursor, size in
                    try await session.persistence.call(
                        PersistenceAPI.listUsers, ListUsers(active: filter, search: search, cursor: cursor, limit: size))
                }
                try Console.emit(page) { page in
                    var table = Table([.init("ID", numeric: true), .init("EMAIL"), .init("NAME"), .init("ACTIVE"), .init("CREATED")])
                    for user in page.items {
                        table.append(["\(user.id)", user.email, user.name, Format.flag(user.active), Format.time(user.createdAt)])
                    }
                    return table.render(empty: "no users") + Paging.footer(page)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one user.", discussion: "Example: psync user show 12")
        @Argument(help: "The user's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.getUser, ByID(id: id)), render)
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a user: runs skip their portfolios.", discussion: "Example: psync user disable 12")
        @Argument(help: "The user's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await setActive(id, false, connection) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a user again.", discussion: "Example: psync user enable 12")
        @Argument(help: "The user's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await setActive(id, true, connection) }
    }

    static func setActive(_ id: Int, _ active: Bool, _ connection: ConnectionOptions) async throws {
        try await AdminSession.run(connection) { session in
            try Console.emit(try await session.persistence.call(PersistenceAPI.updateUser, UpdateUser(id: id, active: active)), render)
        }
    }

    static func render(_ user: User) -> String {
        var details = Details()
        details.add("user", "\(user.id)")
        details.add("email", user.email)
        details.add("name", user.name)
        details.add("active", Format.flag(user.active))
        details.add("created", Format.time(user.createdAt))
        details.add("updated", Format.time(user.updatedAt))
        return details.render()
    }
}
