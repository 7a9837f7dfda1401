public import Contracts
public import CurlClient
import Foundation
public import PostgresClient
public import RPC
public import RedisClient
import Synchronization

/// A real system on this machine for a test: its own Redis, its own database, and whichever of
/// our executables the test starts, all wired together through the environment.
public final class Stack: @unchecked Sendable {
    // @unchecked Sendable: the process table is guarded by `lock`; everything else is immutable.
    public static let adminToken = "admin-token-for-stack-tests-0001"
    public static let readToken = "read-token-for-stack-tests-00001"
    public static let masterKey = "c6b85a1d3361bb01aec56fa7546ea366eb19c3af3e2a6d354083f942bc94dceb"

    public let redisServer: RedisServer
    public let databaseURL: String
    public let redis: RedisPool
    public let database: PostgresPool
    public let http: HTTPClient
    private let lock = NSLock()
    private var processes: [String: [ServiceProcess]] = [:]
    private let baseEnvironment: [String: String]
    private let slot: StackSlot

    private init(redisServer: RedisServer, databaseURL: String, environment: [String: String], slot: StackSlot) throws {
        self.slot = slot
        self.redisServer = redisServer
        self.databaseURL = databaseURL
        redis = RedisPool(configuration: redisServer.configuration)
        database = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL))
        http = HTTPClient()
        baseEnvironment = [
            "PSYNC_REDIS_URL": redisServer.url, "PSYNC_POSTGRES_URL": databaseURL, "PSYNC_ADMIN_TOKEN": Self.adminToken,
            "PSYNC_READ_TOKEN": Self.readToken, "PSYNC_MASTER_KEY": Self.masterKey,
            "PSYNC_HEARTBEAT_INTERVAL": "500ms", "PSYNC_MONITOR_SESSION_SECRET": Self.randomSecret(),
        ].merging(environment) { _, new in new }
    }

    /// 32 random bytes as hex, for a secret each stack makes afresh (the monitor's session secret).
    public static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// A stack with psync-persistence running; `environment` reaches every process started later.
    /// At most a few stacks run at once (see `StackSlots`); this waits for a free slot.
    ///
    /// `redis` and `postgres` replace the stack's own Redis and the shared Postgres, for tests that
    /// restart them (never restart the shared one).
    public static func start(
        _ environment: [String: String] = [:],
        redis: RedisServer? = nil,
        postgres: PostgresServer? = nil
    ) async throws -> Stack {
        await StackSlots.shared.acquire()
        let slot = StackSlot()
        let redisServer: RedisServer
        if let redis { redisServer = redis } else { redisServer = try await RedisServer() }
        let postgresServer: PostgresServer
        if let postgres { postgresServer = postgres } else { postgresServer = try await TestServers.postgres() }
        let stack = try Stack(
            redisServer: redisServer, databaseURL: try await postgresServer.createDatabase("stack"), environment: environment, slot: slot)
        try await stack.launch("psync-persistence")
        return stack
    }

    /// The environment a process gets: the stack's, the URLs of what runs, then `extra`.
    public func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = baseEnvironment
        if let persistence = first("psync-persistence") { environment["PSYNC_PERSISTENCE_URL"] = persistence.baseURL }
        if let brokersim = first("psync-brokersim") {
            for broker in ["SANDBOX", "ZERODHA", "ALPACA", "UPSTOX"] { environment["PSYNC_\(broker)_BASE_URL"] = brokersim.baseURL }
            environment["PSYNC_DHAN_BASE_URL"] = brokersim.baseURL + "/dhan"
            environment["PSYNC_ALPACA_PAPER_BASE_URL"] = brokersim.baseURL + "/alpaca-paper"
        }
        if let dispatcher = first("psync-dispatcher") { environment["PSYNC_DISPATCHER_URL"] = dispatcher.baseURL }
        if let scheduler = first("psync-scheduler") { environment["PSYNC_SCHEDULER_URL"] = scheduler.baseURL }
        return environment.merging(extra) { _, new in new }
    }

    /// Starts one more instance of `product`; it connects to Redis as its own ACL user
    /// (see `RedisServer.environment(for:arguments:)`) and calls others with its own token (`ServiceTokens`).
    @discardableResult
    public func launch(_ product: String, arguments: [String] = [], environment extra: [String: String] = [:]) async throws -> ServiceProcess {
        let own = try await redisServer.environment(for: product, arguments: arguments)
            .merging(try ServiceTokens.environment(product: product, arguments: arguments)) { _, new in new }
        let process = try await ServiceProcess.start(product, arguments: arguments, environment: environment(own.merging(extra) { _, new in new }))
        lock.withLock { processes[product + arguments.joined(separator: " "), default: []].append(process) }
        return process
    }

    /// Starts a gateway for `broker`.
    @discardableResult
    public func launchGateway(_ broker: String, environment extra: [String: String] = [:]) async throws -> ServiceProcess {
        try await launch("psync-gateway", arguments: ["--broker", broker], environment: extra)
    }

    /// The running instances of `product` (with its arguments).
    public func running(_ product: String, arguments: [String] = []) -> [ServiceProcess] {
        lock.withLock { processes[product + arguments.joined(separator: " ")] ?? [] }.filter { $0.child.isRunning }
    }

    /// The first running gateway of each broker, by broker code.
    public func gateways() -> [String: ServiceProcess] {
        let keys = lock.withLock { Array(processes.keys) }.filter { $0.hasPrefix("psync-gateway--broker ") }
        var gateways: [String: ServiceProcess] = [:]
        for key in keys {
            let broker = String(key.dropFirst("psync-gateway--broker ".count))
            if let gateway = first("psync-gateway", arguments: ["--broker", broker]) { gateways[broker] = gateway }
        }
        return gateways
    }

    public func first(_ product: String, arguments: [String] = []) -> ServiceProcess? {
        running(product, arguments: arguments).first
    }

    /// A typed client for the first running `product` with `token`.
    public func client(_ product: String, arguments: [String] = [], token: String = Stack.adminToken) throws -> RPCClient<CurlTransport> {
        guard let process = first(product, arguments: arguments) else {
            throw HarnessError("\(product) \(arguments.joined(separator: " ")) is not running")
        }
        return RPCClient(baseURL: process.baseURL, token: token, client: http, timeout: .seconds(60))
    }

    /// Persistence as one of our services would call it.
    public func persistence(as service: Principal) throws -> RPCClient<CurlTransport> {
        try client("psync-persistence", token: ServiceTokens.token(service))
    }
    public var admin: RPCClient<CurlTransport> { get throws { try client("psync-persistence") } }

    public func gateway(_ broker: String) throws -> RPCClient<CurlTransport> {
        try client("psync-gateway", arguments: ["--broker", broker])
    }

    /// Stops everything (SIGTERM) and the stack's Redis.
    public func stop() async {
        let all = lock.withLock { processes.values.flatMap { $0 } }
        await withTaskGroup(of: Void.self) { group in
            for process in all { group.addTask { await process.child.stop() } }
        }
        http.shutdown()
        redis.close()
        database.close()
        await redisServer.stop()
        slot.release()
    }

    /// Every log line of every process, for failure messages.
    public func logs() -> String {
        lock.withLock { processes.values.flatMap { $0 } }.map { "== \($0.child.name)\n\($0.child.output().suffix(3000))" }.joined(separator: "\n")
    }

    public func count(_ sql: SQL) async throws -> Int {
        try await database.query(sql).scalar()
    }
}
