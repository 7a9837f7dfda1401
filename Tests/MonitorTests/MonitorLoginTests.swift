import Contracts
import CurlClient
import Foundation
import RPC
import TestSupport
import Testing

/// The login form's defences: a throttle per client address, `next` kept only for safe same-site paths,
/// placeholder and short secrets refused at start, and a `/readyz` that tells strangers nothing.
@Suite("Monitor login")
struct MonitorLoginTests {
    @Test("failed logins from one address are throttled: 429 with Retry-After, even for the right token, until the window ends")
    func throttle() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor", environment: ["PSYNC_MONITOR_LOGIN_ATTEMPTS": "3", "PSYNC_MONITOR_LOGIN_WINDOW": "3s"])
        #expect(try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken]).status == 303, "successes are not counted")
        let started = ContinuousClock.now
        for attempt in 1...3 {
            let response = try await stack.monitorRequest("POST", "/login", form: ["token": "guess-\(attempt)-0123456789abcdef"])
            #expect(response.status == 401, "attempt \(attempt)")
        }
        let limited = try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken, "next": "/runs"])
        #expect(limited.status == 429 && limited.header("Set-Cookie") == nil)
        let retryAfter = try #require(limited.header("Retry-After").flatMap { Int($0) })
        #expect((1...3).contains(retryAfter), "Retry-After: \(retryAfter)")
        #expect(limited.text.contains("too many failed logins") && limited.text.contains("value=\"/runs\""))
        #expect(try await stack.monitorRequest("GET", "/login?ticket=\(String(repeating: "0", count: 64))").status == 429)
        let ticket = try await stack.monitor().call(MonitorAPI.createLoginTicket)
        #expect(try await stack.monitorRequest("GET", ticket.path).status == 429, "a throttled address cannot spend a ticket either")
        // Bearer tokens on the API are not logins: unaffected.
        #expect(try await stack.monitorRequest("GET", "/api/v1/overview", token: Stack.readToken).status == 200)
        try await eventually(timeout: .seconds(6), every: .milliseconds(250), "the throttle window to end") {
            try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken]).status == 303
        }
        #expect(ContinuousClock.now - started >= .milliseconds(2500))
        await stack.stop()
    }

    @Test("behind a trusted proxy the limit counts the client it forwards; from an untrusted peer X-Forwarded-For changes nothing")
    func throttleBehindProxy() async throws {
        let stack = try await Stack.start()
        // The test's requests come from 127.0.0.1: as the ingress controller's would.
        try await stack.launch(
            "psync-monitor",
            environment: ["PSYNC_MONITOR_LOGIN_ATTEMPTS": "2", "PSYNC_MONITOR_LOGIN_WINDOW": "30s", "PSYNC_MONITOR_TRUSTED_PROXIES": "127.0.0.1"])
        func login(_ token: String, from client: String) async throws -> Int {
            try await stack.monitorRequest("POST", "/login", form: ["token": token], headers: [("X-Forwarded-For", client)]).status
        }
        #expect(try await login("guess-1-0123456789abcdef", from: "203.0.113.5") == 401)
        #expect(try await login("guess-2-0123456789abcdef", from: "203.0.113.5") == 401)
        #expect(try await login(Stack.adminToken, from: "203.0.113.5") == 429, "the guessing client is limited")
        #expect(try await login(Stack.adminToken, from: "203.0.113.6") == 303, "everyone else behind the proxy still logs in")
        // A client cannot escape by naming another address on the left: the proxy appends the real one.
        #expect(try await login(Stack.adminToken, from: "198.51.100.1, 203.0.113.5") == 429)
        await stack.stop()

        let direct = try await Stack.start()
        try await direct.launch("psync-monitor", environment: ["PSYNC_MONITOR_LOGIN_ATTEMPTS": "2", "PSYNC_MONITOR_LOGIN_WINDOW": "30s"])
        for attempt in 1...2 {
            let status = try await direct.monitorRequest(
                "POST", "/login", form: ["token": "guess-\(attempt)-0123456789abcdef"], headers: [("X-Forwarded-For", "203.0.113.\(attempt)")]
            ).status
            #expect(status == 401)
        }
        let spoofed = try await direct.monitorRequest(
            "POST", "/login", form: ["token": Stack.adminToken], headers: [("X-Forwarded-For", "198.51.100.77")])
        #expect(spoofed.status == 429, "without trusted proxies the header is ignored: the peer is limited")
        await direct.stop()
    }

    /// `next` values that must never survive a login (each as the form posts it, already URL-decoded once).
    static let badNext = [
        "/\t/evil.example", "//evil.example", "/\\evil.example", "\\/evil.example", "https://evil.example/", "javascript:alert(1)",
        "evil.example", " /runs", "/\r\nSet-Cookie: x=y", "/\n/evil.example", "/%2F%2Fevil.example", "/%2f/evil.example", "/%5Cevil.example",
        "/%09/evil.example", "/%0d%0aSet-Cookie:x=y", "/%252F%252Fevil.example", "/%zz", "/%2", "/runs\u{3002}evil", "/r\u{0}uns",
        "/runs#x", "/" + String(repeating: "a", count: 600), "",
    ]

    @Test("next: safe same-site paths are kept, every trick (TAB, //, /\\, schemes, encodings, controls) becomes /; Secure cookies")
    func nextParameter() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        for next in Self.badNext {
            let response = try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken, "next": next])
            #expect(
                response.status == 303 && response.header("Location") == "/", "next \(next.debugDescription) → \(response.header("Location") ?? "-")")
        }
        // The login page's hidden field carries only a safe `next` too; the exact URL from the report first.
        let page = try await stack.monitorRequest("GET", "/login?next=%2F%09%2Fevil.example")
        #expect(page.status == 200 && page.text.contains("name=\"next\" value=\"/\""), "\(page.text.prefix(1200))")
        for next in Self.badNext where !next.isEmpty {
            let escaped = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next
            let shown = try await stack.monitorRequest("GET", "/login?next=\(escaped)")
            #expect(shown.text.contains("name=\"next\" value=\"/\""), "next \(next.debugDescription)")
        }
        for next in ["/runs", "/jobs?status=succeeded&broker=SANDBOX", "/jobs?since=2026-01-01T00%3A00%3A00Z", "/accounts/12", "/"] {
            let response = try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken, "next": next])
            #expect(response.status == 303 && response.header("Location") == next, "next \(next) → \(response.header("Location") ?? "-")")
        }
        // Where a page sends an anonymous visitor round-trips through the login intact.
        let redirect = try await stack.monitorRequest("GET", "/jobs?status=succeeded&broker=SANDBOX")
        let login = try #require(redirect.header("Location"))
        #expect(try await stack.monitorRequest("GET", login).text.contains("value=\"/jobs?status=succeeded&amp;broker=SANDBOX\""))

        // Secure cookies: off by default on plain HTTP, on when a TLS proxy says so, always on with the setting.
        let plain = try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken])
        #expect(plain.header("Set-Cookie")?.contains("; Secure") == false)
        let proxied = try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken], headers: [("X-Forwarded-Proto", "https")])
        #expect(proxied.header("Set-Cookie")?.hasSuffix("; Secure") == true)
        _ = await stack.running("psync-monitor")[0].child.stop()
        try await stack.launch("psync-monitor", environment: ["PSYNC_MONITOR_SECURE_COOKIE": "true"])
        let secure = try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken])
        #expect(secure.header("Set-Cookie")?.hasSuffix("; Secure") == true)
        await stack.stop()
    }

    /// Runs `product` (psync-monitor) with `environment` and returns its exit status and output once it stops by itself.
    static func failedStart(
        _ stack: Stack, _ environment: [String: String], product: String = "psync-monitor", arguments: [String] = []
    ) async throws -> (status: Int32?, output: String) {
        let directory = try TemporaryDirectory.make(prefix: product)
        var all = stack.environment(environment)
        all["PSYNC_HTTP_PORT"] = "0"
        all["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        let child = try ChildProcess(
            executable: try BuiltProducts.path(product), arguments: arguments, environment: all, logPath: directory + "/\(product).log")
        guard await child.waitForExit(timeout: .seconds(15)) else {
            await child.stop()
            return (nil, child.output())
        }
        return (child.exitStatus, child.output())
    }

    @Test("placeholder and short secrets are refused at start, naming the setting and never showing the value")
    func placeholderSecrets() async throws {
        let stack = try await Stack.start()
        let placeholder = "is a placeholder"
        let cases: [([String: String], String)] = [
            (["PSYNC_MONITOR_SESSION_SECRET": "change-me-monitor-session-secret-0123"], "PSYNC_MONITOR_SESSION_SECRET \(placeholder)"),
            (["PSYNC_MONITOR_SESSION_SECRET": String(repeating: "0", count: 64)], "PSYNC_MONITOR_SESSION_SECRET \(placeholder)"),
            (["PSYNC_MONITOR_SESSION_SECRET": String(repeating: "5a", count: 32)], "PSYNC_MONITOR_SESSION_SECRET \(placeholder)"),
            (["PSYNC_MONITOR_SESSION_SECRET": "short-but-random-7f3a9c"], "PSYNC_MONITOR_SESSION_SECRET must be at least 32 characters"),
            (["PSYNC_ADMIN_TOKEN": "change-me-admin-token"], "PSYNC_ADMIN_TOKEN \(placeholder)"),
            (["PSYNC_READ_TOKEN": "change-me-read-token"], "PSYNC_READ_TOKEN \(placeholder)"),
            (["PSYNC_SERVICE_TOKEN": "change-me-service-token"], "PSYNC_SERVICE_TOKEN \(placeholder)"),
            (["PSYNC_ADMIN_TOKEN": "too-short"], "PSYNC_ADMIN_TOKEN must be at least 16 characters"),
        ]
        for (environment, message) in cases {
            let (status, output) = try await Self.failedStart(stack, environment)
            #expect(status != nil && status != 0, "\(environment.keys.first!) was accepted: \(output.suffix(500))")
            #expect(output.contains(message), "\(output.suffix(500))")
            #expect(!output.contains(environment.values.first!), "the secret itself is in the output")
        }
        // The gateway refuses `.env.example`'s all-zero master key, and a repeated one, the same way.
        for key in [String(repeating: "0", count: 64), String(repeating: "5a", count: 32)] {
            let (status, output) = try await Self.failedStart(
                stack, ["PSYNC_MASTER_KEY": key], product: "psync-gateway", arguments: ["--broker", "SANDBOX"])
            #expect(status != nil && status != 0, "the gateway accepted a placeholder master key: \(output.suffix(500))")
            #expect(output.contains("PSYNC_MASTER_KEY \(placeholder)") && !output.contains(key), "\(output.suffix(500))")
        }
        // The same settings with proper values start.
        try await stack.launch("psync-monitor")
        await stack.stop()
    }

    @Test("/readyz without a token says ok or unavailable and nothing more; with a token it names each dependency")
    func readyz() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        let anonymous = try await stack.monitorRequest("GET", "/readyz")
        #expect(anonymous.status == 200)
        let report = try JSONCoding.decode(HealthReport.self, from: anonymous.body)
        #expect(report.status == "ok" && report.checks.isEmpty, "\(anonymous.text)")
        let detailed = try JSONCoding.decode(HealthReport.self, from: try await stack.monitorRequest("GET", "/readyz", token: Stack.readToken).body)
        #expect(detailed.checks == ["redis": "ok"])

        await stack.redisServer.stop()
        var down: HTTPClientResponse?
        try await eventually(timeout: .seconds(10), "/readyz to notice Redis is gone") {
            down = try await stack.monitorRequest("GET", "/readyz")
            return down?.status == 503
        }
        let text = try #require(down).text
        #expect(try JSONCoding.decode(HealthReport.self, from: try #require(down).body).status == "unavailable")
        #expect(!text.contains("redis") && !text.contains("127.0.0.1") && !text.contains("\(stack.redisServer.port)"), "\(text)")
        let withToken = try await stack.monitorRequest("GET", "/readyz", token: Stack.readToken)
        #expect(withToken.status == 503 && withToken.text.contains("\"redis\""))
        await stack.stop()
    }
}
