import ArgumentParser
import Contracts
import Foundation

/// `psync workers`: running instances from their heartbeats (through the monitor).
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "List running service instances from their heartbeats (asks psync-monitor).",
        discussion: "Example: psync workers --service psync-gateway --broker ZERODHA"
    )

    @Option(help: "Only this executable (psync-gateway …).") var service: String?
    @Option(help: "Only gateways of this broker.") var broker: String?
    @Flag(help: "Leave out instances whose heartbeat expired.") var aliveOnly = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await AdminSession.run(connection) { session in
            let workers = try await session.monitor.call(
                MonitorAPI.workers, ListWorkers(service: service, broker: broker?.uppercased(), includeLost: aliveOnly ? false : nil))
            try Console.emit(workers) { workers in
                var table = Table([
                    .init("SERVICE"), .init("BROKER"), .init("INSTANCE"), .init("HOST"), .init("PID", numeric: true), .init("STATE"),
                    .init("IN FLIGHT", numeric: true), .init("PROCESSED", numeric: true), .init("FAILED", numeric: true), .init("UP"),
                    .init("LAST SEEN"), .init("RPC"),
                ])
                for worker in workers {
                    let beat = worker.heartbeat
                    table.append([
                        beat.service, Format.text(beat.broker), beat.instanceID, beat.host, "\(beat.pid)", worker.state, "\(beat.inFlight)",
                        "\(beat.processed)", "\(beat.failed)", Format.duration(beat.lastSeen.timeIntervalSince(beat.startedAt)),
                        Format.distance(beat.lastSeen), Format.text(beat.rpcAddress),
                    ])
                }
                return table.render(empty: "no workers")
            }
        }
    }
}

/// `psync queues [list|pause|resume]`: the streams with their groups, pending entries, lag and delayed retries.
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues",
        abstract: "Show the brokers' job queues and the system streams; pause or resume a broker's queue (asks psync-monitor).",
        discussion: "Example: psync queues; psync queues pause --broker ZERODHA",
        subcommands: [List.self, Pause.self, Resume.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the streams: length, groups, pending, lag, delayed retries, oldest waiting.", discussion: "Example: psync queues list")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.monitor.call(MonitorAPI.queues), render)
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a broker's gateways taking new jobs (jobs wait on the queue).", discussion: "Example: psync queues pause --broker ZERODHA"
        )
        @Option(help: "The broker's code.") var broker: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.monitor.call(MonitorAPI.pauseQueue, BrokerQueue(broker: broker.uppercased())), render)
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a broker's gateways take jobs again.", discussion: "Example: psync queues resume --broker ZERODHA")
        @Option(help: "The broker's code.") var broker: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.monitor.call(MonitorAPI.resumeQueue, BrokerQueue(broker: broker.uppercased())), render)
            }
        }
    }

    static func render(_ queue: QueueView) -> String { render([queue]) }

    static func render(_ queues: [QueueView]) -> String {
        var table = Table([
            .init("STREAM"), .init("BROKER"), .init("LENGTH", numeric: true), .init("GROUP"), .init("PENDING", numeric: true),
            .init("LAG", numeric: true), .init("CONSUMERS", numeric: true), .init("DELAYED", numeric: true), .init("OLDEST WAITING"),
            .init("PAUSED"),
        ])
        for queue in queues {
            let groups = queue.groups.isEmpty ? [nil] : queue.groups.map { Optional($0) }
            for group in groups {
                table.append([
                    queue.stream, Format.text(queue.broker), "\(queue.length)", group?.name ?? "-", group.map { "\($0.pending)" } ?? "-",
                    group?.lag.map { "\($0)" } ?? "-", group.map { "\($0.consumers.count)" } ?? "-", queue.delayed.map { "\($0)" } ?? "-",
                    queue.oldestWaitingSeconds.map { Format.duration($0) } ?? "-", queue.paused.map(Format.flag) ?? "-",
                ])
            }
        }
        return table.render(empty: "no queues")
    }
}

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
