import Benchmark
import Brokers
import Contracts
import CurlClient
import Foundation
import PostgresClient
import RedisClient
import TestSupport

// Micro-benchmarks of the functions every job passes through, each with time and allocations per
// operation: `make bench` runs them (`swift package benchmark --target Micro`) and `psync-bench micro`
// files the medians beside the end-to-end figures. A job of the end-to-end benchmark is one of each:
// a 20-holding broker body decoded, a results entry built (gateway) and parsed (persistence), its COPY
// rows built, and its Redis round trips.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds, warmupIterations: 50, maxDuration: .seconds(2),
        maxIterations: 20_000)

    // Decoding and normalising a 20-holding holdings answer, per adapter, with the network taken out (a canned transport).
    for broker in MicroBodies.brokers {
        Benchmark("decode-\(broker.code.lowercased())-20-holdings") { benchmark in
            let adapter = broker.adapter()
            for _ in benchmark.scaledIterations {
                blackHole(try await adapter.holdings(broker.credentials))
            }
        }
    }

    let result = MicroBodies.result(holdings: 20)
    let entry = Dictionary(try! StreamEnvelope.fields(result), uniquingKeysWith: { _, last in last })
    Benchmark("results-entry-build-20-holdings") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try StreamEnvelope.fields(result))
        }
    }
    Benchmark("results-entry-parse-20-holdings") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try StreamEnvelope.decode(JobResult.self, from: entry))
        }
    }
    Benchmark("copy-rows-20-holdings") { benchmark in
        let holdings = result.snapshot!.holdings
        for _ in benchmark.scaledIterations {
            var rows = CopyRows(capacity: 20 * 200)
            for (line, holding) in holdings.enumerated() {
                rows.append(1)
                rows.append(line)
                rows.append(7)
                rows.appendEscaped { HoldingsTable.appendFields(of: holding, to: &$0) }
                rows.append("src-1")
                rows.append("2026-12-03 09:00:00+00")
                rows.endRow()
            }
            blackHole(rows)
        }
    }

    // One job's Redis work, against a real redis-server on loopback: the gateway's read of the job, then its
    // completion pipeline (the result appended, the job acknowledged).
    Benchmark("redis-job-round-trips", configuration: .init(maxDuration: .seconds(3), maxIterations: 5_000)) { benchmark in
        let server = try await RedisServer()
        let redis = RedisPool(configuration: server.configuration, size: 2)
        let jobs = "psync:{broker:BENCH}:jobs"
        let results = "psync:bench:results"
        _ = try await redis.createGroup(jobs, group: "gateways")
        let job = try StreamEnvelope.fields(
            JobMessage(jobID: 1, runID: 1, accountID: 1, portfolioID: 1, brokerCode: "BENCH", action: .holdings, attempt: 1, queuedAt: Date())
        ).map { ($0.0, RedisArgument(bytes: $0.1)) }
        let resultFields = try StreamEnvelope.fields(result).map { ($0.0, RedisArgument(bytes: $0.1)) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            _ = try await redis.xadd(jobs, fields: job, trim: .maxLength(1000))
            let read = try await redis.readGroup(jobs, group: "gateways", consumer: "bench", count: 1)
            _ = try await redis.pipeline([
                RedisPool.xaddArguments(results, fields: resultFields, trim: .maxLength(1000)),
                ["XACK", .init(jobs), "gateways", .init(read[0].id.description)],
            ])
        }
        benchmark.stopMeasurement()
        redis.close()
        await server.stop()
    }
}

/// Broker answers of 20 holdings in each broker's documented shape (the fields our fixtures under
/// `Tests/BrokersTests/Fixtures/` carry, unused ones included: a decoder pays for skipping them too).
enum MicroBodies {
    struct Broker: Sendable {
        let code: String
        let credentials: BrokerCredentials
        let bodies: [String: [UInt8]]

        func adapter() -> any BrokerAdapter {
            let environment = BrokerEnvironment(
                baseURL: "http://broker.invalid", http: CannedTransport(bodies: bodies), options: ["MUTUAL_FUNDS": "false"])
            return BrokerRegistry.adapter(for: code, environment: environment)!
        }
    }

    /// Answers every request with the body named by the end of its path (without the query).
    struct CannedTransport: HTTPTransport {
        let bodies: [String: [UInt8]]

        func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
            let path = request.url.split(separator: "?", maxSplits: 1)[0]
            guard let body = bodies.first(where: { path.hasSuffix($0.key) })?.value else {
                return HTTPClientResponse(status: 404, headers: [], body: Array(#"{"status":"error","message":"no such path"}"#.utf8))
            }
            return HTTPClientResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
        }
    }

    static let count = 20

    static func items(_ item: (Int) -> String) -> String {
        (0..<count).map(item).joined(separator: ",\n")
    }

