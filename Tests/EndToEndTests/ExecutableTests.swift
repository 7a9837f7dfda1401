import Contracts
import CurlClient
import Foundation
import RedisClient
import TestSupport
import Testing

@Suite("Every executable starts, serves its health routes and stops on SIGTERM")
struct ExecutableTests {
    static let services = ["psync-scheduler", "psync-dispatcher", "psync-persistence", "psync-monitor", "psync-brokersim", "psync-gateway"]

    @Test("starts, answers /healthz and /readyz, exits cleanly within 10 s of SIGTERM", arguments: services)
    func lifecycle(_ product: String) async throws {
        let redis = try await TestServers.redis()
        let postgres = try await TestServers.postgres()
        let environment = [
            "PSYNC_REDIS_URL": redis.url,
            "PSYNC_POSTGRES_URL": try await postgres.createDatabase("exe"),
            "PSYNC_ADMIN_TOKEN": "admin-token-for-executable-tests",
            "PSYNC_READ_TOKEN": "read-token-for-executable-tests",
        ]
        let arguments = product == "psync-gateway" ? ["--broker", "SANDBOX"] : []
        let service = try await ServiceProcess.start(
            product, arguments: arguments,
            environment: environment.merging(try ServiceTokens.environment(product: product, arguments: arguments)) { _, new in new })
        let client = HTTPClient()
        defer { client.shutdown() }
        let health = try await client.execute(HTTPClientRequest(url: service.baseURL + "/healthz"))
        #expect(health.status == 200)
        #expect(try JSONCoding.decode(HealthReport.self, from: health.body).service == product)
        let ready = try await client.execute(HTTPClientRequest(url: service.baseURL + "/readyz"))
        #expect(ready.status == 200, "\(ready.text)")
        let metrics = try await client.execute(
            HTTPClientRequest(url: service.baseURL + "/metrics", headers: [("Authorization", "Bearer read-token-for-executable-tests")])
        )
        #expect(metrics.status == 200 && metrics.text.contains("process_resident_memory_bytes"))
        let took = await service.child.stop(timeout: .seconds(10))
        #expect(took < .seconds(10), "\(product) took \(took) to stop")
        #expect(service.child.exitStatus == 0, "\(product) exited with \(service.child.exitStatus ?? -1): \(service.child.output().suffix(800))")
        let readyLines = service.child.output().split(separator: "\n").filter { $0.contains("\"message\":\"ready\"") }
        #expect(readyLines.count == 1)
    }

    @Test("a service started without its own token, or with another identity's, refuses to start and names the setting")
    func ownToken() async throws {
        let redis = try await TestServers.redis()
        let arguments = ["--broker", "ZERODHA"]
        let base = ["PSYNC_REDIS_URL": redis.url].merging(try ServiceTokens.environment(product: "psync-gateway", arguments: arguments)) { _, new in
            new
        }
        let cases: [([String: String], String)] = [
            (
                ["PSYNC_SERVICE_TOKEN": ServiceTokens.token(Principal(.gateway, broker: "SANDBOX"))],
                "PSYNC_SERVICE_TOKEN is the token of gateway:SANDBOX, but this service runs as gateway:ZERODHA"
            ),
            (["PSYNC_SERVICE_TOKEN": "a-token-nobody-listed-0123456789"], "PSYNC_SERVICE_TOKEN is not among the accepted tokens"),
        ]
        for (settings, message) in cases {
            let directory = try TemporaryDirectory.make(prefix: "own-token")
            let child = try ChildProcess(
                executable: try BuiltProducts.path("psync-gateway"), arguments: arguments,
                environment: base.merging(settings) { _, new in new }, logPath: directory + "/gateway.log")
            #expect(await child.waitForExit(timeout: .seconds(30)))
            #expect(child.exitStatus == 1 && child.output().contains(message), "\(child.output().suffix(400))")
            #expect(!child.output().contains(settings["PSYNC_SERVICE_TOKEN"]!), "the refusal never shows the token")
        }
    }

    @Test("a replica bound to every interface announces a reachable address and writes its address file")
    func advertisedAddress() async throws {
        let redis = try await TestServers.redis()
        let directory = try TemporaryDirectory.make(prefix: "advertise")
        let addressFile = directory + "/address"
        let gateway = try await ServiceProcess.start(
            "psync-gateway", arguments: ["--broker", "SANDBOX"],
            environment: [
                "PSYNC_REDIS_URL": redis.url, "PSYNC_HTTP_HOST": "0.0.0.0", "PSYNC_HTTP_PORT": "0", "PSYNC_ADDRESS_FILE": addressFile,
                "PSYNC_HEARTBEAT_INTERVAL": "200ms", "PSYNC_ADVERTISE_HOST": "gateway-sandbox-1",
            ].merging(try ServiceTokens.environment(product: "psync-gateway", arguments: ["--broker", "SANDBOX"])) { _, new in new })
        defer { gateway.child.signal(SIGTERM) }
        let written = try String(contentsOfFile: addressFile, encoding: .utf8)
        let port = try #require(written.split(separator: ":").last.flatMap { Int($0) })
        #expect(written == "http://0.0.0.0:\(port)")
        let pool = RedisPool(configuration: redis.configuration)
        defer { pool.close() }
        var announced: String?
        try await eventually("the gateway's heartbeat") {
            for instance in try await pool.send(["ZRANGE", .init(RedisKeys.workerIndex), "0", "-1"]).array ?? [] {
                guard let id = instance.string, let body = try await pool.get(RedisKeys.worker(id)) else { continue }
                let beat = try JSONCoding.decode(WorkerHeartbeat.self, from: body)
                if beat.service == "psync-gateway" { announced = beat.rpcAddress }
            }
            return announced != nil
        }
        #expect(announced == "http://gateway-sandbox-1:\(port)")
    }

    @Test("SIGINT stops a service as cleanly as SIGTERM")
    func interrupt() async throws {
        let service = try await ServiceProcess.start("psync-brokersim", environment: [:])
        service.child.signal(SIGINT)
        #expect(await service.child.waitForExit(timeout: .seconds(10)))
        #expect(service.child.exitStatus == 0)
    }

    @Test("a bad setting stops start-up with a message naming it")
    func badConfiguration() async throws {
        let directory = try TemporaryDirectory.make(prefix: "bad-config")
        let child = try ChildProcess(
            executable: try BuiltProducts.path("psync-dispatcher"),
            arguments: [],
            environment: ["PSYNC_HTTP_PORT": "eighty"],
            logPath: directory + "/out.log"
        )
        #expect(await child.waitForExit(timeout: .seconds(10)))
        #expect(child.exitStatus != 0)
        #expect(child.output().contains("PSYNC_HTTP_PORT must be a port number 0-65535, got 'eighty'"))
        let gateway = try ChildProcess(
            executable: try BuiltProducts.path("psync-gateway"), arguments: [], environment: [:], logPath: directory + "/gw.log")
        #expect(await gateway.waitForExit(timeout: .seconds(10)))
        #expect(gateway.output().contains("a broker is required"))
    }

    @Test("psync --help runs and lists its commands")
    func cliHelp() async throws {
        let directory = try TemporaryDirectory.make(prefix: "psync-help")
        let child = try ChildProcess(
            executable: try BuiltProducts.path("psync"), arguments: ["--help"], environment: [:], logPath: directory + "/help.log")
        #expect(await child.waitForExit(timeout: .seconds(10)))
        #expect(child.exitStatus == 0)
        #expect(child.output().contains("USAGE: psync"))
    }
}
