import RedisClient
import TestSupport
import Testing

/// The ACL users of compose/redis/users.acl, on a real server: who may do what.
@Suite("Redis ACL users")
struct RedisACLTests {
    /// One command as one user, and whether Redis must allow it.
    struct Case: CustomTestStringConvertible, Sendable {
        let user: String
        let command: [String]
        let allowed: Bool
        let why: String
        var testDescription: String { "\(user) \(allowed ? "may" : "may not") \(why)" }
    }

    static let gateway = "psync-gateway-zerodha"

    static let cases: [Case] = [
        // What each service does for its work (the positive controls: a test that refuses everything fails here).
        .init(user: gateway, command: ["XADD", "psync:results", "*", "type", "result"], allowed: true, why: "append a result"),
        .init(user: gateway, command: ["XADD", "psync:dead", "*", "type", "job"], allowed: true, why: "dead-letter a job"),
        .init(user: gateway, command: ["ZADD", "psync:{broker:ZERODHA}:delayed", "1", "job"], allowed: true, why: "delay its own job"),
        .init(user: gateway, command: ["EXISTS", "psync:{broker:ZERODHA}:paused"], allowed: true, why: "see its queue paused"),
        .init(user: gateway, command: ["SET", "psync:{workers}:psync-gateway-zerodha-h-1-a", "{}", "PX", "1000"], allowed: true, why: "beat"),
        .init(user: "psync-monitor", command: ["SET", "psync:{monitor}:session:s", "{}", "PX", "1000"], allowed: true, why: "keep sessions"),
        .init(user: "psync-monitor", command: ["XADD", "psync:{broker:ZERODHA}:jobs", "*", "type", "job"], allowed: true, why: "requeue a dead job"),
        .init(user: "psync-monitor", command: ["SET", "psync:{broker:ZERODHA}:paused", "{}"], allowed: true, why: "pause a queue"),
        .init(user: "psync-monitor", command: ["XDEL", "psync:{broker:ZERODHA}:jobs", "1-0"], allowed: true, why: "unqueue a cancelled run's job"),
        .init(user: "psync-monitor", command: ["XLEN", "psync:results"], allowed: true, why: "read stream lengths"),
        .init(user: "psync-scheduler", command: ["XADD", "psync:dispatch", "*", "type", "fire"], allowed: true, why: "send a fire"),
        .init(user: "psync-dispatcher", command: ["XADD", "psync:{broker:SANDBOX}:jobs", "*", "type", "job"], allowed: true, why: "fan out jobs"),
        .init(user: "psync-persistence", command: ["XADD", "psync:events", "*", "type", "event"], allowed: true, why: "publish events"),
        // Another service's keys: the attacks of issue 15.
        .init(user: gateway, command: ["SET", "psync:{monitor}:session:forged", "{\"scope\":\"admin\"}"], allowed: false, why: "forge a session"),
        .init(user: gateway, command: ["SET", "psync:{workers}:psync-monitor-h-1-a", "{}"], allowed: false, why: "forge a monitor heartbeat"),
        .init(
            user: gateway, command: ["XADD", "psync:{broker:SANDBOX}:jobs", "*", "type", "job"], allowed: false, why: "queue another broker's job"),
        .init(user: gateway, command: ["GET", "psync:{broker:SANDBOX}:rate:k:0"], allowed: false, why: "read another broker's limits"),
        .init(user: gateway, command: ["DEL", "psync:{broker:ZERODHA}:paused"], allowed: false, why: "unpause its own queue"),
        .init(user: gateway, command: ["XRANGE", "psync:results", "-", "+"], allowed: false, why: "read other accounts' results"),
        .init(user: gateway, command: ["XADD", "psync:dispatch", "*", "type", "fire"], allowed: false, why: "start runs"),
        .init(user: "psync-monitor", command: ["XADD", "psync:results", "*", "type", "result"], allowed: false, why: "write holdings"),
        .init(user: "psync-monitor", command: ["SET", "psync:{workers}:psync-gateway-zerodha-h-1-a", "{}"], allowed: false, why: "forge a gateway"),
        .init(user: "psync-monitor", command: ["SET", "psync:results", "x"], allowed: false, why: "overwrite a stream"),
        .init(user: "psync-scheduler", command: ["XADD", "psync:results", "*", "type", "result"], allowed: false, why: "write holdings"),
        .init(user: "psync-dispatcher", command: ["XADD", "psync:results", "*", "type", "result"], allowed: false, why: "write holdings"),
        .init(user: "psync-persistence", command: ["XADD", "psync:dispatch", "*", "type", "fire"], allowed: false, why: "start runs"),
        .init(user: "psync-persistence", command: ["SET", "psync:{monitor}:session:forged", "{}"], allowed: false, why: "forge a session"),
        // Commands no service sends.
        .init(user: "psync-monitor", command: ["FLUSHALL"], allowed: false, why: "flush everything"),
        .init(user: gateway, command: ["CONFIG", "SET", "dir", "/tmp"], allowed: false, why: "change the configuration"),
        .init(user: "psync-dispatcher", command: ["KEYS", "*"], allowed: false, why: "list every key"),
        .init(user: "psync-persistence", command: ["ACL", "SETUSER", "x", "on", "nopass", "+@all", "~*"], allowed: false, why: "make a user"),
        .init(user: "psync-scheduler", command: ["EVAL", "return 1", "0"], allowed: false, why: "run unloaded Lua"),
        .init(user: "psync-monitor", command: ["SCRIPT", "FLUSH"], allowed: false, why: "drop the scripts"),
    ]

