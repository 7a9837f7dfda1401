import Foundation

/// The Redis and Postgres every test in this process shares, started on first use.
///
/// Tests isolate themselves with their own keys and their own database (`createDatabase()`);
/// tests that restart a server start a private one instead.
public actor TestServers {
    private static let instance = TestServers()
    private var started: (RedisServer, PostgresServer)?
    private var starting: Task<(RedisServer, PostgresServer), any Error>?

    /// The shared Redis.
    public static func redis() async throws -> RedisServer {
        try await instance.servers().0
    }

    /// The shared Postgres.
    public static func postgres() async throws -> PostgresServer {
        try await instance.servers().1
    }

    private func servers() async throws -> (RedisServer, PostgresServer) {
        if let started { return started }
        if let starting { return try await starting.value }
        let task = Task {
            async let redis = RedisServer()
            async let postgres = PostgresServer()
            return try await (redis, postgres)
        }
        starting = task
        do {
            let servers = try await task.value
            started = servers
            return servers
        } catch {
            starting = nil
            throw error
        }
    }
}

/// Where the package's built executables are: next to the test bundle.
public enum BuiltProducts {
    /// The build folder (`.build/…/debug`) holding the executables.
    public static var directory: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (executable as NSString).deletingLastPathComponent
    }

    /// The path of executable `name`, e.g. `psync-persistence`; throws if it was not built.
    public static func path(_ name: String) throws -> String {
        let path = directory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError("\(name) is not built in \(directory); run `swift build` first")
        }
        return path
    }
}
