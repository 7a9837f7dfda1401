import ArgumentParser
import Contracts
import Foundation

/// `psync runs list|show|cancel|retry-failed`.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List runs, show one with its progress per broker and its failures, cancel one, retry its failed jobs.",
        discussion: "Example: psync runs list --status running; psync runs cancel 42; psync runs retry-failed 42",
        subcommands: [List.self, Show.self, Cancel.self, RetryFailed.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.", discussion: "Example: psync runs list --schedule 3")
        @Option(help: "Only runs in this status: dispatching, running or finished.") var status: RunStatus?
        @Option(help: "Only runs of this schedule.") var schedule: Int?
        @Option(help: "At most this many.") var limit = 20
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                let page = try await Paging.collect(limit: limit) { cursor, size in
                    try await session.persistence.call(
                        PersistenceAPI.listRuns, ListRuns(status: status, scheduleID: schedule, cursor: cursor, limit: size))
                }
                try Console.emit(page) { page in
                    var table = Table([
                        .init("ID", numeric: true), .init("TRIGGER"), .init("SCOPE"), .init("ACTIONS"), .init("STATUS"), .init("JOBS", numeric: true),
                        .init("OK", numeric: true), .init("FAILED", numeric: true), .init("DEAD", numeric: true), .init("CREATED"), .init("TOOK"),
                    ])
                    for run in page.items {
                        let trigger = run.scheduleID.map { "schedule \($0)" } ?? run.trigger.rawValue
                        table.append([
                            "\(run.id)", trigger, run.scope.description, run.actions.map(\.rawValue).joined(separator: ","), run.status.rawValue,
                            "\(run.counts.total)", "\(run.counts.succeeded)", "\(run.counts.failed)", "\(run.counts.dead)",
                            Format.time(run.createdAt),
                            run.finishedAt.map { Format.duration($0.timeIntervalSince(run.createdAt)) } ?? "-",
                        ])
                    }
                    return table.render(empty: "no runs") + Paging.footer(page)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a run: jobs per broker and state, failures grouped by reason.", discussion: "Example: psync runs show 42")
        @Argument(help: "The run's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.getRun, ByID(id: id)), render)
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a run: its queued, retrying and running jobs end as cancelled and the run finishes (asks psync-monitor).",
            discussion: "A result that still arrives for a cancelled job is discarded. Example: psync runs cancel 42")
        @Argument(help: "The run's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.monitor.call(MonitorAPI.cancelRun, ByID(id: id))) { cancelled in
                    "run \(cancelled.run.id) \(cancelled.run.status.rawValue): \(cancelled.cancelledJobs.count) job(s) cancelled"
                }
            }
        }
    }

    struct RetryFailed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry-failed",
            abstract: "Reopen a run's failed and dead jobs and queue them again (asks psync-monitor).",
            discussion: "Example: psync runs retry-failed 42")
        @Argument(help: "The run's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.monitor.call(MonitorAPI.retryFailedJobs, ByID(id: id))) { result in
                    (["\(result.retried.count) job(s) of run \(result.runID) queued again"]
                        + result.refused.sorted { $0.key < $1.key }.map { "  job \($0.key) refused: \($0.value)" }).joined(separator: "\n")
                }
            }
        }
    }

    static func render(_ detail: RunDetail) -> String {
        let run = detail.run
        var details = Details()
        details.add("run", "\(run.id)")
        details.add("trigger", run.scheduleID.map { "schedule \($0) (fire \(Format.time(run.fireTime)))" } ?? run.trigger.rawValue)
        details.add("requested by", Format.text(run.requestedBy))
        details.add("scope", run.scope.description)
        details.add("actions", run.actions.map(\.rawValue).joined(separator: ", "))
        details.add("status", run.status.rawValue)
        details.add("progress", "\(detail.done)/\(detail.total) jobs done")
        details.add(
            "counts", "\(run.counts.succeeded) succeeded, \(run.counts.failed) failed, \(run.counts.dead) dead, \(run.counts.cancelled) cancelled")
        details.add(
            "skipped",
            "\(run.counts.skippedUsers) users, \(run.counts.skippedPortfolios) portfolios, \(run.counts.skippedAccounts) accounts, "
                + "\(run.counts.skippedReauth) needing login")
        details.add("created", Format.time(run.createdAt))
        details.add("finished", run.finishedAt.map { "\(Format.time($0)) (took \(Format.duration($0.timeIntervalSince(run.createdAt))))" } ?? "-")
        details.add("deadline", Format.time(run.deadlineAt))
        var text = details.render()
        var table = Table(
            [.init("BROKER"), .init("JOBS", numeric: true)] + JobStatus.allCases.map { Table.Column($0.rawValue.uppercased(), numeric: true) })
        for broker in detail.brokers {
            table.append([broker.brokerCode, "\(broker.total)"] + JobStatus.allCases.map { "\(broker.byStatus[$0.rawValue] ?? 0)" })
        }
        text += "\n" + table.render(empty: "no jobs")
        if !detail.failures.isEmpty {
            text +=
                "\nfailures:\n" + detail.failures.map { "  \($0.count) × \($0.kind?.rawValue ?? "failed"): \($0.reason)" }.joined(separator: "\n")
                + "\n"
        }
        return text
    }
}
