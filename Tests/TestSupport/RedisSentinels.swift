import Foundation
public import RedisClient

/// Redis Sentinels (Debian's `redis-server` in sentinel mode) on loopback, watching one primary: when it stops answering
/// for `downAfter`, a quorum of them promotes a replica, and clients that ask them find the new primary.
public final class RedisSentinels: @unchecked Sendable {
    // @unchecked Sendable: `children` is filled in init and emptied by stop(), which tests call once at the end.
    /// The name the sentinels know the primary by.
    public let name = "psync"
    /// Their ports.
    public let ports: [Int]
    private var children: [ChildProcess] = []

    /// Starts `count` sentinels (quorum: a majority) watching `primary`, and waits until each knows its replicas.
    public init(watching primary: RedisServer, replicas: Int, count: Int = 3, downAfter: Duration = .seconds(1)) async throws {
        let executable = try locateExecutable("redis-server", install: "apt-get install -y redis-server")
        let password = try String(contentsOfFile: primary.passwordFile(user: RedisServer.adminUser), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var ports: [Int] = []
        for index in 0..<count {
            let port = try freePort()
            let directory = try TemporaryDirectory.make(prefix: "psync-sentinel-\(index)")
            let config = """
                port \(port)
                bind 127.0.0.1
                daemonize no
                dir \(directory)
                sentinel monitor \(name) 127.0.0.1 \(primary.port) \(count / 2 + 1)
                sentinel down-after-milliseconds \(name) \(Int(downAfter.components.seconds) * 1000 + Int(downAfter.components.attoseconds / 1_000_000_000_000_000))
                sentinel failover-timeout \(name) 10000
                sentinel parallel-syncs \(name) 1
                sentinel auth-user \(name) \(RedisServer.adminUser)
                sentinel auth-pass \(name) \(password)

                """
            // The sentinel rewrites its file as it learns (replicas, other sentinels, the current epoch).
            FileManager.default.createFile(atPath: directory + "/sentinel.conf", contents: Data(config.utf8), attributes: [.posixPermissions: 0o600])
            children.append(
                try ChildProcess(
                    executable: executable, arguments: [directory + "/sentinel.conf", "--sentinel"], logPath: directory + "/sentinel.log"))
            ports.append(port)
        }
        self.ports = ports
        for port in ports {
            let probe = RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: port), name: "sentinel-probe")
            try await eventually(timeout: .seconds(30), "sentinel \(port) to see \(replicas) replica(s) and the other sentinels") {
                guard case .array(let known) = try await probe.send(["SENTINEL", "replicas", .init(self.name)]), known.count >= replicas,
                    case .array(let others) = try await probe.send(["SENTINEL", "sentinels", .init(self.name)]), others.count >= count - 1
                else { return false }
                return true
            }
            await probe.disconnect()
        }
    }

    /// The `redis-sentinel://` URL of these sentinels, with `credentials` (`user:password@` or empty) for the data nodes.
    public func url(credentials: String) -> String {
        "redis-sentinel://\(credentials)" + ports.map { "127.0.0.1:\($0)" }.joined(separator: ",") + "/\(name)/0"
    }

    /// The primary's port as the first sentinel that answers names it.
    public func primaryPort() async throws -> Int {
        for port in ports {
            let probe = RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: port), name: "sentinel-probe")
            defer { Task { await probe.disconnect() } }
            if case .array(let parts) = try? await probe.send(["SENTINEL", "get-master-addr-by-name", .init(name)]), parts.count == 2,
                let text = parts[1].string, let primary = Int(text)
            {
                return primary
            }
        }
        throw HarnessError("no sentinel names a primary")
    }

    /// Tells every sentinel to call the primary down after `downAfter` without an answer (`SENTINEL SET … down-after-milliseconds`).
    public func setDownAfter(_ downAfter: Duration) async throws {
        let milliseconds = Int(downAfter.components.seconds) * 1000 + Int(downAfter.components.attoseconds / 1_000_000_000_000_000)
        for port in ports {
            let probe = RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: port), name: "sentinel-probe")
            defer { Task { await probe.disconnect() } }
            _ = try await probe.send(["SENTINEL", "SET", .init(name), "down-after-milliseconds", .init(String(milliseconds))])
        }
    }

    /// Stops every sentinel.
    public func stop() async {
        for child in children { await child.stop() }
        children = []
    }
}