    static let brokers: [Broker] = [
        Broker(
            code: "ZERODHA", credentials: BrokerCredentials(["api_key": "bench", "access_token": "bench"]),
            bodies: [
                "/portfolio/holdings": Array(
                    """
                    {"status": "success", "data": [
                    \(items { i in
                        """
                        {"tradingsymbol": "SYM\(i)", "exchange": "NSE", "instrument_token": \(408_065 + i), "isin": "INE009A0\(1000 + i)", "product": "CNC", "price": 0,
                         "quantity": \(10 + i), "used_quantity": 0, "t1_quantity": \(i % 3), "realised_quantity": \(10 + i), "authorised_quantity": 0,
                         "authorised_date": "2026-01-02 00:00:00", "authorisation": {}, "opening_quantity": \(10 + i), "short_quantity": 0,
                         "collateral_quantity": \(i % 2), "collateral_type": "", "discrepancy": false, "average_price": \(1500 + i).25,
                         "last_price": \(1600 + i).75, "close_price": 1590.1, "pnl": 1507.5, "day_change": 10.65, "day_change_percentage": 0.669769,
                         "mtf": {"quantity": 0, "used_quantity": 0, "average_price": 0, "value": 0, "initial_margin": 0}}
                        """
                    })
                    ]}
                    """.utf8)
            ]),
        Broker(
            code: "ALPACA", credentials: BrokerCredentials(["key_id": "bench", "secret_key": "bench"]),
            bodies: [
                "/v2/positions": Array(
                    """
                    [
                    \(items { i in
                        """
                        {"asset_id": "904837e3-3b76-47ec-b432-046db6215\(100 + i)", "symbol": "SYM\(i)", "exchange": "NASDAQ", "asset_class": "us_equity",
                         "asset_marginable": true, "avg_entry_price": "\(100 + i).0", "qty": "\(5 + i)", "qty_available": "\(4 + i)", "side": "long",
                         "market_value": "600.0", "cost_basis": "500.0", "unrealized_pl": "100.0", "unrealized_plpc": "0.20",
                         "unrealized_intraday_pl": "10.0", "unrealized_intraday_plpc": "0.0084", "current_price": "\(120 + i).0",
                         "lastday_price": "119.0", "change_today": "0.0084"}
                        """
                    })
                    ]
                    """.utf8)
            ]),
        Broker(
            code: "UPSTOX", credentials: BrokerCredentials(["access_token": "bench"]),
            bodies: [
                "/portfolio/long-term-holdings": Array(
                    """
                    {"status": "success", "data": [
                    \(items { i in
                        """
                        {"isin": "INE528G0\(1000 + i)", "cnc_used_quantity": 0, "collateral_type": "WC", "company_name": "COMPANY \(i) LTD.", "haircut": 0.2,
                         "product": "D", "quantity": \(36 + i), "trading_symbol": "SYM\(i)", "tradingsymbol": "SYM\(i)", "last_price": \(17 + i).05,
                         "close_price": 17.05, "pnl": -61.2, "day_change": 0, "day_change_percentage": 0, "instrument_token": "NSE_EQ|INE528G0\(1000 + i)",
                         "average_price": \(18 + i).75, "collateral_quantity": \(i % 2), "collateral_update_quantity": 0, "t1_quantity": \(i % 3),
                         "exchange": "NSE"}
                        """
                    })
                    ]}
                    """.utf8)
            ]),
        Broker(
            code: "SANDBOX", credentials: BrokerCredentials(["token": "bench"]),
            bodies: [
                "/holdings": Array(
                    """
                    {"as_of": "2026-12-03T09:00:00Z", "holdings": [
                    \(items { i in
                        """
                        {"symbol": "SYM\(i)", "exchange": "NSE", "isin": "INE009A0\(1000 + i)", "asset_type": "stock", "quantity": "\(10 + i)",
                         "average_price": "\(1500 + i).25", "last_price": "\(1600 + i).75", "currency": "INR"}
                        """
                    })
                    ]}
                    """.utf8)
            ]),
    ]

    /// A succeeded holdings result of `holdings` rows, as a gateway writes it.
    static func result(holdings: Int) -> JobResult {
        let now = Date(timeIntervalSince1970: 1_796_288_400)
        return JobResult(
            jobID: 1, runID: 1, accountID: 7, portfolioID: 3, brokerCode: "SANDBOX", action: .holdings, attempt: 1, worker: "gateway-bench",
            startedAt: now, finishedAt: now, outcome: .succeeded,
            snapshot: HoldingsSnapshot(
                sourceSnapshotID: "bench-1", asOf: now,
                holdings: (0..<holdings).map { i in
                    Holding(
                        symbol: "SYM\(i)", exchange: "NSE", isin: "INE009A0\(1000 + i)", assetType: .stock, quantity: Decimal(10 + i),
                        averagePrice: Decimal(string: "\(1500 + i).25")!, lastPrice: Decimal(string: "\(1600 + i).75")!, currency: "INR",
                        split: HeldQuantity(free: Decimal(10 + i), unsettled: 0, pledged: 0))
                })
        )
    }
}
