import ArgumentParser
import Contracts
import Foundation

/// `psync broker list|enable|disable`.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "List the brokers the system knows; enable or disable one.",
        discussion: "Example: psync broker list",
        subcommands: [List.self, Enable.self, Disable.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List brokers.", discussion: "Example: psync broker list --json")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.listBrokers)) { brokers in
                    var table = Table("CODE", "NAME", "ENABLED")
                    for broker in brokers { table.append([broker.code, broker.name, Format.flag(broker.enabled)]) }
                    return table.render(empty: "no brokers")
                }
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a broker.", discussion: "Example: psync broker enable VESTED")
        @Argument(help: "The broker's code.") var code: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await setEnabled(code, true, connection) }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a broker: runs skip its accounts.", discussion: "Example: psync broker disable VESTED")
        @Argument(help: "The broker's code.") var code: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await setEnabled(code, false, connection) }
    }

    static func setEnabled(_ code: String, _ enabled: Bool, _ connection: ConnectionOptions) async throws {
        try await AdminSession.run(connection) { session in
            let broker = try await session.persistence.call(PersistenceAPI.updateBroker, UpdateBroker(code: code.uppercased(), enabled: enabled))
            try Console.emit(broker) { "\($0.code) (\($0.name)) \($0.enabled ? "enabled" : "disabled")" }
        }
    }
}
