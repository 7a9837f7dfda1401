import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

/// A real psync-persistence process on its own database and its own Redis, with clients to drive it.
struct PersistenceFixture {
    static let adminToken = "admin-token-for-persistence-tests"
    static let readToken = "read-token-for-persistence-tests"

    let service: ServiceProcess
    let redisServer: RedisServer
    let redis: RedisPool
    let database: PostgresPool
    let databaseURL: String
    let http: HTTPClient
    let admin: RPCClient<CurlTransport>

    static func start(_ settings: [String: String] = [:]) async throws -> PersistenceFixture {
        let redisServer = try await RedisServer()
        let databaseURL = try await TestServers.postgres().createDatabase("persistence")
        let service = try await launch(redisURL: redisServer.url, databaseURL: databaseURL, settings: settings)
        let http = HTTPClient()
        return PersistenceFixture(
            service: service,
            redisServer: redisServer,
            redis: RedisPool(configuration: redisServer.configuration),
            database: PostgresPool(configuration: try PostgresConfiguration(url: databaseURL)),
            databaseURL: databaseURL,
            http: http,
            admin: RPCClient(baseURL: service.baseURL, token: adminToken, client: http)
        )
    }

    static func launch(redisURL: String, databaseURL: String, settings: [String: String]) async throws -> ServiceProcess {
        var environment = [
            "PSYNC_REDIS_URL": redisURL, "PSYNC_POSTGRES_URL": databaseURL, "PSYNC_ADMIN_TOKEN": adminToken,
            "PSYNC_READ_TOKEN": readToken, "PSYNC_RESULT_BATCH_WINDOW": "5ms",
        ]
        environment.merge(try ServiceTokens.environment(product: "psync-persistence", arguments: [])) { _, new in new }
        environment.merge(settings) { _, new in new }
        return try await ServiceProcess.start("psync-persistence", environment: environment)
    }

    /// Another instance on the same database and Redis (to restart after a crash).
    func relaunch(_ settings: [String: String] = [:]) async throws -> ServiceProcess {
        try await Self.launch(redisURL: redisServer.url, databaseURL: databaseURL, settings: settings)
    }

    /// Persistence as one of our services calls it (`.dispatcher` to create runs, `.gateway` for credentials …).
    func client(as principal: Principal) -> RPCClient<CurlTransport> {
        RPCClient(baseURL: service.baseURL, token: ServiceTokens.token(principal), client: http)
    }

    func stop() async {
        await service.child.stop()
        http.shutdown()
        redis.close()
        database.close()
        await redisServer.stop()
    }

    /// A user with one portfolio and `accounts` SANDBOX accounts.
    func makeAccounts(_ count: Int = 1, currency: String = "INR", email: String? = nil) async throws -> (User, Portfolio, [BrokerAccount]) {
        let user = try await admin.call(
            PersistenceAPI.createUser, CreateUser(email: email ?? "user-\(UUID().uuidString.prefix(8))@example.com", name: "Test User"))
        let portfolio = try await admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: user.id, name: "Main", baseCurrency: currency))
        var accounts: [BrokerAccount] = []
        for index in 0..<count {
            accounts.append(
                try await admin.call(
                    PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio.id, brokerCode: "SANDBOX", label: "Account \(index)"))
            )
        }
        return (user, portfolio, accounts)
    }

    /// A run over `scope` and its jobs.
    func makeRun(_ scope: SyncScope, actions: [JobAction] = [.holdings]) async throws -> (Run, [Job]) {
        let dispatcher = client(as: Principal(.dispatcher))
        let run = try await dispatcher.call(PersistenceAPI.createRun, CreateRun(trigger: .manual, scope: scope, actions: actions)).run
        let jobs = try await dispatcher.call(PersistenceAPI.runJobs, ListRunJobs(id: run.id, limit: 500)).items
        return (run, jobs)
    }

    /// Appends results to `psync:results` as a gateway would.
    func publish(_ results: [JobResult]) async throws {
        try await StreamPublisher(redis: redis).publish(results.map { ($0, StreamNames.results) })
    }

    /// Waits until the job reaches `status`.
    func waitForJob(_ id: Int, _ status: JobStatus, timeout: Duration = .seconds(15)) async throws {
        try await eventually(timeout: timeout, "job \(id) to be \(status.rawValue)") {
            try await admin.call(PersistenceAPI.getJob, ByID(id: id)).job.status == status
        }
    }

    func count(_ sql: SQL) async throws -> Int {
        try await database.query(sql).scalar()
    }
}

/// Deterministic holdings and results.
enum Sample {
    static func holdings(_ count: Int, day: Int = 0, currency: String = "INR") -> [Holding] {
        (0..<count).map { index in
            Holding(
                symbol: "SYM\(index + day)",
                exchange: "NSE",
                isin: "INE\(String(format: "%09d", index))",
                assetType: .stock,
                quantity: Decimal(index + 1),
                averagePrice: Decimal(string: "100.25")! + Decimal(index),
                lastPrice: Decimal(string: "101.5")! + Decimal(index),
                currency: currency,
                meta: try! RawJSON(
                    .object(["tradingsymbol": .string("SYM\(index + day)"), "average_price": .number(Decimal(string: "100.25")! + Decimal(index))]))
            )
        }
    }

    static func success(_ job: Job, holdings: [Holding], asOf: Date = Date(), source: String? = nil, attempt: Int = 1) -> JobResult {
        JobResult(
            jobID: job.id, runID: job.runID, accountID: job.accountID, portfolioID: job.portfolioID, brokerCode: job.brokerCode,
            action: job.action, attempt: attempt, worker: "test-gateway", startedAt: asOf, finishedAt: asOf, outcome: .succeeded,
            snapshot: HoldingsSnapshot(sourceSnapshotID: source ?? "job-\(job.id)-\(attempt)", asOf: asOf, holdings: holdings)
        )
    }

    static func failure(_ job: Job, outcome: JobOutcome, kind: FailureKind, error: String, attempt: Int = 1) -> JobResult {
        JobResult(
            jobID: job.id, runID: job.runID, accountID: job.accountID, portfolioID: job.portfolioID, brokerCode: job.brokerCode,
            action: job.action, attempt: attempt, worker: "test-gateway", startedAt: Date(), finishedAt: Date(), outcome: outcome,
            failureKind: kind, error: error, nextAttemptAt: outcome == .retrying ? Date().addingTimeInterval(5) : nil
        )
    }
}
