import Contracts
import CurlClient
import Foundation
import PostgresClient
import RedisClient

/// Injects the planned faults one per interval while the run goes on, and watches each one's
/// recovery in a child task so the next fault is not held up.
struct ChaosInjector: Sendable {
    /// A fault just injected: what was done, and when the system counts as recovered from it.
    struct Injected: Sendable {
        var detail: String
        var recovered: @Sendable () async throws -> Bool
        /// The recovery time when it is not the time since the injection (broker faults: the jobs' own retries).
        var measured: (@Sendable () async throws -> Double)?

        init(detail: String, measured: (@Sendable () async throws -> Double)? = nil, recovered: @escaping @Sendable () async throws -> Bool) {
            self.detail = detail
            self.measured = measured
            self.recovered = recovered
        }
    }

    let stack: Stack
    let postgres: PostgresServer
    /// The replica and sentinels, when the plan holds the Redis failover.
    let failover: ChaosScenario.Failover?
    let runID: Int
    /// Accounts whose broker fails for good; no burst picks them.
    let doomed: [Int]
    let configuration: ChaosScenario.Configuration
    let started: ContinuousClock.Instant
    /// How long a fault may take to recover from before it counts as not recovered: as long as the run may take
    /// (a burst hits queued accounts, which may wait for their turn until the end), plus the long outages, during
    /// which nothing moves. The recovery time reported for a burst is its accounts' own retry span.
    var recoveryLimit: Duration {
        max(.seconds(180), configuration.runTimeout) + (configuration.postgresOutage ?? .zero) + (configuration.redisOutage ?? .zero)
    }

    private static let gatewayArguments = ["--broker", "SANDBOX"]
    private static let terminal = ["succeeded", "failed", "dead"]

    func injectAll() async throws -> [ChaosFaultRecord] {
        let log = configuration.log
        return try await withThrowingTaskGroup(of: ChaosFaultRecord.self) { group in
            for fault in configuration.plan {
                if (try? await runFinished()) == true {
                    log("the run finished before '\(fault.rawValue)'; the rest of the plan is not injected")
                    break
                }
                let at = ContinuousClock.now
                let before = await terminalJobs()
                let injected = try await inject(fault)
                let offset = (at - started).inSeconds
                log("\(String(format: "%7.1f", offset)) s  \(fault.rawValue): \(injected.detail)")
                group.addTask {
                    let recovery = await watch(injected, since: at, progressFrom: before)
                    log(
                        "\(String(format: "%7.1f", offset)) s  \(fault.rawValue) "
                            + (recovery.map { "recovered in \(String(format: "%.2f", $0)) s" } ?? "NOT recovered"))
                    return ChaosFaultRecord(fault: fault, at: offset, detail: injected.detail, recovery: recovery)
                }
                try await Task.sleep(for: configuration.faultInterval)
            }
            var records: [ChaosFaultRecord] = []
            for try await record in group { records.append(record) }
            return records.sorted { $0.at < $1.at }
        }
    }

    /// Seconds from `since` until the fault's own condition holds and jobs are ending again (or the run is over).
    private func watch(_ injected: Injected, since: ContinuousClock.Instant, progressFrom before: Int) async -> Double? {
        do {
            try await eventually(timeout: recoveryLimit, every: .milliseconds(50), "recovery") {
                guard try await injected.recovered() else { return false }
                if await terminalJobs() > before { return true }
                return try await runFinished()
            }
            let elapsed = (ContinuousClock.now - since).inSeconds
            return try await injected.measured?() ?? elapsed
        } catch {
            return nil
        }
    }

    private func inject(_ fault: ChaosFault) async throws -> Injected {
        switch fault {
        case .gatewayKill: return try await killGateway()
        case .persistenceKill: return try await killPersistence()
        case .dispatcherKill: return try await killDispatcher()
        case .redisRestart:
            let clock = ContinuousClock()
            let start = clock.now
            try await stack.redisServer.restart()
            return Injected(detail: "down for \(String(format: "%.2f", (clock.now - start).inSeconds)) s") { true }
        case .postgresRestart:
            let clock = ContinuousClock()
            let start = clock.now
            try await postgres.restart()
            return Injected(detail: "down for \(String(format: "%.2f", (clock.now - start).inSeconds)) s") { true }
        case .serverErrorBurst: return try await serverErrorBurst()
        case .rateLimitStorm: return try await rateLimitStorm()
        case .postgresOutage:
            let length = configuration.postgresOutage ?? .seconds(90)
            await postgres.stop()
            try await Task.sleep(for: length)
            try await postgres.start()
            return Injected(detail: "stopped for \(Self.format(length)) s, then started") { true }
        case .redisOutage:
            let length = configuration.redisOutage ?? .seconds(30)
            await stack.redisServer.stop()
            try await Task.sleep(for: length)
            try await stack.redisServer.start()
            return Injected(detail: "stopped for \(Self.format(length)) s, then started (AOF on)") { true }
        case .wrongKeyReplica: return try await wrongKeyReplica()
        case .redisFailover: return try await redisFailover()
        }
    }

