import Foundation
public import RedisClient
import Synchronization

/// A real `redis-server` on a free loopback port in a temporary folder, with the system's ACL users.
///
/// The users come from `compose/redis/users.acl` through `compose/redis/acl.sh`, as under `make up`
/// and compose: the default user is off, every service has its own user and password file, and a
/// gateway user is added for each broker a test starts a gateway of.
public final class RedisServer: @unchecked Sendable {
    // @unchecked Sendable: `child` is replaced only by restart(), which tests call from one task; `brokers` is a Mutex.
    /// The operator user, allowed everything: what tests use to look into Redis and to plant data.
    public static let adminUser = "psync-admin"
    /// The port it listens on.
    public private(set) var port: Int
    /// Its data and log folder.
    public let directory: String
    /// The users' password files (one per user, mode 0600) and the rendered ACL file.
    public let secrets: String
    private let executable: String
    private let appendOnly: Bool
    /// `--replicaof …` and its credentials for a replica; empty for a primary.
    private let replication: [String]
    /// Sentinels that watch this server as a primary: clients then find it through them (`useSentinels`).
    private var sentinels: RedisSentinels?
    private var child: ChildProcess?
    /// Gateway users asked for, and the renders that make them, one after another (acl.sh is not run twice at once).
    private let gateways = Mutex<(brokers: [String], tasks: [String: Task<Void, any Error>], last: Task<Void, any Error>?)>(([], [:], nil))

    /// Starts a server; `appendOnly` turns on AOF (fsync every second) so restarts keep data.
    public init(appendOnly: Bool = false) async throws {
        executable = try locateExecutable("redis-server", install: "apt-get install -y redis-server")
        port = try freePort()
        directory = try TemporaryDirectory.make(prefix: "psync-redis")
        secrets = directory + "/acl"
        self.appendOnly = appendOnly
        replication = []
        try await Self.render(secrets, brokers: [])
        try await startOnFreePort()
    }

    /// A replica of `primary`, with its users (the same ACL file; the gateway users it has now), replicating as the
    /// operator user. Waits until the first synchronisation is done.
    public init(replicaOf primary: RedisServer) async throws {
        executable = primary.executable
        port = try freePort()
        directory = try TemporaryDirectory.make(prefix: "psync-redis-replica")
        secrets = primary.secrets
        appendOnly = false
        let password = try Self.password(in: primary.secrets, user: Self.adminUser)
        replication = ["--replicaof", "127.0.0.1", String(primary.port), "--masteruser", Self.adminUser, "--masterauth", password]
        try await startOnFreePort()
        let probe = RedisConnection(configuration: configuration, name: "redis-probe")
        defer { Task { await probe.disconnect() } }
        try await eventually(timeout: .seconds(20), "the replica on port \(port) to finish its first sync") {
            (try await probe.send(["INFO", "replication"]).string ?? "").contains("master_link_status:up")
        }
    }

    /// From now on, clients (the test's and every process a stack starts) find the primary through `sentinels`.
    public func useSentinels(_ sentinels: RedisSentinels) {
        self.sentinels = sentinels
    }

    /// `redis://127.0.0.1:PORT/0` (or the sentinels' `redis-sentinel://…/NAME/0`), with no credentials: a service adds
    /// its own (see `environment(for:arguments:)`).
    public var address: String { sentinels.map { $0.url(credentials: "") } ?? "redis://127.0.0.1:\(port)/0" }

    /// The address as the operator user, for tests that start a process outside a `Stack`.
    public var url: String {
        let password = (try? Self.password(in: secrets, user: Self.adminUser)) ?? ""
        return sentinels.map { $0.url(credentials: "\(Self.adminUser):\(password)@") }
            ?? "redis://\(Self.adminUser):\(password)@127.0.0.1:\(port)/0"
    }

    /// Client settings for this server as the operator user.
    public var configuration: RedisConfiguration {
        (try? configuration(user: Self.adminUser)) ?? RedisConfiguration(host: "127.0.0.1", port: port)
    }

