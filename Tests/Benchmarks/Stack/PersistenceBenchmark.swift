import ArgumentParser
import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport

/// Holdings rows per second through psync-persistence (results stream → snapshots), next to a raw
/// COPY of the same rows into the same table on the same server.
struct PersistenceBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "persistence", abstract: "Snapshot writes vs raw COPY.")

    @Option(help: "Accounts, one result each.") var accounts = 1000
    @Option(help: "Holdings per account.") var holdings = 50
    @Option(help: "Repetitions; the median is reported.") var repeats = 3

    func run() async throws {
        let redis = try await RedisServer()
        let postgres = try await PostgresServer()
        var pipeline: [Double] = []
        var copy: [Double] = []
        for round in 0...repeats {
            let (through, raw) = try await measure(redis: redis, postgres: postgres)
            if round == 0 { continue }  // warm-up
            pipeline.append(through)
            copy.append(raw)
            print("round \(round): persistence \(through.grouped) rows/s, raw COPY \(raw.grouped) rows/s")
        }
        let rows = Double(accounts * holdings)
        var report = BenchmarkReport(
            section: "Persistence: snapshot writes", command: "make bench (psync-bench persistence --accounts \(accounts) --holdings \(holdings))")
        report.add("| figure | value | limit |")
        report.add("| --- | --- | --- |")
        report.add(
            "| holdings rows/s persisted (\(accounts) accounts × \(holdings) holdings, results stream → committed snapshots) | \(median(pipeline).grouped) | raw COPY \(median(copy).grouped) |"
        )
        report.add("| ratio to raw COPY | \(String(format: "%.2f", median(pipeline) / median(copy))) | target ≥ 0.50 |")
        report.add("")
        report.add(
            "Median of \(repeats) runs after a warm-up; \(Int(rows).formatted()) rows per run. The persistence figure runs from the first XADD of")
        report.add("the results to the last job committed (decode, validate, one transaction per batch: job rows, attempts, snapshot rows,")
        report.add(
            "COPY of holdings, account pointers, run progress). Raw COPY is one `COPY holdings FROM STDIN` of the same rows, prepared in advance.")
        report.figures["persistence_rows_per_s"] = median(pipeline)
        report.figures["copy_rows_per_s"] = median(copy)
        try report.write()
        await redis.stop()
        await postgres.stop()
    }

    /// One round on a fresh database: (pipeline rows/s, raw COPY rows/s).
    private func measure(redis: RedisServer, postgres: PostgresServer) async throws -> (Double, Double) {
        let databaseURL = try await postgres.createDatabase("bench")
        let redisPool = RedisPool(configuration: redis.configuration)
        _ = try await redisPool.send(["FLUSHALL"])
        let service = try await ServiceProcess.start(
            "psync-persistence",
            environment: ["PSYNC_REDIS_URL": redis.url, "PSYNC_POSTGRES_URL": databaseURL]
                .merging(try ServiceTokens.environment(product: "psync-persistence", arguments: [])) { _, new in new }
        )
        let http = HTTPClient()
        let rpc = RPCClient(baseURL: service.baseURL, token: ServiceTokens.token(Principal(.dispatcher)), client: http)
        let database = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL))
        try await database.execute("INSERT INTO users (email, name) VALUES ('bench@example.com', 'Bench')")
        try await database.execute(
            "INSERT INTO portfolios (user_id, name, base_currency) SELECT 1, 'P' || g, 'INR' FROM generate_series(1, \(max(1, accounts / 100))) g")
        try await database.execute(
            """
            INSERT INTO broker_accounts (portfolio_id, broker_code, label)
            SELECT 1 + (g % \(max(1, accounts / 100))), 'SANDBOX', 'A' || g FROM generate_series(1, \(accounts)) g
            """
        )
        let run = try await rpc.call(PersistenceAPI.createRun, CreateRun(trigger: .manual, scope: .all, actions: [.holdings])).run
        var jobs: [Job] = []
        var cursor: String?
        repeat {
            let page = try await rpc.call(PersistenceAPI.runJobs, ListRunJobs(id: run.id, cursor: cursor, limit: 500))
            jobs += page.items
            cursor = page.nextCursor
        } while cursor != nil
        let now = Date()
        let results = jobs.map { job in
            JobResult(
                jobID: job.id, runID: job.runID, accountID: job.accountID, portfolioID: job.portfolioID, brokerCode: job.brokerCode,
                action: .holdings, attempt: 1, worker: "bench", startedAt: now, finishedAt: now, outcome: .succeeded,
                snapshot: HoldingsSnapshot(sourceSnapshotID: "bench-\(job.id)", asOf: now, holdings: Self.holdings(holdings, seed: job.accountID))
            )
        }
        // Encoded before the clock starts: the gateways pay for encoding, not persistence.
        let commands = try results.map { result in
            RedisPool.xaddArguments(StreamNames.results, fields: try StreamEnvelope.fields(result).map { ($0.0, RedisArgument(bytes: $0.1)) })
        }
        let clock = ContinuousClock()
        let start = clock.now
        for chunk in stride(from: 0, to: commands.count, by: 500) {
            _ = try await redisPool.pipeline(Array(commands[chunk..<min(chunk + 500, commands.count)]))
        }
        while try await database.query("SELECT count(*)::int FROM jobs WHERE status = 'succeeded'").scalar(Int.self) < jobs.count {
            try await Task.sleep(for: .milliseconds(5))
        }
        let pipelineSeconds = (clock.now - start).seconds
        let snapshotIDs: [Int] = try await database.query(
            """
            INSERT INTO holding_snapshots (account_id, source_snapshot_id, as_of, row_count)
            SELECT id, 'raw-' || id, now(), \(holdings) FROM broker_accounts RETURNING id
            """
        ).map { try $0.decode(Int.self, at: 0) }
        var rows = CopyRows(capacity: accounts * holdings * 200)
        for (index, snapshotID) in snapshotIDs.enumerated() {
            for (line, holding) in Self.holdings(holdings, seed: index).enumerated() {
                rows.append(snapshotID)
                rows.append(line)
                rows.append(index + 1)
                rows.append(holding.symbol)
                rows.append(holding.exchange)
                rows.append(holding.isin)
                rows.append(holding.assetType.rawValue)
                rows.append(holding.quantity)
                rows.append(holding.averagePrice)
                rows.append(holding.lastPrice)
                rows.append(holding.currency)
                rows.append(holding.costValue)
                rows.append(holding.marketValue)
                rows.append(holding.meta?.text)
                rows.append("raw")
                rows.append(now)
                rows.endRow()
            }
        }
        let copyStart = clock.now
        _ = try await database.withConnection { connection in
            try await connection.copy(
                into: "holdings",
                columns: [
                    "snapshot_id", "line", "account_id", "symbol", "exchange", "isin", "asset_type", "quantity", "avg_price", "last_price",
                    "currency", "cost_value", "market_value", "meta", "source_snapshot_id", "as_of",
                ],
                rows: rows
            )
        }
        let copySeconds = (clock.now - copyStart).seconds
        await service.child.stop()
        http.shutdown()
        database.close()
        redisPool.close()
        let total = Double(accounts * holdings)
        return (total / pipelineSeconds, total / copySeconds)
    }

    /// Holdings shaped like a broker's: exact decimals and a raw item in meta.
    static func holdings(_ count: Int, seed: Int) -> [Holding] {
        (0..<count).map { index in
            let price = Decimal(1000 + (seed * 7 + index * 13) % 4000) + Decimal(string: "0.45")!
            return Holding(
                symbol: "SYM\(index)", exchange: "NSE", isin: "INE\(100_000 + index)A01\(index % 10)", assetType: .stock,
                quantity: Decimal(1 + (seed + index) % 500), averagePrice: price, lastPrice: price + 12, currency: "INR",
                meta: try! RawJSON(
                    .object([
                        "tradingsymbol": .string("SYM\(index)"), "exchange": .string("NSE"), "instrument_token": .number(Decimal(408_065 + index)),
                        "average_price": .number(price), "last_price": .number(price + 12), "product": .string("CNC"),
                    ]))
            )
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
