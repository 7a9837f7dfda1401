import Contracts
import CurlClient
import Foundation
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

/// Sessions trust nothing Redis says by itself: records and cookies are signed under the session secret, bound to
/// the token they were made with, and end when idle, when too old, and (for an open `/events`) at logout.
@Suite("Monitor sessions")
struct MonitorSessionTests {
    static func monitorStack(_ environment: [String: String] = [:]) async throws -> Stack {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor", environment: environment)
        return stack
    }

    /// The session id inside a `psync_session=id.tag` cookie.
    static func sessionID(_ cookie: String) -> String {
        String(cookie.split(separator: "=", maxSplits: 1).last?.split(separator: ".").first ?? "")
    }

    /// Whether the cookie gets the overview (true) or is sent to the login (false).
    static func admitted(_ stack: Stack, cookie: String, path: String = "/") async throws -> Bool {
        let response = try await stack.monitorRequest("GET", path, cookie: cookie)
        #expect(response.status == 200 || response.status == 303, "\(path): HTTP \(response.status)")
        return response.status == 200
    }

    @Test("a session written into Redis, a record edited there, a tampered cookie and a forged ticket all get nothing")
    func forgedAndTampered() async throws {
        let stack = try await Self.monitorStack()
        // A record as the monitor used to write it, under a key an attacker chose.
        let forgedID = String(repeating: "ab", count: 32)
        let unsigned =
            "{\"id\":\"\(forgedID)\",\"scope\":\"admin\",\"csrf\":\"\(String(repeating: "cd", count: 32))\",\"createdAt\":\"2026-11-24T09:30:00Z\"}"
        _ = try await stack.redis.set("psync:{monitor}:session:\(forgedID)", .init(unsigned), expiresIn: .seconds(600))
        for cookie in ["psync_session=\(forgedID)", "psync_session=\(forgedID).\(String(repeating: "0", count: 64))"] {
            #expect(try await Self.admitted(stack, cookie: cookie) == false, "\(cookie)")
            #expect(try await stack.monitorRequest("GET", "/api/v1/overview", cookie: cookie).status == 401)
            let csrf = String(repeating: "cd", count: 32)
            #expect(try await stack.monitorRequest("POST", "/queues/SANDBOX/pause", cookie: cookie, form: ["csrf": csrf]).status == 303)
        }
        #expect(try await stack.redis.exists(StreamNames.paused(broker: "SANDBOX")) == false)

        // A login ticket written into Redis, old style or with a made-up tag, logs nobody in.
        let ticket = String(repeating: "ef", count: 32)
        _ = try await stack.redis.set("psync:{monitor}:ticket:\(ticket)", .init("admin"), expiresIn: .seconds(60))
        for path in ["/login?ticket=\(ticket)", "/login?ticket=\(ticket).\(String(repeating: "1", count: 64))"] {
            let response = try await stack.monitorRequest("GET", path)
            #expect(response.status == 401 && response.header("Set-Cookie") == nil, "\(path)")
        }
        // A real read-only session works; any change to its cookie does not.
        let read = try await stack.monitorLogin(token: Stack.readToken)
        #expect(try await Self.admitted(stack, cookie: read.cookie))
        let parts = read.cookie.split(separator: "=", maxSplits: 1).last?.split(separator: ".") ?? []
        try #require(parts.count == 2, "the cookie is not id.tag: \(read.cookie)")
        let id = String(parts[0])
        let tag = String(parts[1])
        let flippedTag = String(tag.dropLast()) + (tag.last == "0" ? "1" : "0")
        let flippedID = String(id.dropLast()) + (id.last == "0" ? "1" : "0")
        for cookie in [
            "psync_session=\(id)", "psync_session=\(id).\(flippedTag)", "psync_session=\(flippedID).\(tag)", "psync_session=\(id).\(tag).x",
            "psync_session=\(id).\(tag.prefix(32))",
        ] {
            #expect(try await Self.admitted(stack, cookie: cookie) == false, "\(cookie)")
        }
        // Raising the stored record's scope to admin breaks its tag: the session is refused (and removed).
        let key = "psync:{monitor}:session:\(id)"
        let record = String(decoding: try #require(try await stack.redis.get(key)), as: UTF8.self)
        #expect(record.contains("\"scope\":\"read\"") && !record.contains(Stack.readToken))
        _ = try await stack.redis.set(key, .init(record.replacingOccurrences(of: "\"scope\":\"read\"", with: "\"scope\":\"admin\"")))
        #expect(try await Self.admitted(stack, cookie: read.cookie) == false)
        #expect(try await stack.monitorRequest("POST", "/queues/SANDBOX/pause", cookie: read.cookie, form: ["csrf": read.csrf]).status == 303)
        #expect(try await stack.redis.exists(StreamNames.paused(broker: "SANDBOX")) == false)

        // A real ticket still works once.
        let real = try await stack.monitor().call(MonitorAPI.createLoginTicket)
        #expect(try await stack.monitorRequest("GET", real.path).status == 303)
        #expect(try await stack.monitorRequest("GET", real.path).status == 401)
        await stack.stop()
    }

    @Test("a session ends when its token is rotated or removed, or the secret changes (or is unset and the monitor restarts)")
    func boundToToken() async throws {
        let stack = try await Self.monitorStack()
        let admin = try await stack.monitorLogin(token: Stack.adminToken)
        let read = try await stack.monitorLogin(token: Stack.readToken)
        let ticket = try await stack.monitor().call(MonitorAPI.createLoginTicket)
        #expect(try await Self.admitted(stack, cookie: admin.cookie))
        #expect(try await Self.admitted(stack, cookie: read.cookie))

        // Same secret, same tokens: both sessions outlive a restart.
        _ = await stack.running("psync-monitor")[0].child.stop()
        try await stack.launch("psync-monitor")
        #expect(try await Self.admitted(stack, cookie: admin.cookie))
        #expect(try await Self.admitted(stack, cookie: read.cookie))

        // The admin token rotated: the admin session and the admin ticket are dead, the read session lives.
        let rotated = "admin-token-rotated-" + Stack.randomSecret().prefix(24)
        _ = await stack.running("psync-monitor")[0].child.stop()
        try await stack.launch("psync-monitor", environment: ["PSYNC_ADMIN_TOKEN": rotated])
        #expect(try await Self.admitted(stack, cookie: admin.cookie) == false)
        #expect(try await stack.monitorRequest("GET", "/api/v1/overview", cookie: admin.cookie).status == 401)
        #expect(try await stack.monitorRequest("GET", ticket.path).status == 401)
        #expect(try await Self.admitted(stack, cookie: read.cookie))
        let again = try await stack.monitorLogin(token: rotated)
        #expect(try await Self.admitted(stack, cookie: again.cookie))

        // The read token removed: the read session is dead too.
        _ = await stack.running("psync-monitor")[0].child.stop()
        try await stack.launch("psync-monitor", environment: ["PSYNC_ADMIN_TOKEN": rotated, "PSYNC_READ_TOKEN": ""])
        #expect(try await Self.admitted(stack, cookie: read.cookie) == false)
        #expect(try await Self.admitted(stack, cookie: again.cookie))

        // Another secret: every earlier cookie is worthless.
        _ = await stack.running("psync-monitor")[0].child.stop()
        try await stack.launch("psync-monitor", environment: ["PSYNC_ADMIN_TOKEN": rotated, "PSYNC_MONITOR_SESSION_SECRET": Stack.randomSecret()])
        #expect(try await Self.admitted(stack, cookie: again.cookie) == false)

        // No secret at all: a random key per process, so logins work and end at the next restart.
        _ = await stack.running("psync-monitor")[0].child.stop()
        let unset = ["PSYNC_ADMIN_TOKEN": rotated, "PSYNC_MONITOR_SESSION_SECRET": ""]
        let first = try await stack.launch("psync-monitor", environment: unset)
        #expect(first.child.output().contains("PSYNC_MONITOR_SESSION_SECRET is not set"))
        let ephemeral = try await stack.monitorLogin(token: rotated)
        #expect(try await Self.admitted(stack, cookie: ephemeral.cookie))
        _ = await first.child.stop()
        try await stack.launch("psync-monitor", environment: unset)
        #expect(try await Self.admitted(stack, cookie: ephemeral.cookie) == false)
        await stack.stop()
    }

    @Test("a session ends after its idle timeout unused, and after its absolute lifetime however used")
    func idleAndAbsoluteExpiry() async throws {
        let stack = try await Self.monitorStack(["PSYNC_MONITOR_SESSION_IDLE_TIMEOUT": "2s", "PSYNC_MONITOR_SESSION_TTL": "5s"])
        // Used every 400 ms, a session outlives its idle timeout several times over, then ends at its lifetime.
        let loggedIn = ContinuousClock.now  // before the login, so the session is no older than this
        let busy = try await stack.monitorLogin(token: Stack.adminToken)
        while ContinuousClock.now - loggedIn < .milliseconds(3500) {
            #expect(try await Self.admitted(stack, cookie: busy.cookie), "refused \(ContinuousClock.now - loggedIn) after login")
            try await Task.sleep(for: .milliseconds(400))
        }
        try await eventually(timeout: .seconds(5), every: .milliseconds(200), "the busy session to reach its lifetime") {
            try await Self.admitted(stack, cookie: busy.cookie) == false
        }
        #expect(ContinuousClock.now - loggedIn >= .milliseconds(4900))
        #expect(try await stack.redis.exists("psync:{monitor}:session:\(Self.sessionID(busy.cookie))") == false)

        // Left alone past the idle timeout, a fresh session is refused well before its lifetime.
        let idle = try await stack.monitorLogin(token: Stack.readToken)
        #expect(try await Self.admitted(stack, cookie: idle.cookie))
        try await Task.sleep(for: .milliseconds(2300))
        #expect(try await Self.admitted(stack, cookie: idle.cookie) == false)
        await stack.stop()
    }

    @Test("an open /events stream ends at logout and at the session's expiry; one opened with a token stays")
    func eventsEndWithSession() async throws {
        let stack = try await Self.monitorStack(["PSYNC_MONITOR_EVENTS_RECHECK": "300ms"])
        let url = try stack.monitorURL
        let session = try await stack.monitorLogin(token: Stack.adminToken)
        let opened = ContinuousClock.now
        async let stream = EventStreamReader.read(url: url, path: "/events", cookie: session.cookie, for: .seconds(15))
        async let byToken = EventStreamReader.read(url: url, path: "/events", token: Stack.readToken, for: .seconds(4))
        try await Task.sleep(for: .milliseconds(800))  // let the streams open
        #expect(try await stack.monitorRequest("POST", "/logout", cookie: session.cookie, form: ["csrf": session.csrf]).status == 303)
        let received = try await stream
        #expect(ContinuousClock.now - opened < .seconds(4), "the stream outlived the logout")
        #expect(received.contains("text/event-stream") && received.contains(": connected"), "\(received.prefix(400))")
        #expect(received.hasSuffix("\r\n0\r\n\r\n"), "the stream did not end: \(received.suffix(200))")
        let tokenStream = try await byToken
        #expect(ContinuousClock.now - opened >= .seconds(4) && !tokenStream.hasSuffix("\r\n0\r\n\r\n"))

        // A session that reaches its lifetime while its stream is open loses the stream too.
        _ = await stack.running("psync-monitor")[0].child.stop()
        try await stack.launch("psync-monitor", environment: ["PSYNC_MONITOR_EVENTS_RECHECK": "300ms", "PSYNC_MONITOR_SESSION_TTL": "2s"])
        let short = try await stack.monitorLogin(token: Stack.readToken)
        let started = ContinuousClock.now
        let expired = try await EventStreamReader.read(url: try stack.monitorURL, path: "/events", cookie: short.cookie, for: .seconds(15))
        #expect(expired.contains(": connected") && expired.hasSuffix("\r\n0\r\n\r\n"))
        #expect(ContinuousClock.now - started < .seconds(5), "the stream outlived the session's lifetime")
        await stack.stop()
    }
}
