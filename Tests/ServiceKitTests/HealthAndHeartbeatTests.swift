import Contracts
import Cryptography
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RedisClient
import ServiceKit
import ServiceLifecycle
import TestSupport
import Testing

@Suite("Health routes, metrics and heartbeats")
struct HealthAndHeartbeatTests {
    @Test("/healthz needs no token; /readyz reports each dependency; /metrics needs a token")
    func healthRoutes() async throws {
        let redis = RedisPool(configuration: try await TestServers.redis().configuration)
        let app = makeTestService(readiness: [.redis(redis)])
        try await app.makeApplication().test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(try JSONCoding.decode(HealthReport.self, from: Array(health.body.readableBytesView)).service == "psync-test")
            let ready = try await client.execute(uri: "/readyz", method: .get, headers: [.authorization: "Bearer \(Tokens.read)"])
            #expect(ready.status == .ok)
            #expect(try JSONCoding.decode(HealthReport.self, from: Array(ready.body.readableBytesView)).checks == ["redis": "ok"])
            let anonymous = try await client.execute(uri: "/readyz", method: .get)
            #expect(anonymous.status == .ok)
            #expect(try JSONCoding.decode(HealthReport.self, from: Array(anonymous.body.readableBytesView)).checks == [:])
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Tokens.read)"])
            #expect(metrics.status == .ok)
            #expect(String(buffer: metrics.body).contains("process_resident_memory_bytes"))
        }
    }

    @Test("/readyz is 503 when Redis is unreachable: the reason only with a token, never without")
    func notReady() async throws {
        let dead = RedisPool(configuration: RedisConfiguration(host: "127.0.0.1", port: try freePort()))
        try await makeTestService(readiness: [.redis(dead)]).makeApplication().test(.router) { client in
            let ready = try await client.execute(uri: "/readyz", method: .get, headers: [.authorization: "Bearer \(Tokens.read)"])
            #expect(ready.status == .serviceUnavailable)
            let report = try JSONCoding.decode(HealthReport.self, from: Array(ready.body.readableBytesView))
            #expect(report.status == "unavailable")
            #expect(report.checks["redis"]?.contains("redis connection failed") == true)
            let anonymous = try await client.execute(uri: "/readyz", method: .get)
            #expect(anonymous.status == .serviceUnavailable)
            let text = String(buffer: anonymous.body)
            #expect(try JSONCoding.decode(HealthReport.self, from: Array(anonymous.body.readableBytesView)).status == "unavailable")
            #expect(!text.contains("redis connection failed") && !text.contains("127.0.0.1"), "\(text)")
        }
    }

    @Test("a heartbeat is published with a TTL and withdrawn on graceful shutdown")
    func heartbeat() async throws {
        let redis = RedisPool(configuration: try await TestServers.redis().configuration)
        let identity = ServiceIdentity(service: "psync-test", broker: "SANDBOX")
        let stats = WorkerStats()
        stats.rpcAddress = "http://127.0.0.1:9999"
        stats.started()
        stats.finished(succeeded: true)
        stats.started()
        // The key lives five intervals; a second's interval gives a loaded machine room between the reads.
        let beat = Heartbeat(redis: redis, identity: identity, stats: stats, interval: .seconds(1), logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [beat], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let key = RedisKeys.worker(identity.instanceID)
            try await eventually("the heartbeat key to appear") { try await redis.exists(key) }
            let stored = try JSONCoding.decode(WorkerHeartbeat.self, from: try #require(try await redis.get(key)))
            #expect(stored.service == "psync-test" && stored.broker == "SANDBOX" && stored.pid == getpid())
            #expect(stored.inFlight == 1 && stored.processed == 1 && stored.failed == 0)
            #expect(stored.rpcAddress == "http://127.0.0.1:9999")
            let ttl = try await redis.send(["PTTL", .init(key)]).int ?? -1
            #expect(ttl > 0 && ttl <= 5000, "PTTL \(ttl)")
            #expect(try await redis.zscore(RedisKeys.workerIndex, .init(identity.instanceID)) != nil)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            #expect(try await redis.exists(key) == false)
            #expect(try await redis.zscore(RedisKeys.workerIndex, .init(identity.instanceID)) == nil)
        }
    }
}

@Suite("Configuration from the environment")
struct ConfigurationTests {
    @Test("settings come from PSYNC_* variables, secrets also from *_FILE")
    func environment() throws {
        let directory = try TemporaryDirectory.make(prefix: "psync-config")
        try "file-admin-token-0123456789\n".write(toFile: directory + "/admin", atomically: true, encoding: .utf8)
        let reader = EnvironmentReader([
            "PSYNC_HTTP_HOST": "0.0.0.0", "PSYNC_HTTP_PORT": "7200", "PSYNC_REDIS_URL": "redis://r:6379/1",
            "PSYNC_ADMIN_TOKEN_FILE": directory + "/admin", "PSYNC_READ_TOKEN": "read-token-0123456789",
            "PSYNC_LOG_FORMAT": "json", "PSYNC_LOG_LEVEL": "debug",
        ])
        let configuration = try ServiceConfiguration(defaultPort: 7103, environment: reader)
        #expect(configuration.httpHost == "0.0.0.0" && configuration.httpPort == 7200)
        #expect(configuration.redisURL == "redis://r:6379/1")
        #expect(configuration.tokens.principal(of: "file-admin-token-0123456789") == Principal(.admin))
        #expect(configuration.tokens.principal(of: "read-token-0123456789") == Principal(.read))
        #expect(configuration.tokens.principal(of: "read-token-012345678") == nil)
        #expect(configuration.logFormat == .json && configuration.logLevel == "debug")
        #expect(try ServiceConfiguration(defaultPort: 7103, environment: EnvironmentReader([:])).httpHost == "127.0.0.1")
    }