    @Test("each service user may send only its own commands on its own keys", arguments: cases)
    func permissions(_ check: Case) async throws {
        let server = try await TestServers.redis()
        try await server.addGateway(broker: "ZERODHA")
        let connection = RedisConnection(configuration: try server.configuration(user: check.user), name: "acl-case")
        defer { Task { await connection.disconnect() } }
        do {
            _ = try await connection.send(check.command.map { RedisArgument($0) })
            #expect(check.allowed, "Redis allowed \(check.user) to \(check.why)")
        } catch let error as RedisError {
            #expect(!check.allowed, "Redis refused \(check.user) to \(check.why): \(error)")
            #expect(error.serverErrorPrefix == "NOPERM", "\(error)")
        }
    }

    @Test("a script runs with its caller's rights: a gateway's Lua cannot write a monitor session")
    func scriptsKeepTheCallersRights() async throws {
        let server = try await TestServers.redis()
        try await server.addGateway(broker: "ZERODHA")
        let gateway = RedisConnection(configuration: try server.configuration(user: Self.gateway), name: "acl-script")
        defer { Task { await gateway.disconnect() } }
        // Declares a key the gateway owns, then writes one it does not.
        let forge = RedisScript("redis.call('SET', 'psync:{monitor}:session:forged', ARGV[1]) return 1")
        await #expect(throws: RedisError.self) {
            try await gateway.evaluate(forge, keys: ["psync:{broker:ZERODHA}:rate:k:0"], arguments: ["{\"scope\":\"admin\"}"])
        }
        let admin = RedisConnection(configuration: server.configuration, name: "acl-admin")
        #expect(try await admin.exists("psync:{monitor}:session:forged") == false)
        let allowed = RedisScript("return redis.call('SET', KEYS[1], ARGV[1])")
        #expect(try await gateway.evaluate(allowed, keys: ["psync:{broker:ZERODHA}:rate:k:0"], arguments: ["1"]) == .status("OK"))
        await admin.disconnect()
    }

    @Test("a client that does not authenticate, or authenticates wrongly, is refused")
    func unauthenticatedIsRefused() async throws {
        let server = try await TestServers.redis()
        let anonymous = RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: server.port), name: "acl-anonymous")
        for command: [RedisArgument] in [["PING"], ["GET", "psync:{monitor}:session:x"], ["XADD", "psync:results", "*", "a", "b"]] {
            do {
                _ = try await anonymous.send(command)
                Issue.record("an unauthenticated \(command.first!) was allowed")
            } catch let error as RedisError {
                #expect(error.serverErrorPrefix == "NOAUTH", "\(error)")
            }
        }
        await anonymous.disconnect()
        let wrongPassword = RedisConnection(
            configuration: RedisConfiguration(host: "127.0.0.1", port: server.port, password: "not-the-password", user: "psync-monitor"),
            name: "acl-wrong")
        let defaultUser = RedisConnection(
            configuration: RedisConfiguration(host: "127.0.0.1", port: server.port, password: "anything"), name: "acl-default")
        for connection in [wrongPassword, defaultUser] {
            do {
                _ = try await connection.ping()
                Issue.record("a wrong password was accepted")
            } catch let error as RedisError {
                #expect(error.isConnectionError)
                #expect(error.description.contains("authentication"))
                #expect(!error.description.contains("not-the-password") && !error.description.contains("anything"))
            }
        }
    }

    @Test("every reconnection authenticates again: after a restart the service user still works")
    func reconnectAuthenticates() async throws {
        let server = try await RedisServer(appendOnly: true)
        defer { Task { await server.stop() } }
        let redis = RedisPool(configuration: try server.configuration(user: "psync-monitor"), size: 2)
        try await redis.set("psync:{monitor}:session:before", "1")
        try await server.restart()
        try await eventually(timeout: .seconds(10), "the monitor user to reconnect") {
            (try? await redis.getString("psync:{monitor}:session:before")) == "1"
        }
        try await redis.set("psync:{monitor}:session:after", "2")
        #expect(try await redis.getString("psync:{monitor}:session:after") == "2")
        redis.close()
    }
}
