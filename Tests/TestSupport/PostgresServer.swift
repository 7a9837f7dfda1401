import Foundation
import PostgresClient

/// A real PostgreSQL server (`initdb` + `postgres`) on a free loopback port in a temporary folder.
///
/// When the tests run as root it runs as the `postgres` user, since initdb refuses root.
public final class PostgresServer: @unchecked Sendable {
    // @unchecked Sendable: `child` is replaced only by restart(), which tests call from one task.
    /// The port it listens on.
    public private(set) var port: Int
    /// Data, socket and log folder.
    public let directory: String
    private let binDirectory: String
    private var child: ChildProcess?
    /// Settings beyond the defaults (a primary with a synchronous standby).
    private let settings: [String]
    /// A standby that takes over: URLs then name both servers, and libpq picks the one that accepts writes.
    private var standby: PostgresServer?

    /// Initialises a cluster (trust auth, fsync off) and starts it. `synchronousStandby`: commits wait until a standby
    /// has the WAL (`synchronous_standby_names = '*'`, `synchronous_commit = on`), as a primary whose acknowledged
    /// writes must survive a failover is run.
    public init(synchronousStandby: Bool = false) async throws {
        settings = synchronousStandby ? ["-c", "synchronous_standby_names=*", "-c", "synchronous_commit=on"] : ["-c", "synchronous_commit=off"]
        binDirectory = try Self.findBinDirectory()
        port = try freePort()
        directory = try TemporaryDirectory.make(prefix: "psync-postgres")
        try FileManager.default.createDirectory(atPath: directory + "/socket", withIntermediateDirectories: true)
        if getuid() == 0 { try await Self.run("/bin/chown", ["-R", "postgres:postgres", directory]) }
        try await Self.run(
            binDirectory + "/initdb", ["-D", directory + "/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], asPostgres: true)
        try await startOnFreePort()
    }

    /// A streaming standby of `primary` (`pg_basebackup -R`), started and replicating.
    public init(standbyOf primary: PostgresServer) async throws {
        settings = ["-c", "synchronous_commit=off"]
        binDirectory = primary.binDirectory
        port = try freePort()
        directory = try TemporaryDirectory.make(prefix: "psync-postgres-standby")
        try FileManager.default.createDirectory(atPath: directory + "/socket", withIntermediateDirectories: true)
        if getuid() == 0 { try await Self.run("/bin/chown", ["-R", "postgres:postgres", directory]) }
        try await Self.run(
            binDirectory + "/pg_basebackup",
            ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", directory + "/data", "-R", "-X", "stream", "--no-sync"],
            asPostgres: true)
        try await startOnFreePort()
    }

    /// From now on URLs name this server and `standby` (`target_session_attrs=read-write`): libpq connects to whichever
    /// accepts writes, so the standby's promotion needs no change of settings.
    public func useFailover(to standby: PostgresServer) {
        self.standby = standby
    }

    /// Makes this standby a primary (`pg_promote()`, waiting for it to finish).
    public func promote() async throws {
        let connection = PostgresConnection(configuration: try PostgresConfiguration(url: url()), name: "postgres-promote")
        _ = try await connection.query("SELECT pg_promote(true, 60)")
    }

    /// Stops the server at once (SIGQUIT: immediate shutdown, no checkpoint, as a crash leaves it).
    public func crash() async {
        child?.signal(SIGQUIT)
        _ = await child?.waitForExit(timeout: .seconds(20))
        await child?.stop()
        child = nil
    }

    /// The URL for database `database` as the superuser (both servers, when a standby takes over).
    public func url(database: String = "postgres") -> String {
        guard let standby else { return "postgres://postgres@127.0.0.1:\(port)/\(database)" }
        return "postgres://postgres@127.0.0.1:\(port),127.0.0.1:\(standby.port)/\(database)?target_session_attrs=read-write"
    }

    /// Starts the postmaster and waits until it accepts queries.
    public func start() async throws {
        let arguments =
            [
                "-D", directory + "/data", "-p", String(port), "-k", directory + "/socket", "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=128MB",
            ] + settings
        let (executable, fullArguments) = Self.command(binDirectory + "/postgres", arguments, asPostgres: true)
        child = try ChildProcess(executable: executable, arguments: fullArguments, logPath: directory + "/postgres.log")
        let probe = PostgresConnection(configuration: try PostgresConfiguration(url: url(), connectTimeout: .seconds(2)), name: "postgres-probe")
        try await eventually(timeout: .seconds(30), "postgres on port \(port) to accept queries") {
            guard self.child?.isRunning == true else {
                throw HarnessError("postgres exited: \(self.child?.output().suffix(800) ?? "")")
            }
            return (try? await probe.query("SELECT 1")) != nil
        }
    }

    /// Stops the server (SIGINT: fast shutdown, as `pg_ctl stop -m fast`).
    public func stop() async {
        child?.signal(SIGINT)
        _ = await child?.waitForExit(timeout: .seconds(20))
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

    /// Stops and starts it again on the same port and data.
    public func restart() async throws {
        await stop()
        try await start()
    }

    /// Creates an empty database and returns its URL.
    public func createDatabase(_ prefix: String = "test") async throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        let admin = PostgresConnection(configuration: try PostgresConfiguration(url: url()), name: "postgres-admin")
        try await admin.execute("CREATE DATABASE \(identifier: name)")
        return url(database: name)
    }

    private static func findBinDirectory() throws -> String {
        let candidates = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            .map { "/usr/lib/postgresql/\($0)/bin" }
        for directory in candidates where FileManager.default.isExecutableFile(atPath: directory + "/initdb") {
            return directory
        }
        let initdb = try locateExecutable("initdb", install: "apt-get install -y postgresql")
        return (initdb as NSString).deletingLastPathComponent
    }

    /// `command` as the postgres user when we are root (setpriv execs directly, so signals reach postgres itself).
    private static func command(_ executable: String, _ arguments: [String], asPostgres: Bool) -> (String, [String]) {
        guard asPostgres, getuid() == 0 else { return (executable, arguments) }
        return ("/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", executable] + arguments)
    }

    private static func run(_ executable: String, _ arguments: [String], asPostgres: Bool = false) async throws {
        let (path, fullArguments) = command(executable, arguments, asPostgres: asPostgres)
        let log = try TemporaryDirectory.make(prefix: "psync-command") + "/output.log"
        let child = try ChildProcess(executable: path, arguments: fullArguments, logPath: log)
        guard await child.waitForExit(timeout: .seconds(120)), child.exitStatus == 0 else {
            await child.kill9()
            throw HarnessError("\((executable as NSString).lastPathComponent) failed: \(child.output().suffix(600))")
        }
    }
}
