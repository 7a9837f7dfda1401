import ArgumentParser
import Contracts
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport

/// Job latency on an idle system, one job at a time: from the XADD of a job to the gateway starting
/// it (pickup), and to persistence announcing its snapshot committed.
struct LatencyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "latency", abstract: "Pickup and commit latency of single jobs on an idle system.")

    @Option(help: "Jobs, one at a time.") var jobs = 200
    @Option(help: "Jobs first run and not counted.") var warmUp = 20

    func run() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_HOLDINGS": "20"])
        try await stack.launchGateway("SANDBOX")
        let account = try await stack.makeAccounts(broker: "SANDBOX", count: 1) { _ in ["token": "latency-token"] }[0]
        let events = StreamReader<Event>(
            redis: stack.redis, configuration: .init(stream: StreamNames.events, group: "bench-latency", consumer: "bench"))
        _ = try await stack.redis.createGroup(StreamNames.events, group: "bench-latency", startingAt: "$", makeStream: true)
        let publisher = StreamPublisher(redis: stack.redis)
        let persistence = try stack.persistence(as: Principal(.dispatcher))
        var pickups: [Double] = []
        var commits: [Double] = []
        var fetches: [Double] = []
        for index in 0..<(jobs + warmUp) {
            let run = try await persistence.call(PersistenceAPI.createRun, CreateRun(trigger: .manual, scope: .all, actions: [.holdings])).run
            let job = try await persistence.call(PersistenceAPI.runJobs, ListRunJobs(id: run.id, cursor: nil, limit: 10)).items[0]
            let message = JobMessage(
                jobID: job.id, runID: run.id, accountID: account.id, portfolioID: job.portfolioID, brokerCode: "SANDBOX", action: .holdings,
                attempt: 1, queuedAt: job.queuedAt, apiKeyID: nil)
            // Idle between jobs, so each one finds the gateway blocked in XREADGROUP.
            try await Task.sleep(for: .milliseconds(20))
            let sent = Date()
            try await publisher.publish(message, to: StreamNames.jobs(broker: "SANDBOX"))
            var committed: Date?
            while committed == nil {
                let batch = try await events.readNew(count: 100, block: .seconds(10))
                guard !batch.isEmpty else { throw HarnessError("job \(job.id) was not committed within 10 s\n\(stack.logs())") }
                for delivery in batch.deliveries where delivery.message.jobID == job.id {
                    if delivery.message.kind == .jobSucceeded { committed = Date() }
                    if delivery.message.kind == .jobFailed || delivery.message.kind == .jobDead {
                        throw HarnessError("job \(job.id) failed: \(delivery.message.message ?? "")")
                    }
                }
            }
            let row = try await stack.database.query("SELECT started_at, finished_at FROM jobs WHERE id = \(job.id)")[0]
            let (started, finished): (Date, Date) = (try row.decode(at: 0), try row.decode(at: 1))
            if index < warmUp { continue }
            pickups.append(started.timeIntervalSince(sent) * 1000)
            fetches.append(finished.timeIntervalSince(started) * 1000)
            commits.append(committed!.timeIntervalSince(sent) * 1000)
        }
        await stack.stop()
        var report = BenchmarkReport(section: "Job latency: one job at a time", command: "make bench (psync-bench latency --jobs \(jobs))")
        report.add("| figure | p50 | p99 | max | limit |")
        report.add("| --- | --- | --- | --- | --- |")
        report.add(
            "| XADD → gateway starts the job (pickup) | \(fixed(percentile(pickups, 50))) ms | **\(fixed(percentile(pickups, 99))) ms** "
                + "| \(fixed(pickups.max() ?? 0)) ms | p99 under 5 ms |")
        report.add(
            "| XADD → snapshot committed (persistence's job-succeeded event read) | \(fixed(percentile(commits, 50))) ms | "
                + "**\(fixed(percentile(commits, 99))) ms** | \(fixed(commits.max() ?? 0)) ms | |")
        report.add(
            "| of which the gateway's work (started → result ready: account slot, credentials, broker call, normalising) | "
                + "\(fixed(percentile(fetches, 50))) ms | \(fixed(percentile(fetches, 99))) ms | \(fixed(fetches.max() ?? 0)) ms | |")
        report.add("")
        report.add(
            "\(jobs) jobs one after another (after \(warmUp) not counted), 20 ms idle before each, brokersim with no added latency and 20 holdings. "
                + "The clock starts just before the benchmark's XADD of the job. Pickup ends at the job's `started_at` as the gateway "
                + "recorded it (it travels on the result as ISO 8601 with milliseconds, so pickup is ±0.5 ms). Commit ends when the "
                + "benchmark reads persistence's `job.succeeded` event, which persistence appends after the transaction commits "
                + "(so it includes one more XADD and the benchmark's XREADGROUP wake-up). Nothing polls: the gateway and persistence wait in "
                + "`XREADGROUP … BLOCK`; persistence then waits up to 5 ms (its batch window) for more results before it writes.")
        report.figures["pickup_p99_ms"] = percentile(pickups, 99)
        report.figures["commit_p99_ms"] = percentile(commits, 99)
        try report.write()
    }
}