    /// Client settings as `user`, with its password.
    public func configuration(user: String) throws -> RedisConfiguration {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port, password: try Self.password(in: secrets, user: user), user: user)
        if let sentinels {
            configuration = try RedisConfiguration(url: sentinels.url(credentials: ""))
            configuration.user = user
            configuration.password = try Self.password(in: secrets, user: user)
        }
        return configuration
    }

    /// The file holding `user`'s password.
    public func passwordFile(user: String) -> String { secrets + "/" + user }

    /// The Redis user of a product: `psync-gateway --broker ZERODHA` runs as `psync-gateway-zerodha`; nil for
    /// products that do not talk to Redis.
    public static func user(for product: String, arguments: [String] = []) -> String? {
        switch product {
        case "psync-scheduler", "psync-dispatcher", "psync-persistence", "psync-monitor": return product
        case "psync-gateway":
            guard let index = arguments.firstIndex(of: "--broker"), index + 1 < arguments.count else { return nil }
            return "psync-gateway-" + arguments[index + 1].lowercased()
        default: return nil
        }
    }

    /// The Redis settings a product gets: the address, its own user and its password file (never the password).
    /// A gateway's user is created first if this server has none for its broker yet.
    public func environment(for product: String, arguments: [String] = []) async throws -> [String: String] {
        guard let user = Self.user(for: product, arguments: arguments) else { return ["PSYNC_REDIS_URL": address] }
        if product == "psync-gateway", let index = arguments.firstIndex(of: "--broker") {
            try await addGateway(broker: arguments[index + 1].uppercased())
        }
        return ["PSYNC_REDIS_URL": address, "PSYNC_REDIS_USER": user, "PSYNC_REDIS_PASSWORD_FILE": passwordFile(user: user)]
    }

    /// Creates the gateway user of `broker` from the same template, in the ACL file (for restarts) and in the running server.
    public func addGateway(broker: String) async throws {
        let task = gateways.withLock { state -> Task<Void, any Error> in
            if let task = state.tasks[broker] { return task }
            state.brokers.append(broker)
            let (all, previous) = (state.brokers, state.last)
            let task = Task {
                _ = try? await previous?.value
                try await self.install(broker: broker, all: all)
            }
            state.tasks[broker] = task
            state.last = task
            return task
        }
        try await task.value
    }

    private func install(broker: String, all: [String]) async throws {
        try await Self.render(secrets, brokers: all)
        let user = "psync-gateway-" + broker.lowercased()
        let rendered = try String(contentsOfFile: secrets + "/users.acl", encoding: .utf8)
        guard let line = rendered.split(separator: "\n").first(where: { $0.hasPrefix("user \(user) ") }) else {
            throw HarnessError("acl.sh rendered no user \(user)")
        }
        let admin = RedisConnection(configuration: configuration, name: "redis-acl")
        _ = try await admin.send(["ACL", "SETUSER"] + Self.ruleArguments(line.dropFirst("user ".count)).map { RedisArgument($0) })
        await admin.disconnect()
    }

    /// Starts the process and waits until it answers PING (as the operator user).
    public func start() async throws {
        let arguments =
            [
                "--port", String(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", appendOnly ? "yes" : "no",
                "--daemonize", "no", "--aclfile", secrets + "/users.acl",
            ] + replication
        child = try ChildProcess(executable: executable, arguments: arguments, logPath: directory + "/redis.log")
        let probe = RedisConnection(configuration: configuration, name: "redis-probe")
        try await eventually(timeout: .seconds(15), "redis-server on port \(port) to answer PING") {
            guard self.child?.isRunning == true else {
                throw HarnessError("redis-server exited: \(self.child?.output().suffix(500) ?? "")")
            }
            return (try? await probe.ping()) == true
        }
    }

    /// Kills the process (SIGKILL: a crashed host, nothing flushed or handed over).
    public func kill() async {
        await child?.kill9()
        child = nil
    }

    /// Stops the process (SIGTERM, as an operator would).
    public func stop() async {
        await child?.stop()
        child = nil
    }

    /// Starts on `port`, or on another free one when someone took it first: a port found free can be taken before the
    /// server binds it (another test's server, an outgoing connection's ephemeral port).
    private func startOnFreePort() async throws {
        for attempt in 1...5 {
            do {
                return try await start()
            } catch  where attempt < 5 && child?.output().contains("already in use") == true {
                await child?.stop()
                port = try freePort()
            }
        }
    }

    /// Stops and starts it again on the same port and folder.
    public func restart() async throws {
        await stop()
        try await start()
    }

    /// Runs compose/redis/acl.sh: password files made once, users.acl written again.
    private static func render(_ secrets: String, brokers: [String]) async throws {
        let script = repositoryRoot + "/compose/redis/acl.sh"
        let log = secrets + ".log"
        let renderer = try ChildProcess(executable: "/bin/sh", arguments: [script, secrets] + brokers, logPath: log)
        guard await renderer.waitForExit(timeout: .seconds(30)), renderer.exitStatus == 0 else {
            throw HarnessError("acl.sh failed: \(renderer.output().suffix(500))")
        }
    }

    private static func password(in secrets: String, user: String) throws -> String {
        var text = try String(contentsOfFile: secrets + "/" + user, encoding: .utf8)
        while text.last == "\n" { text.removeLast() }
        return text
    }

    /// A user's rules as ACL SETUSER arguments: one per word, a `(selector)` as one argument.
    static func ruleArguments(_ line: Substring) -> [String] {
        var arguments: [String] = []
        var current = ""
        var depth = 0
        for character in line {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == " " && depth == 0 {
                if !current.isEmpty { arguments.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { arguments.append(current) }
        return arguments
    }

    /// The repository's root folder, found from this file's path.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}

/// Temporary folders the postgres user can traverse (initdb refuses root; `mktemp -d` makes 0700 folders).
public enum TemporaryDirectory {
    /// A new folder under the system temporary folder, mode 0755.
    public static func make(prefix: String) throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let path = "\(base)/\(prefix)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return path
    }
}
