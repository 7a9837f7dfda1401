import ArgumentParser
import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import RedisClient
import TestSupport

/// How long psync-dispatcher takes to turn a sync request over many accounts into queued jobs:
/// the run and its jobs created in Postgres, then every job appended to its broker's stream.
struct DispatchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dispatch", abstract: "Fan-out of one run's jobs to the brokers' streams.")

    @Option(help: "Accounts (one holdings job each).") var jobs = 100_000
    @Option(help: "Repetitions; the median is reported.") var repeats = 3

    static let token = "bench-admin-token-0123456789"

    func run() async throws {
        let redis = try await RedisServer()
        let postgres = try await PostgresServer()
        let databaseURL = try await postgres.createDatabase("dispatch")
        var environment = ["PSYNC_REDIS_URL": redis.url, "PSYNC_POSTGRES_URL": databaseURL, "PSYNC_ADMIN_TOKEN": Self.token]
        let persistence = try await ServiceProcess.start(
            "psync-persistence",
            environment: environment.merging(try ServiceTokens.environment(product: "psync-persistence", arguments: [])) { _, new in new })
        environment["PSYNC_PERSISTENCE_URL"] = persistence.baseURL
        let dispatcher = try await ServiceProcess.start(
            "psync-dispatcher",
            environment: environment.merging(try ServiceTokens.environment(product: "psync-dispatcher", arguments: [])) { _, new in new })
        let http = HTTPClient()
        let rpc = RPCClient(baseURL: dispatcher.baseURL, token: Self.token, client: http, timeout: .seconds(600))
        let redisPool = RedisPool(configuration: redis.configuration)
        let database = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL))
        let perPortfolio = 1000
        try await database.execute("INSERT INTO users (email, name) VALUES ('bench@example.com', 'Bench')")
        try await database.execute(
            "INSERT INTO portfolios (user_id, name, base_currency) SELECT 1, 'P' || g, 'INR' FROM generate_series(1, \((jobs + perPortfolio - 1) / perPortfolio)) g"
        )
        try await database.execute(
            """
            INSERT INTO broker_accounts (portfolio_id, broker_code, label)
            SELECT 1 + (g - 1) / \(perPortfolio), CASE WHEN g % 2 = 0 THEN 'SANDBOX' ELSE 'ZERODHA' END, 'A' || g FROM generate_series(1, \(jobs)) g
            """
        )
        var totals: [Double] = []
        var fanOuts: [Double] = []
        var fetches: [Double] = []
        let clock = ContinuousClock()
        for round in 0...repeats {
            _ = try await redisPool.delete([StreamNames.jobs(broker: "SANDBOX"), StreamNames.jobs(broker: "ZERODHA")])
            let start = clock.now
            let detail = try await rpc.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
            let total = (clock.now - start).seconds
            let queued = try await redisPool.xlen(StreamNames.jobs(broker: "SANDBOX")) + redisPool.xlen(StreamNames.jobs(broker: "ZERODHA"))
            guard detail.total == jobs, queued == jobs else {
                throw ValidationError("run \(detail.run.id) has \(detail.total) jobs and \(queued) queued; expected \(jobs)")
            }
            // The dispatcher logs how long its fan-out took and how much of that was reading pages from persistence.
            let logged = dispatcher.child.output().split(separator: "\n").last {
                $0.contains("\"run dispatched\"") && $0.contains("\"run.id\":\"\(detail.run.id)\"")
            }
            let fields = logged.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } ?? [:]
            func seconds(_ name: String) -> Double { Double(((fields[name] as? String) ?? "").split(separator: " ").first ?? "") ?? .nan }
            let (fanOut, fetching) = (seconds("took"), seconds("fetching"))
            print(
                "round \(round): \(jobs.formatted()) jobs in \(String(format: "%.2f", total)) s: run created in \(String(format: "%.2f", total - fanOut)) s, "
                    + "fan-out \(String(format: "%.2f", fanOut)) s of which \(String(format: "%.2f", fetching)) s reading jobs from persistence")
            if round == 0 { continue }  // warm-up
            totals.append(total)
            fanOuts.append(fanOut)
            fetches.append(fetching)
        }
        var report = BenchmarkReport(section: "Dispatcher: fan-out", command: "make bench (psync-bench dispatch --jobs \(jobs))")
        report.add("| figure | value | limit |")
        report.add("| --- | --- | --- |")
        report.add(
            "| one run of \(jobs.formatted()) jobs, request to every job on its stream | \(String(format: "%.2f", median(totals))) s (\((Double(jobs) / median(totals)).grouped) jobs/s) | under 10 s |"
        )
        report.add("| of which creating the run and its jobs in Postgres | \(String(format: "%.2f", median(totals) - median(fanOuts))) s | |")
        report.add("| of which reading the jobs from persistence, 5,000 per call | \(String(format: "%.2f", median(fetches))) s | |")
        report.add(
            "| of which appending them to the streams, 1,000 per Lua call | \(String(format: "%.2f", median(fanOuts) - median(fetches))) s | |")
        report.add("")
        report.add("Median of \(repeats) runs after a warm-up; \(jobs.formatted()) active accounts over two brokers. A run's jobs are created in one")
        report.add("INSERT … SELECT; the dispatcher then pages them from persistence and appends them with a script that also moves the run's")
        report.add("fan-out mark, so a repeated fan-out never queues a job twice. Most of the fan-out time is JSON: persistence encodes each")
        report.add("page, the dispatcher decodes it and encodes one envelope per job.")
        report.figures["fanout_100k_jobs_s"] = median(totals)
        try report.write()
        http.shutdown()
        redisPool.close()
        database.close()
        await dispatcher.child.stop()
        await persistence.child.stop()
        await redis.stop()
        await postgres.stop()
    }
}
