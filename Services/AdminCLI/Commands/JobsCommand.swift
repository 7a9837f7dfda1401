import ArgumentParser
import Contracts
import Foundation

/// `psync jobs list|show`.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List jobs (filtered) and show one with every attempt.",
        discussion: "Example: psync jobs list --run 42 --status failed,dead",
        subcommands: [List.self, Show.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs, newest first.", discussion: "Example: psync jobs list --account 31")
        @Option(help: "Only this run's jobs.") var run: Int?
        @Option(help: "Only this account's jobs.") var account: Int?
        @Option(help: "Only this broker's jobs.") var broker: String?
        @Option(help: "Only jobs in these states (comma-separated): queued, running, retrying, succeeded, failed, dead.") var status: String?
        @Option(help: "At most this many.") var limit = 50
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let states = try status.map { text in
                try text.split(separator: ",").map { name in
                    guard let state = JobStatus(rawValue: String(name)) else {
                        throw CLIError("--status '\(name)' is not one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return state
                }
            }
            try await AdminSession.run(connection) { session in
                let page = try await Paging.collect(limit: limit) { cursor, size in
                    try await session.persistence.call(
                        PersistenceAPI.listJobs,
                        ListJobs(status: states, brokerCode: broker?.uppercased(), accountID: account, runID: run, cursor: cursor, limit: size))
                }
                try Console.emit(page) { page in
                    var table = Table([
                        .init("ID", numeric: true), .init("RUN", numeric: true), .init("ACCOUNT", numeric: true), .init("BROKER"), .init("ACTION"),
                        .init("STATUS"), .init("ATTEMPTS", numeric: true), .init("QUEUED"), .init("TOOK"), .init("LAST ERROR"),
                    ])
                    for job in page.items {
                        table.append([
                            "\(job.id)", job.runID.map(String.init) ?? "-", "\(job.accountID)", job.brokerCode, job.action.rawValue,
                            job.status.rawValue,
                            "\(job.attempts)", Format.time(job.queuedAt), took(job), Format.clipped(job.lastError, 50),
                        ])
                    }
                    return table.render(empty: "no jobs") + Paging.footer(page)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a job with every attempt.", discussion: "Example: psync jobs show 1234")
        @Argument(help: "The job's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.getJob, ByID(id: id))) { detail in
                    let job = detail.job
                    var details = Details()
                    details.add("job", "\(job.id)")
                    details.add("run", job.runID.map(String.init) ?? "-")
                    details.add("account", "\(job.accountID) (portfolio \(job.portfolioID), \(job.brokerCode))")
                    details.add("action", job.action.rawValue)
                    details.add("status", job.status.rawValue)
                    details.add("attempts", "\(job.attempts)")
                    details.add("worker", Format.text(job.worker))
                    details.add("queued", Format.time(job.queuedAt))
                    details.add("started", Format.time(job.startedAt))
                    details.add("finished", Format.time(job.finishedAt))
                    details.add("next attempt", Format.time(job.nextAttemptAt))
                    details.add("last error", job.lastError.map { "\($0)" + (job.errorKind.map { " (\($0.rawValue))" } ?? "") } ?? "-")
                    if let note = job.note { details.add("note", note) }
                    var table = Table([.init("#", numeric: true), .init("WORKER"), .init("STARTED"), .init("TOOK"), .init("OUTCOME"), .init("ERROR")])
                    for attempt in detail.attempts {
                        let took = both(attempt.startedAt, attempt.finishedAt).map { Format.duration($1.timeIntervalSince($0)) } ?? "-"
                        table.append([
                            "\(attempt.attempt)", Format.text(attempt.worker), Format.time(attempt.startedAt), took, attempt.outcome,
                            Format.clipped(attempt.error.map { $0 + (attempt.errorKind.map { " (\($0.rawValue))" } ?? "") }, 70),
                        ])
                    }
                    return details.render() + "\n" + table.render(empty: "no attempts yet")
                }
            }
        }
    }

    static func took(_ job: Job) -> String {
        guard let started = job.startedAt, let finished = job.finishedAt else { return "-" }
        return Format.duration(finished.timeIntervalSince(started))
    }
}

private func both<A, B>(_ first: A?, _ second: B?) -> (A, B)? {
    guard let first, let second else { return nil }
    return (first, second)
}
