import ArgumentParser
import Contracts
import Foundation

/// `psync dead list|show|retry`: messages no consumer could process.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "Inspect and retry dead letters (asks psync-monitor).",
        discussion: "Example: psync dead list; psync dead retry 1732512345678-0; psync dead retry --all",
        subcommands: [List.self, Show.self, Retry.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List dead letters, newest first.", discussion: "Example: psync dead list --limit 20")
        @Option(help: "At most this many (up to 500).") var limit = 50
        @Option(help: "Letters older than this id (a previous listing's last).") var before: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.monitor.call(MonitorAPI.deadLetters, ListDeadLetters(before: before, limit: limit))) { page in
                    var table = Table([
                        .init("ID"), .init("AT"), .init("FROM"), .init("GROUP"), .init("TYPE"), .init("JOB"), .init("DELIVERIES", numeric: true),
                        .init("REASON"),
                    ])
                    for letter in page.letters {
                        table.append([
                            letter.id, Format.time(letter.at), letter.originStream, letter.group, Format.text(letter.messageType),
                            letter.jobID.map(String.init) ?? "-", "\(letter.deliveries)", Format.clipped(letter.reason, 70),
                        ])
                    }
                    return "\(page.total) dead letter(s)\n" + table.render(empty: "")
                        + (page.next.map { "(more: psync dead list --before \($0))\n" } ?? "")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one dead letter with its body.", discussion: "Example: psync dead show 1732512345678-0")
        @Argument(help: "The letter's id.") var id: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.monitor.call(MonitorAPI.deadLetter, DeadLetterID(id: id))) { letter in
                    var details = Details()
                    details.add("id", letter.id)
                    details.add("at", Format.time(letter.at))
                    details.add("from", "\(letter.originStream) \(letter.originID)")
                    details.add("group", letter.group)
                    details.add("type", "\(Format.text(letter.messageType)) v\(Format.text(letter.version))")
                    details.add("job", letter.jobID.map(String.init) ?? "-")
                    details.add("deliveries", "\(letter.deliveries)")
                    details.add("reason", letter.reason)
                    return details.render() + "\n" + Format.text(letter.body) + "\n"
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a dead letter (or every one) back on its stream; a dead job is reopened from attempt 1.",
            discussion: "Example: psync dead retry 1732512345678-0")
        @Argument(help: "The letter's id.") var id: String?
        @Flag(help: "Retry every dead letter.") var all = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            guard (id != nil) != all else { throw CLIError("give a letter id or --all") }
            try await AdminSession.run(connection) { session in
                let result =
                    if let id {
                        try await session.monitor.call(MonitorAPI.retryDeadLetter, DeadLetterID(id: id))
                    } else {
                        try await session.monitor.call(MonitorAPI.retryAllDeadLetters)
                    }
                try Console.emit(result) { result in
                    (["\(result.retried) letter(s) put back"] + result.refused.sorted { $0.key < $1.key }.map { "  \($0.key) refused: \($0.value)" })
                        .joined(separator: "\n")
                }
            }
        }
    }
}