    /// SIGKILL to the Redis primary while jobs flow; the sentinels (told now to call it down after 1 s) promote the
    /// replica, and every process finds the new primary through them. Recovered once a job ends after the promotion.
    private func redisFailover() async throws -> Injected {
        guard let failover else { throw HarnessError("the Redis failover needs the replica and sentinels of configuration.redisFailover") }
        let primary = stack.redisServer
        try await failover.sentinels.setDownAfter(.seconds(1))
        // How far the replica is behind when the primary dies: what asynchronous replication can lose.
        let replicaOffset = await replicationOffset(port: failover.replica.port, field: "slave_repl_offset")
        let primaryOffset = await replicationOffset(port: primary.port, field: "master_repl_offset")
        let running = (try? await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(runID) AND status = 'running'")) ?? -1
        let killed = ContinuousClock.now
        await primary.kill()
        try await eventually(timeout: .seconds(60), every: .milliseconds(100), "the sentinels to promote the replica") {
            try await failover.sentinels.primaryPort() == failover.replica.port
        }
        let promoted = (ContinuousClock.now - killed).inSeconds
        let ended = await terminalJobs()
        var behind = "an unknown number of bytes"
        if let primaryOffset, let replicaOffset { behind = "\(max(0, primaryOffset - replicaOffset)) bytes" }
        return Injected(
            detail: "primary (port \(primary.port)) killed with \(running) jobs running, replica \(behind) behind; "
                + "replica (port \(failover.replica.port)) promoted after \(String(format: "%.2f", promoted)) s"
        ) { await terminalJobs() > ended }
    }

    /// An offset from `INFO replication` of the server on `port`, asked directly (not through the sentinels).
    private func replicationOffset(port: Int, field: String) async -> Int? {
        let user = RedisServer.adminUser
        guard
            let password = try? String(contentsOfFile: stack.redisServer.passwordFile(user: user), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        else { return nil }
        let connection = RedisConnection(
            configuration: RedisConfiguration(host: "127.0.0.1", port: port, password: password, user: user), name: "chaos-probe")
        defer { Task { await connection.disconnect() } }
        guard let info = try? await connection.send(["INFO", "replication"]).string else { return nil }
        return info.split(whereSeparator: \.isNewline).lazy.compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0] == field else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first
    }

    /// A replica whose key ring holds none of the key ids the boxes were sealed with: it must say so on `/readyz`
    /// while its jobs go on to the other replicas, and no account may change status. It runs for 10 s.
    private func wrongKeyReplica() async throws -> Injected {
        let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let replica = try await stack.launchGateway(
            "SANDBOX",
            environment: [
                "PSYNC_MASTER_KEY": key, "PSYNC_MASTER_KEY_ID": "chaos-wrong", "PSYNC_GATEWAY_CONCURRENCY": "\(configuration.gatewayConcurrency)",
                "PSYNC_SANDBOX_RATE_LIMIT": "\(configuration.pace)/s", "PSYNC_CREDENTIALS_CACHE_TTL": "1s",
            ])
        let started = ContinuousClock.now
        var notReady: Double?
        while ContinuousClock.now - started < .seconds(10) {
            if notReady == nil, let ready = try? await stack.http.execute(HTTPClientRequest(url: replica.baseURL + "/readyz")), ready.status == 503 {
                notReady = (ContinuousClock.now - started).inSeconds
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        await replica.child.stop()
        let saidNotReady = notReady != nil
        let reauth = try await stack.count("SELECT count(*)::int FROM broker_accounts WHERE status = 'reauth_required'")
        return Injected(
            detail: "pid \(replica.child.pid): "
                + (notReady.map { "not ready after \(Self.format(.milliseconds(Int($0 * 1000)))) s" } ?? "never said not ready")
                + "; stopped after 10 s; \(reauth) accounts in reauth_required"
        ) { saidNotReady }
    }

    private static func format(_ duration: Duration) -> String { String(format: "%.1f", duration.inSeconds) }

    private func killGateway() async throws -> Injected {
        guard let victim = stack.running("psync-gateway", arguments: Self.gatewayArguments).randomElement() else {
            throw HarnessError("no SANDBOX gateway replica is running")
        }
        let pid = victim.child.pid
        let stream = StreamNames.jobs(broker: "SANDBOX")
        let held = (try? await heldBy(pid, stream: stream, group: StreamNames.Group.gateway)) ?? 0
        await victim.child.kill9()
        try await ChaosScenario(configuration: configuration).launchGateway(stack)
        return Injected(detail: "pid \(pid) holding \(held) jobs; restarted") {
            try await heldBy(pid, stream: stream, group: StreamNames.Group.gateway) == 0
        }
    }

    private func killPersistence() async throws -> Injected {
        guard let victim = stack.first("psync-persistence") else { throw HarnessError("psync-persistence is not running") }
        let pid = victim.child.pid
        // Mid-batch: wait (briefly) until one of its consumers holds results it has not acknowledged yet.
        var held = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            held = (try? await heldBy(pid, stream: StreamNames.results, group: StreamNames.Group.persistence)) ?? 0
            if held > 0 { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        await victim.child.kill9()
        try await stack.launch("psync-persistence", environment: ["PSYNC_HTTP_PORT": try Self.port(of: victim)])
        return Injected(detail: "pid \(pid) holding \(held) results; restarted") {
            try await heldBy(pid, stream: StreamNames.results, group: StreamNames.Group.persistence) == 0
        }
    }

    private func killDispatcher() async throws -> Injected {
        guard let victim = stack.first("psync-dispatcher") else { throw HarnessError("psync-dispatcher is not running") }
        let pid = victim.child.pid
        let held = (try? await heldBy(pid, stream: StreamNames.events, group: StreamNames.Group.dispatcher)) ?? 0
        await victim.child.kill9()
        try await stack.launch("psync-dispatcher", environment: ["PSYNC_HTTP_PORT": try Self.port(of: victim)])
        return Injected(detail: "pid \(pid) holding \(held) events; restarted") {
            try await heldBy(pid, stream: StreamNames.events, group: StreamNames.Group.dispatcher) == 0
        }
    }

    /// Some queued accounts get 503, 502 (an HTML page), 503 in a row; meanwhile 30% of all answers are 5xx for 2 s.
    private func serverErrorBurst() async throws -> Injected {
        let accounts = try await queuedAccounts(configuration.accountsPerBurst)
        for account in accounts {
            _ = try await stack.simulator(
                "POST", "/sim/faults", #"{"token":"\#(ChaosScenario.token(account))","responses":["503","502-html","503"]}"#)
        }
        _ = try await stack.simulator("PUT", "/sim/config", #"{"transientFraction":0.3}"#)
        try await Task.sleep(for: .seconds(2))
        _ = try await stack.simulator("PUT", "/sim/config", #"{"transientFraction":0}"#)
        return Injected(
            detail: "\(accounts.count) accounts got 503, 502 html, 503; 30% of answers 5xx for 2 s",
            measured: { try await retrySpan(accounts) },
            recovered: { try await unfinished(accounts) == 0 })
    }

    /// Many queued accounts get three 429s (Retry-After: 1) in a row.
    private func rateLimitStorm() async throws -> Injected {
        let accounts = try await queuedAccounts(configuration.accountsPerBurst * 3)
        for account in accounts {
            _ = try await stack.simulator("POST", "/sim/faults", #"{"token":"\#(ChaosScenario.token(account))","responses":["429","429","429"]}"#)
        }
        return Injected(
            detail: "\(accounts.count) accounts got three 429s each",
            measured: { try await retrySpan(accounts) },
            recovered: { try await unfinished(accounts) == 0 })
    }

    /// Pending entries of `stream` held by the consumers of process `pid` (consumer names carry the pid).
    private func heldBy(_ pid: Int32, stream: String, group: String) async throws -> Int {
        try await stack.redis.pendingSummary(stream, group: group).consumers.filter { $0.key.contains("-\(pid)-") }.values.reduce(0, +)
    }

    /// The longest time a job of `accounts` took from its first failed attempt until it ended.
    private func retrySpan(_ accounts: [Int]) async throws -> Double {
        try await stack.database.query(
            """
            SELECT coalesce(max(extract(epoch FROM j.finished_at - a.first)), 0)::float8
            FROM jobs j JOIN (SELECT job_id, min(started_at) AS first FROM job_attempts WHERE outcome <> 'succeeded' GROUP BY job_id) a
                ON a.job_id = j.id
            WHERE j.run_id = \(runID) AND j.account_id = ANY(\(accounts)::bigint[])
            """
        ).scalar()
    }

    private func queuedAccounts(_ count: Int) async throws -> [Int] {
        try await stack.database.query(
            """
            SELECT account_id FROM jobs WHERE run_id = \(runID) AND status = 'queued' AND account_id <> ALL(\(doomed)::bigint[])
            ORDER BY random() LIMIT \(count)
            """
        ).map { try $0.decode(Int.self, at: 0) }
    }

    private func unfinished(_ accounts: [Int]) async throws -> Int {
        try await stack.count(
            "SELECT count(*)::int FROM jobs WHERE run_id = \(runID) AND account_id = ANY(\(accounts)::bigint[]) AND status <> ALL(\(Self.terminal)::text[])"
        )
    }

    private func terminalJobs() async -> Int {
        (try? await stack.count("SELECT count(*)::int FROM jobs WHERE run_id = \(runID) AND status = ANY(\(Self.terminal)::text[])")) ?? -1
    }

    private func runFinished() async throws -> Bool {
        try await stack.count("SELECT count(*)::int FROM runs WHERE id = \(runID) AND status = 'finished'") == 1
    }

    private static func port(of process: ServiceProcess) throws -> String {
        guard let port = URLComponents(string: process.baseURL)?.port else { throw HarnessError("no port in \(process.baseURL)") }
        return String(port)
    }
}
