import ArgumentParser
import Contracts
import Foundation

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
