public import Contracts
import CurlClient
import Foundation
import PostgresClient
public import RPC
import RedisClient
public import SandboxData
import Streams

/// Helpers that drive a stack: accounts with credentials, runs, brokersim's control API.
extension Stack {
    /// A user and portfolio with `count` accounts of `broker`, credentials sealed through the gateway.
    public func makeAccounts(
        broker: String,
        count: Int,
        apiKeyID: String? = nil,
        credentials: (Int) -> [String: String]
    ) async throws -> [BrokerAccount] {
        let user = try await admin.call(PersistenceAPI.createUser, CreateUser(email: "u-\(UUID().uuidString.prefix(8))@example.com", name: "Test"))
        let portfolio = try await admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: user.id, name: "P", baseCurrency: "INR"))
        var accounts: [BrokerAccount] = []
        for index in 0..<count {
            let account = try await admin.call(
                PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio.id, brokerCode: broker, label: "A\(index)", apiKeyID: apiKeyID)
            )
            try await gateway(broker).call(GatewayAPI.putCredentials, PutCredentials(id: account.id, credentials: credentials(index)))
            accounts.append(account)
        }
        return accounts
    }

    /// Creates a run and puts its jobs on the brokers' streams, as the dispatcher will (later, with `publishJobs`,
    /// when `publish` is false).
    public func enqueueRun(_ scope: SyncScope, actions: [JobAction] = [.holdings], publish: Bool = true) async throws -> (Run, [Job]) {
        let run = try await persistence(as: Principal(.dispatcher)).call(
            PersistenceAPI.createRun, CreateRun(trigger: .manual, scope: scope, actions: actions)
        ).run
        var jobs: [Job] = []
        var cursor: String?
        repeat {
            let page = try await persistence(as: Principal(.dispatcher)).call(
                PersistenceAPI.runJobs, ListRunJobs(id: run.id, cursor: cursor, limit: 500))
            jobs += page.items
            cursor = page.nextCursor
        } while cursor != nil
        if publish { try await publishJobs(run, jobs) }
        return (run, jobs)
    }

    /// Puts `jobs` of `run` on their brokers' streams, as the dispatcher does.
    public func publishJobs(_ run: Run, _ jobs: [Job]) async throws {
        try await StreamPublisher(redis: redis).publish(try await jobMessages(run, jobs))
    }

    /// The stream messages of `jobs`, each with the stream it goes to.
    public func jobMessages(_ run: Run, _ jobs: [Job]) async throws -> [(JobMessage, String)] {
        let accounts = try await admin.call(PersistenceAPI.listAccounts, ListAccounts(limit: 500)).items
        let apiKeys = Dictionary(accounts.map { ($0.id, $0.apiKeyID) }, uniquingKeysWith: { first, _ in first })
        let messages = jobs.map { job in
            (
                JobMessage(
                    jobID: job.id, runID: run.id, accountID: job.accountID, portfolioID: job.portfolioID, brokerCode: job.brokerCode,
                    action: job.action,
                    attempt: 1, queuedAt: job.queuedAt, apiKeyID: apiKeys[job.accountID] ?? nil
                ),
                StreamNames.jobs(broker: job.brokerCode)
            )
        }
        return messages
    }

    /// Waits until every job of the run has ended.
    public func waitForRun(_ id: Int, timeout: Duration = .seconds(60)) async throws -> RunDetail {
        var detail: RunDetail?
        try await eventually(timeout: timeout, every: .milliseconds(100), "run \(id) to end") {
            detail = try await admin.call(PersistenceAPI.getRun, ByID(id: id))
            return detail!.done == detail!.total
        }
        return detail!
    }

    /// brokersim's control API.
    public func simulator(_ method: String, _ path: String, _ body: String? = nil) async throws -> String {
        guard let brokersim = first("psync-brokersim") else { throw HarnessError("psync-brokersim is not running") }
        let response = try await http.execute(
            HTTPClientRequest(
                method: method, url: brokersim.baseURL + path,
                headers: [("Authorization", "Bearer \(Stack.adminToken)"), ("Content-Type", "application/json")], body: body.map { Array($0.utf8) }
            )
        )
        guard (200..<300).contains(response.status) else {
            throw HarnessError("brokersim \(method) \(path): HTTP \(response.status) \(response.text)")
        }
        return response.text
    }

    public func simulatorStats() async throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try await simulator("GET", "/sim/stats").utf8)) as? [String: Any] ?? [:]
    }

    /// The holdings stored for an account, as comparable tuples.
    public func storedHoldings(_ accountID: Int) async throws -> [String] {
        try await admin.call(PersistenceAPI.accountHoldings, ByID(id: accountID)).holdings.map {
            "\($0.symbol) \($0.exchange ?? "-") \($0.quantity) \($0.averagePrice) \($0.lastPrice.map { "\($0)" } ?? "-") \($0.currency)"
        }.sorted()
    }

    /// The holdings brokersim serves for a token on a day, in the same form.
    public static func expectedHoldings(token: String, day: Int = 0, count: Int = 20, market: SimulatedPortfolio.Market = .india) -> [String] {
        SimulatedPortfolio(token: token, day: day, count: count, market: market).holdings.map {
            "\($0.symbol) \($0.exchange) \($0.quantity) \($0.averagePrice) \($0.lastPrice) \($0.currency)"
        }.sorted()
    }
}

extension Stack {
    /// `count` active accounts of `broker` inserted straight into the database (for scale), in
    /// portfolios of `perPortfolio` under one new user; no credentials. Returns the portfolio ids.
    @discardableResult
    public func seedAccounts(broker: String, count: Int, perPortfolio: Int = 100) async throws -> [Int] {
        let user: Int = try await database.query(
            "INSERT INTO users (email, name) VALUES (\("seed-\(UUID().uuidString.prefix(12))@example.com"), 'Seed') RETURNING id"
        ).scalar()
        let portfolioCount = (count + perPortfolio - 1) / perPortfolio
        let portfolios = try await database.query(
            "INSERT INTO portfolios (user_id, name, base_currency) SELECT \(user), 'P' || g, 'INR' FROM generate_series(1, \(portfolioCount)) g RETURNING id"
        ).map { try $0.decode(Int.self, at: 0) }.sorted()
        try await database.execute(
            """
            INSERT INTO broker_accounts (portfolio_id, broker_code, label)
            SELECT p.id, \(broker), 'A' || g FROM unnest(\(portfolios)::bigint[]) WITH ORDINALITY AS p(id, n)
                CROSS JOIN generate_series(1, \(perPortfolio)) g
            WHERE (p.n - 1) * \(perPortfolio) + g <= \(count)
            """
        )
        return portfolios
    }

    /// A typed client for the dispatcher (admin token).
    public var dispatcher: RPCClient<CurlTransport> { get throws { try client("psync-dispatcher") } }

    /// A typed client for the first scheduler replica (admin token).
    public var scheduler: RPCClient<CurlTransport> { get throws { try client("psync-scheduler") } }
}