    @Test("the tokens file holds hashes by identity; a service's own token must be there as itself")
    func tokensFile() throws {
        let directory = try TemporaryDirectory.make(prefix: "psync-tokens")
        let gateway = "gateway-zerodha-token-0123456789"
        let older = "gateway-zerodha-old-token-0123"
        let monitor = "monitor-token-0123456789abc"
        let file = """
            # identity sha256(token)
            gateway:ZERODHA \(SHA256.hexDigest(gateway))
            gateway:ZERODHA \(SHA256.hexDigest(older).uppercased())\r
            monitor\t\(SHA256.hexDigest(monitor))

            """
        try file.write(toFile: directory + "/tokens", atomically: true, encoding: .utf8)
        func tokens(_ values: [String: String]) throws -> TokenSet {
            try ServiceConfiguration(
                defaultPort: 1, environment: EnvironmentReader(["PSYNC_TOKENS_FILE": directory + "/tokens"].merging(values) { _, new in new })
            ).tokens
        }
        let accepted = try tokens(["PSYNC_SERVICE_TOKEN": gateway])
        #expect(accepted.principal(of: gateway) == Principal(.gateway, broker: "ZERODHA"))
        #expect(accepted.principal(of: older) == Principal(.gateway, broker: "ZERODHA"), "a rotation keeps the old token until its line goes")
        #expect(accepted.principal(of: monitor) == Principal(.monitor))
        #expect(accepted.principal(of: String(gateway.dropLast())) == nil)
        #expect(accepted.entries.count == 3 && !accepted.accepts(.admin))
        #expect(try accepted.ownToken(as: Principal(.gateway, broker: "ZERODHA")) == gateway)
        #expect(throws: ConfigurationError("PSYNC_SERVICE_TOKEN is the token of gateway:ZERODHA, but this service runs as gateway:UPSTOX")) {
            try accepted.ownToken(as: Principal(.gateway, broker: "UPSTOX"))
        }
        #expect(throws: ConfigurationError("PSYNC_SERVICE_TOKEN is not among the accepted tokens: add its hash as 'dispatcher' to PSYNC_TOKENS_FILE"))
        {
            try tokens(["PSYNC_SERVICE_TOKEN": "dispatcher-token-0123456789"]).ownToken(as: Principal(.dispatcher))
        }
        #expect(throws: ConfigurationError("PSYNC_SERVICE_TOKEN (or PSYNC_SERVICE_TOKEN_FILE) must hold this service's own token, as monitor")) {
            try tokens([:]).ownToken(as: Principal(.monitor))
        }
        for (line, problem) in [
            (
                "gateway \(SHA256.hexDigest(gateway))",
                "'gateway' is not an identity (admin, read, scheduler, dispatcher, persistence, monitor or gateway:BROKER)"
            ),
            (
                "gateway:zerodha \(SHA256.hexDigest(gateway))",
                "'gateway:zerodha' is not an identity (admin, read, scheduler, dispatcher, persistence, monitor or gateway:BROKER)"
            ),
            ("monitor \(gateway)", "the hash must be 64 hex digits (SHA-256 of the token)"),
            ("monitor", "expected 'identity sha256-hex', got 1 fields"),
        ] {
            try "# ok\n\(line)\n".write(toFile: directory + "/bad", atomically: true, encoding: .utf8)
            #expect(throws: ConfigurationError("PSYNC_TOKENS_FILE line 2: \(problem)")) {
                try ServiceConfiguration(defaultPort: 1, environment: EnvironmentReader(["PSYNC_TOKENS_FILE": directory + "/bad"]))
            }
        }
    }

    @Test("bad settings fail start-up with a message naming the variable")
    func errors() throws {
        func message(_ values: [String: String]) -> String? {
            do {
                let configuration = try ServiceConfiguration(defaultPort: 1, environment: EnvironmentReader(values))
                try configuration.tokens.validate()
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(message(["PSYNC_HTTP_PORT": "eighty"]) == "PSYNC_HTTP_PORT must be a port number 0-65535, got 'eighty'")
        #expect(message(["PSYNC_LOG_FORMAT": "xml"]) == "PSYNC_LOG_FORMAT must be one of auto, text, json, got 'xml'")
        #expect(message(["PSYNC_ADMIN_TOKEN_FILE": "/nonexistent/token"]) == "PSYNC_ADMIN_TOKEN_FILE names /nonexistent/token, which cannot be read")
        #expect(message(["PSYNC_ADMIN_TOKEN": "short"]) == "PSYNC_ADMIN_TOKEN must be at least 16 characters")
        let placeholder = "is a placeholder; replace it with a random value (e.g. `openssl rand -hex 32`)"
        #expect(message(["PSYNC_ADMIN_TOKEN": "change-me-admin-token"]) == "PSYNC_ADMIN_TOKEN \(placeholder)")
        #expect(message(["PSYNC_READ_TOKEN": String(repeating: "0", count: 48)]) == "PSYNC_READ_TOKEN \(placeholder)")
        #expect(message(["PSYNC_SERVICE_TOKEN": String(repeating: "ab1", count: 8)]) == "PSYNC_SERVICE_TOKEN \(placeholder)")
        #expect(
            message(["PSYNC_ADMIN_TOKEN": "same-token-0123456789", "PSYNC_READ_TOKEN": "same-token-0123456789"])
                == "admin and read share a token: each token proves one identity"
        )
        #expect(EnvironmentReader.parseDuration("250ms") == .milliseconds(250))
        #expect(EnvironmentReader.parseDuration("2m") == .seconds(120))
        #expect(EnvironmentReader.parseDuration("soon") == nil)
    }
}
