import Contracts
import CurlClient
import FoundationEssentials
import RPC
import RedisClient
import Streams

/// Everything the pages and the JSON API show: live state from Redis, history from persistence.
struct MonitorData: Sendable {
    let redis: RedisPool
    let persistence: RPCClient<CurlTransport>
    let dispatcher: RPCClient<CurlTransport>
    let scheduler: RPCClient<CurlTransport>
    let workers: WorkerDirectory
    let queues: QueueInspector

    /// The overview from counts, never listings: one persistence call (throughput, accounts needing re-auth, current runs
    /// with their own counters) and Redis (workers, queues, dead letters). 100,000 accounts and 1,000,000 jobs keep it
    /// under 200 ms (BENCHMARKS.md "Overview at scale").
    func overview() async throws -> Overview {
        async let workerList = workers.list()
        async let figures = rpc { try await persistence.call(PersistenceAPI.overviewFigures, Empty()) }
        async let deadCount = redis.xlen(StreamNames.deadLetters)
        let listed = try await workerList
        let brokers = listed.compactMap { $0.state == "alive" ? $0.heartbeat.broker : nil }
        let queueList = try await queues.all(extraBrokers: brokers)
        let read = try await figures
        let runs = read.runs.map { run in
            RunDetail(run: run, brokers: [], failures: [], done: run.counts.succeeded + run.counts.failed + run.counts.dead, total: run.counts.total)
        }
        return Overview(
            workers: listed, queues: queueList, throughput: read.throughput, deadLetters: try await deadCount, reauthAccounts: read.reauthRequired,
            runs: runs)
    }

    func statistics() async throws -> JobStatistics {
        try await rpc { try await persistence.call(PersistenceAPI.jobStatistics, JobStatisticsRequest(minutes: 60)) }
    }

    func deadLetters(_ request: ListDeadLetters) async throws -> DeadLetterPage {
        let limit = request.limit ?? 50
        guard (1...500).contains(limit) else { throw APIError.unprocessable("limit must be 1-500, got \(limit)", field: "limit") }
        if let before = request.before, StreamID(before) == nil {
            throw APIError.badRequest("before must be a dead letter id such as 1700000000000-0, got '\(before.prefix(40))'")
        }
        let queue = DeadLetterQueue(redis: redis)
        let letters = try await queue.list(count: limit + 1, before: request.before)
        let page = Array(letters.prefix(limit))
        return DeadLetterPage(letters: page, total: try await queue.count(), next: letters.count > limit ? page.last?.id : nil)
    }

    func deadLetter(_ id: String) async throws -> DeadLetter {
        guard StreamID(id) != nil else { throw APIError.badRequest("a dead letter id looks like 1700000000000-0, got '\(id.prefix(40))'") }
        guard let letter = try await DeadLetterQueue(redis: redis).get(id) else { throw APIError.notFound("dead letter \(id) does not exist") }
        return letter
    }

    /// A run's progress from the dispatcher (which knows whether it is stuck), else from persistence.
    func run(_ id: Int) async throws -> RunProgress {
        do {
            return try await dispatcher.call(DispatcherAPI.runProgress, ByID(id: id))
        } catch let error as RPCError where error.kind == .server && error.status == 404 {
            throw error.apiError ?? APIError.notFound("run \(id) does not exist")
        } catch {
            let detail = try await rpc { try await persistence.call(PersistenceAPI.getRun, ByID(id: id)) }
            return RunProgress(detail: detail, stuck: false, waitingFor: [])
        }
    }

    /// Up to 50 of a run's jobs that have not ended, oldest first.
    func outstandingJobs(run id: Int) async throws -> [Job] {
        try await rpc {
            try await persistence.call(PersistenceAPI.runJobs, ListRunJobs(id: id, status: [.queued, .running, .retrying], limit: 50))
        }.items
    }

    func runs(_ request: ListRuns) async throws -> Page<Run> {
        try await rpc { try await persistence.call(PersistenceAPI.listRuns, request) }
    }

    func jobs(_ request: ListJobs) async throws -> Page<Job> {
        try await rpc { try await persistence.call(PersistenceAPI.listJobs, request) }
    }

    func job(_ id: Int) async throws -> JobDetail {
        try await rpc { try await persistence.call(PersistenceAPI.getJob, ByID(id: id)) }
    }

    func accountHoldings(_ id: Int) async throws -> AccountHoldings {
        try await rpc { try await persistence.call(PersistenceAPI.accountHoldings, ByID(id: id)) }
    }

    func accountPositions(_ id: Int) async throws -> AccountHoldings {
        try await rpc { try await persistence.call(PersistenceAPI.accountPositions, ByID(id: id)) }
    }

    /// Accounts needing a new login now, then active ones whose login ends before their next scheduled run.
    func reauthAccounts() async throws -> [ReauthAccount] {
        let now = try await accounts(ListAccounts(status: .reauthRequired))
        let soon = try await accounts(ListAccounts(status: .active, loginExpiresBeforeNextRun: true))
        let brokers = try await rpc { try await persistence.call(PersistenceAPI.listBrokers, Empty()) }
        let withLogin = Set(brokers.filter { $0.capabilities.contains(.login) }.map(\.code))
        return (now + soon).map { ReauthAccount(account: $0, fix: Self.fix(for: $0, hasLogin: withLogin.contains($0.brokerCode))) }
    }

    /// One page each of the accounts needing a new login now (`now` cursor) and of the active ones whose login ends
    /// before their next scheduled run (`soon` cursor), `limit` a page, paged in Postgres.
    func reauthPage(now: String?, soon: String?, limit: Int) async throws -> (now: Page<BrokerAccount>, soon: Page<BrokerAccount>) {
        async let required = rpc {
            try await persistence.call(PersistenceAPI.listAccounts, ListAccounts(status: .reauthRequired, cursor: now, limit: limit))
        }
        async let ending = rpc {
            try await persistence.call(
                PersistenceAPI.listAccounts, ListAccounts(status: .active, loginExpiresBeforeNextRun: true, cursor: soon, limit: limit))
        }
        return (try await required, try await ending)
    }

    private func accounts(_ request: ListAccounts) async throws -> [BrokerAccount] {
        var request = request
        request.limit = 500
        var accounts: [BrokerAccount] = []
        repeat {
            let page = try await rpc { try await persistence.call(PersistenceAPI.listAccounts, request) }
            accounts += page.items
            request.cursor = page.nextCursor
        } while request.cursor != nil && accounts.count < 5000
        return accounts
    }

    /// What to run to log an account in again.
    static func fix(for account: BrokerAccount, hasLogin: Bool) -> String {
        hasLogin ? "psync login \(account.id)" : "psync credentials set \(account.id)"
    }
}

/// Calls another service, turning its errors into ours: its own error envelope passes through, anything else is a 503.
func rpc<T>(_ call: () async throws -> T) async throws -> T {
    do {
        return try await call()
    } catch let error as RPCError {
        if let apiError = error.apiError, apiError.status < 500 { throw apiError }
        throw APIError.unavailable(
            "a service the monitor depends on did not answer: \(error.kind == .unreachable ? "unreachable" : "error \(error.status ?? 0)")")
    }
}
