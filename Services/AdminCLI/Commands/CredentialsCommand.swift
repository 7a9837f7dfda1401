import ArgumentParser
import Contracts
import ExactDecimal
import Foundation

/// `psync credentials set|verify`: credentials go to the account's broker gateway, which seals them.
struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Set or verify an account's broker credentials (sealed by the broker's gateway).",
        discussion: "Example: psync credentials set 31 < kite.json",
        subcommands: [Store.self, Verify.self]
    )

    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Store an account's credentials, read as one JSON object from stdin or --from-file (never from argv).",
            discussion: """
                Kite: {"api_key": "…", "access_token": "…", "api_secret": "…"}; SANDBOX: {"token": "…"}. Nothing is echoed.

                Example: psync credentials set 31 < kite.json
                """)
        @Argument(help: "The account's id.") var account: Int
        @Option(name: .customLong("from-file"), help: "Read the JSON object from this file instead of stdin.") var fromFile: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            if fromFile == nil, isatty(STDIN_FILENO) == 1 {
                Console.error("paste the credentials as one JSON object, then press Ctrl-D:")
            }
            let bytes: [UInt8]
            if let fromFile {
                bytes = try await InputReader.file(fromFile)
            } else {
                bytes = try await InputReader.standardInput()
            }
            let fields = try Self.fields(bytes)
            try await AdminSession.run(connection) { session in
                let brokerAccount = try await session.persistence.call(PersistenceAPI.getAccount, ByID(id: account))
                let gateway = try await session.gateway(brokerAccount.brokerCode)
                let sealed = try await gateway.call(GatewayAPI.putCredentials, PutCredentials(id: account, credentials: fields))
                try Console.emit(sealed) {
                    "account \($0.accountID): credentials sealed under key \($0.keyID) (fields: \($0.fields.joined(separator: ", ")))"
                }
            }
        }

        /// The object's fields; the error never quotes the input, which is a secret.
        static func fields(_ bytes: [UInt8]) throws -> [String: String] {
            let usage = #"credentials must be one JSON object of text fields, such as {"api_key": "…", "access_token": "…"}"#
            guard let value = try? JSONCoding.decode(JSONValue.self, from: bytes), case .object(let object) = value else {
                throw CLIError(usage)
            }
            var fields: [String: String] = [:]
            for (name, field) in object {
                switch field {
                case .string(let text): fields[name] = text
                case .number(let number): fields[name] = number.exactText
                default: throw CLIError("credentials field '\(name.prefix(64))' must be text; " + usage)
                }
            }
            guard !fields.isEmpty else { throw CLIError(usage) }
            return fields
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an account's stored credentials with the broker.", discussion: "Example: psync credentials verify 31")
        @Argument(help: "The account's id.") var account: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let verified = try await AdminSession.run(connection) { session -> CredentialsVerified in
                let brokerAccount = try await session.persistence.call(PersistenceAPI.getAccount, ByID(id: account))
                let gateway = try await session.gateway(brokerAccount.brokerCode)
                let verified = try await gateway.call(GatewayAPI.verifyCredentials, ByID(id: account))
                try Console.emit(verified) { result in
                    guard result.valid else {
                        return
                            "account \(result.accountID): credentials refused (\(result.failureKind?.rawValue ?? "unknown")): \(Format.text(result.message))"
                    }
                    let who = [result.profile?.userID, result.profile?.name, result.profile?.email].compactMap { $0 }.joined(separator: ", ")
                    return "account \(result.accountID): credentials valid" + (who.isEmpty ? "" : " (\(who))")
                }
                return verified
            }
            if !verified.valid { throw ExitCode(1) }
        }
    }
}
