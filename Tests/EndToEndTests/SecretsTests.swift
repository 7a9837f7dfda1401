import Contracts
import CurlClient
import Foundation
import RedisClient
import TestSupport
import Testing

/// Runs a real sync with known broker credentials, then looks for them everywhere they must not be.
@Suite("Secrets never reach a log, a stream, the database, an RPC answer or argv")
struct SecretsTests {
    static let sandboxToken = "sandbox-secret-token-7d1f0c2a9b"
    static let kiteAPIKey = "kitekey9f3e21"
    static let kiteAccessToken = "kite-secret-access-token-5e8a44c1"
    static let expiredKiteToken = "expired-kite-secret-token-c0ffee01"

    @Test("a full sync, a failed one and every read afterwards leak no broker token, API token or master key")
    func noSecretAnywhere() async throws {
        let stack = try await Stack.start()
        do {
            try await stack.launch("psync-brokersim")
            try await stack.launch("psync-dispatcher")
            try await stack.launch("psync-monitor")
            try await stack.launchGateway("SANDBOX")
            try await stack.launchGateway("ZERODHA")
            let sandbox = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "\(Self.sandboxToken)-\($0)"] }
            let kite = try await stack.makeAccounts(broker: "ZERODHA", count: 2) {
                ["api_key": Self.kiteAPIKey, "access_token": $0 == 0 ? Self.kiteAccessToken : Self.expiredKiteToken]
            }
            let (run, _) = try await stack.enqueueRun(.all, actions: [.holdings, .transactions])
            let detail = try await stack.waitForRun(run.id)
            #expect(
                detail.run.counts.failed + detail.run.counts.reauthRequired >= 1, "the expired Kite token should fail its jobs: \(detail.run.counts)")

            var answers = ""
            for account in sandbox + kite {
                answers += try await Self.get(stack, "psync-persistence", "/v1/accounts/\(account.id)")
                answers += try await Self.get(stack, "psync-persistence", "/v1/accounts/\(account.id)/holdings")
                answers += try await Self.get(stack, "psync-persistence", "/v1/accounts/\(account.id)/transactions")
            }
            answers += try await Self.get(stack, "psync-persistence", "/v1/runs/\(run.id)")
            answers += try await Self.get(stack, "psync-persistence", "/v1/runs/\(run.id)/jobs")
            answers += try await Self.get(stack, "psync-persistence", "/v1/audit")
            answers += try await Self.get(stack, "psync-monitor", "/metrics")
            answers += try await Self.get(stack, "psync-gateway", "/metrics", arguments: ["--broker", "ZERODHA"])

            let places: [(String, String)] = [
                ("logs", Self.allLogs(stack)),
                ("redis", try await Self.everythingInRedis(stack)),
                ("pg_dump", try Self.dump(stack.databaseURL)),
                ("rpc answers", answers),
                ("argv", Self.everyCommandLine()),
            ]
            let secrets =
                [
                    Self.sandboxToken, Self.kiteAccessToken, Self.expiredKiteToken, Stack.masterKey, Stack.adminToken, Stack.readToken,
                ] + ServiceTokens.services.map(ServiceTokens.token)
            for (place, text) in places {
                #expect(text.count > 100, "\(place) was not searched: \(text.count) characters")
                for secret in secrets {
                    #expect(!text.contains(secret), "\(place) contains a secret (\(secret.prefix(6))…)")
                }
            }
        } catch {
            Issue.record("\(error)\n\(stack.logs())")
        }
        await stack.stop()
    }

    static func get(_ stack: Stack, _ product: String, _ path: String, arguments: [String] = []) async throws -> String {
        let process = try #require(stack.running(product, arguments: arguments).first)
        let response = try await stack.http.execute(
            HTTPClientRequest(url: process.baseURL + path, headers: [("Authorization", "Bearer \(Stack.adminToken)")]))
        return response.text
    }

    static func allLogs(_ stack: Stack) -> String {
        let products: [(String, [String])] = [
            ("psync-persistence", []), ("psync-brokersim", []), ("psync-dispatcher", []), ("psync-monitor", []),
            ("psync-gateway", ["--broker", "SANDBOX"]), ("psync-gateway", ["--broker", "ZERODHA"]),
        ]
        return products.flatMap { stack.running($0.0, arguments: $0.1) }.map { $0.child.output() }.joined(separator: "\n")
    }

    /// Every key's value: streams entry by entry, strings, hashes, sets and lists.
    static func everythingInRedis(_ stack: Stack) async throws -> String {
        var text = ""
        for key in try await stack.redis.scanKeys(matching: "*") {
            text += key + "\n"
            let type = try await stack.redis.send(["TYPE", .init(key)]).string ?? ""
            let command: [RedisArgument] =
                switch type {
                case "stream": ["XRANGE", .init(key), "-", "+"]
                case "string": ["GET", .init(key)]
                case "hash": ["HGETALL", .init(key)]
                case "zset": ["ZRANGE", .init(key), "0", "-1", "WITHSCORES"]
                case "set": ["SMEMBERS", .init(key)]
                case "list": ["LRANGE", .init(key), "0", "-1"]
                default: ["TYPE", .init(key)]
                }
            text += flatten(try await stack.redis.send(command)) + "\n"
        }
        return text
    }

    static func flatten(_ value: RedisValue) -> String {
        if let values = value.array { return values.map(flatten).joined(separator: " ") }
        return value.string ?? ""
    }

    static func dump(_ url: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pg_dump")
        process.arguments = ["--data-only", "--inserts", "--dbname", url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "pg_dump failed")
        return String(decoding: data, as: UTF8.self)
    }

    /// What `ps` shows: every process's argv.
    static func everyCommandLine() -> String {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map { String(decoding: $0, as: UTF8.self) }
        }.joined(separator: "\n")
    }
}
