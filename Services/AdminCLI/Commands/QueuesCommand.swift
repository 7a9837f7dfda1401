import ArgumentParser
import Contracts
import Foundation

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
