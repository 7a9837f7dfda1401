import Foundation
public import RedisClient

/// A real `redis-server` on a free loopback port in a temporary folder.
public final class RedisServer: @unchecked Sendable {
    // @unchecked Sendable: `child` is replaced only by restart(), which tests call from one task.
    /// The port it listens on.
    public let port: Int
    /// Its data and log folder.
    public let directory: String
    private let executable: String
    private let appendOnly: Bool
    private var child: ChildProcess?

    /// Starts a server; `appendOnly` turns on AOF (fsync every second) so restarts keep data.
    public init(appendOnly: Bool = false) async throws {
        executable = try locateExecutable("redis-server", install: "apt-get install -y redis-server")
        port = try freePort()
        directory = try TemporaryDirectory.make(prefix: "psync-redis")
        self.appendOnly = appendOnly
        try await start()
    }

    /// `redis://127.0.0.1:PORT/0`.
    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Client settings for this server.
    public var configuration: RedisConfiguration { RedisConfiguration(host: "127.0.0.1", port: port) }

    /// Starts the process and waits until it answers PING.
    public func start() async throws {
        let arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", appendOnly ? "yes" : "no",
            "--daemonize", "no", "--protected-mode", "no",
        ]
        child = try ChildProcess(executable: executable, arguments: arguments, logPath: directory + "/redis.log")
        let probe = RedisConnection(configuration: configuration, name: "redis-probe")
        try await eventually(timeout: .seconds(15), "redis-server on port \(port) to answer PING") {
            guard self.child?.isRunning == true else {
                throw HarnessError("redis-server exited: \(self.child?.output().suffix(500) ?? "")")
            }
            return (try? await probe.ping()) == true
        }
    }

    /// Stops the process (SIGTERM, as an operator would).
    public func stop() async {
        await child?.stop()
        child = nil
    }

    /// Stops and starts it again on the same port and folder.
    public func restart() async throws {
        await stop()
        try await start()
    }
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
