import Contracts
import Foundation
import PostgresClient
import RPC
import RedisClient
import TestSupport
import Testing

/// Whoever can write to Redis can publish a heartbeat naming any address as a gateway. The CLI and the monitor find
/// gateways through heartbeats; neither sends a token or a credential to one that does not prove itself.
@Suite("A forged heartbeat gets nothing")
struct ForgedHeartbeatTests {
    static func forge(_ stack: Stack, id: String, address: String) async throws {
        let beat = WorkerHeartbeat(
            instanceID: id, service: "psync-gateway", broker: "SANDBOX", host: "forged", pid: 1, version: "1", startedAt: Date(),
            lastSeen: Date(), inFlight: 0, processed: 0, failed: 0, rpcAddress: address)
        _ = try await stack.redis.pipeline([
            ["SET", .init(RedisKeys.worker(id)), .init(bytes: try JSONCoding.encode(beat)), "PX", "120000"],
            ["ZADD", .init(RedisKeys.workerIndex), .init(Int(Date().timeIntervalSince1970 * 1000)), .init(id)],
        ])
    }

    @Test("the CLI and the monitor send no token or credential to an impostor or to an untrusted host; the real gateway still gets them")
    func forgedHeartbeats() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        let monitor = try await stack.launch("psync-monitor", environment: ["PSYNC_MONITOR_METRICS_INTERVAL": "300ms"])
        // The impostor answers the identity check with made-up proofs, as a forger without the token must.
        let impostor = try RecordingServer(
            body: #"{"service":"psync-gateway","address":"\#(UUID())","proofs":["\#(String(repeating: "0", count: 64))"]}"#)
        defer { impostor.stop() }
        try await Self.forge(stack, id: "psync-gateway-forged-loopback", address: impostor.baseURL)
        try await Self.forge(stack, id: "psync-gateway-forged-remote", address: "http://203.0.113.7:7105")
        let user = try await stack.admin.call(PersistenceAPI.createUser, CreateUser(email: "forged@example.com", name: "F"))
        let portfolio = try await stack.admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: user.id, name: "P", baseCurrency: "INR"))
        let account = try await stack.admin.call(
            PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio.id, brokerCode: "SANDBOX", label: "A"))
        var cli = try CLI(stack, ["PSYNC_MONITOR_URL": monitor.baseURL])
        cli.environment["PSYNC_GATEWAY_SANDBOX_URL"] = nil

        let refused = try await cli.run("credentials", "set", "\(account.id)", stdin: #"{"token":"credential-for-nobody-else"}"#)
        #expect(refused.status == 1, "\(refused)")
        #expect(
            refused.stderr.contains("could not prove it holds our token") && refused.stderr.contains("PSYNC_TRUSTED_WORKER_HOSTS does not allow"),
            "\(refused)")
        // Give the monitor a few scrape rounds: it must check the impostor before sending its service token.
        try await Task.sleep(for: .seconds(2))
        let seen = impostor.requests
        #expect(seen.contains { $0.hasPrefix("GET /v1/identity?challenge=") }, "\(seen)")
        for secret in [Stack.adminToken, Stack.readToken, "credential-for-nobody-else"] + ServiceTokens.services.map(ServiceTokens.token) {
            #expect(!seen.contains { $0.contains(secret) }, "the impostor got \(secret.prefix(6))…")
        }
        #expect(seen.allSatisfy { $0.hasPrefix("GET /v1/identity?") }, "\(seen)")

        // The real gateway proves itself; the CLI sends it the credentials while the forged heartbeats are still there.
        try await stack.launchGateway("SANDBOX")
        try await eventually(timeout: .seconds(20), "the CLI to reach the real gateway") {
            try await cli.run("credentials", "set", "\(account.id)", stdin: #"{"token":"credential-for-the-gateway"}"#).status == 0
        }
        #expect(try await stack.count("SELECT count(*)::int FROM credentials WHERE account_id = \(account.id)") == 1)
        #expect(!impostor.requests.contains { $0.contains("credential-for-the-gateway") || $0.contains(Stack.adminToken) })
        await stack.stop()
    }
}
