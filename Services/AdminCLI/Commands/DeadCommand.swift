import ArgumentParser
import Contracts
import Foundation
import Scheduling

/// `psync dead list|show|retry|discard`: messages no consumer could process.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "Inspect, retry and discard dead letters (asks psync-monitor).",
        discussion: "Example: psync dead list; psync dead retry 1732512345678-0; psync dead discard --broker SANDBOX --reason timeout",
        subcommands: [List.self, Show.self, Retry.self, Discard.self]
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
            abstract: "Put dead letters back on their streams (by id, --all, or a filter); a dead job is reopened from attempt 1.",
            discussion: """
                Examples:
                  psync dead retry 1732512345678-0
                  psync dead retry --broker ZERODHA --reason timeout --after "2026-12-01 09:00"
                  psync dead retry --all
                """)
        @Argument(help: "The letters' ids.") var ids: [String] = []
        @Flag(help: "Retry every dead letter.") var all = false
        @OptionGroup var filter: DeadLetterFilterOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let request = try filter.request(ids: ids, all: all)
            try await AdminSession.run(connection) { session in
                if filter.dryRun { return try DeadCommand.emitMatches(try await session.monitor.call(MonitorAPI.matchingDeadLetters, request)) }
                let result =
                    if ids.count == 1 && !filter.isGiven {
                        try await session.monitor.call(MonitorAPI.retryDeadLetter, DeadLetterID(id: ids[0]))
                    } else if all && !filter.isGiven {
                        try await session.monitor.call(MonitorAPI.retryAllDeadLetters)
                    } else {
                        try await session.monitor.call(MonitorAPI.retryMatchingDeadLetters, request)
                    }
                try Console.emit(result) { result in
                    (["\(result.retried) letter(s) put back"] + result.refused.sorted { $0.key < $1.key }.map { "  \($0.key) refused: \($0.value)" })
                        .joined(separator: "\n")
                }
            }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete dead letters (by id, --all, or a filter); a job's letter leaves the job dead.",
            discussion: """
                Examples:
                  psync dead discard 1732512345678-0 1732512345679-0
                  psync dead discard --broker SANDBOX --reason "gave up" --before "2026-12-01 09:00" --dry-run
                  psync dead discard --all
                """)
        @Argument(help: "The letters' ids.") var ids: [String] = []
        @Flag(help: "Discard every dead letter.") var all = false
        @OptionGroup var filter: DeadLetterFilterOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let request = try filter.request(ids: ids, all: all)
            try await AdminSession.run(connection) { session in
                if filter.dryRun { return try DeadCommand.emitMatches(try await session.monitor.call(MonitorAPI.matchingDeadLetters, request)) }
                try Console.emit(try await session.monitor.call(MonitorAPI.discardDeadLetters, request)) { "\($0.discarded) letter(s) discarded" }
            }
        }
    }

    static func emitMatches(_ matches: DeadLetterMatches) throws {
        try Console.emit(matches) { matches in
            "\(matches.count) letter(s) match\n"
                + matches.sample.map { "  \($0.id) \($0.originStream) \(Format.clipped($0.reason, 70))" }.joined(separator: "\n")
        }
    }
}

/// The filter `dead retry` and `dead discard` share.
struct DeadLetterFilterOptions: ParsableArguments {
    @Option(help: "Only letters from this broker's job stream.") var broker: String?
    @Option(help: "Only letters from this stream (psync:results, psync:dispatch …).") var origin: String?
    @Option(help: "Only letters whose reason contains this text (any case).") var reason: String?
    @Option(help: "Only letters of this message type (job, job.result, fire …).") var type: String?
    @Option(help: "Only letters dead-lettered before this time (ISO 8601, or a local time such as \"2026-12-01 09:00\").") var before: String?
    @Option(help: "Only letters dead-lettered at or after this time.") var after: String?
    @Flag(help: "Only count what matches; change nothing.") var dryRun = false

    var isGiven: Bool { [broker, origin, reason, type, before, after].contains { $0 != nil } }

    func request(ids: [String], all: Bool) throws -> DeadLetterFilter {
        guard !ids.isEmpty || all || isGiven else { throw CLIError("give letter ids, --all, or a filter (--broker, --reason, --before …)") }
        guard !(all && (!ids.isEmpty || isGiven)) else { throw CLIError("--all acts on every letter; drop it to use ids or a filter") }
        return DeadLetterFilter(
            ids: ids.isEmpty ? nil : ids, all: all ? true : nil, origin: origin, broker: broker, reason: reason, messageType: type,
            before: try before.map { try Self.time($0, option: "--before") }, after: try after.map { try Self.time($0, option: "--after") })
    }

    /// ISO 8601 with an offset, or a wall time in this machine's zone.
    static func time(_ text: String, option: String) throws -> Date {
        guard let date = WallTime.instant(text, zone: TimeZone.current.identifier) ?? WallTime.instant(text, zone: "UTC") else {
            throw CLIError("\(option) must be a time such as 2026-12-01T09:00:00+05:30 or 2026-12-01 09:00 (local), got '\(text)'")
        }
        return date
    }
}
