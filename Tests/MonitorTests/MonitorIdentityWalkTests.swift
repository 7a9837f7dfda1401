import Contracts
import CurlClient
import Foundation
import RedisClient
import Streams
import TestSupport
import Testing

/// The monitor's browser side, walked with every identity: pages, form actions, `/events`, `/login` and `/logout`.
/// People get what their scope allows; no service token opens a page, an action, the event stream or a session.
/// (Its JSON API is in `EndpointAuthTests`' walk with every other service's.)
@Suite("Monitor pages, forms, /events, /login and /logout with every identity")
struct MonitorIdentityWalkTests {
    static let pages =
        MonitorRouteTests.pages + ["/runs/1", "/jobs/1", "/dead-letters/1-0", "/accounts/1"]
        + ["/portfolios/1/holdings", "/portfolios/1/history", "/portfolios/1/changes", "/accounts/1/changes"]

    @Test("people see pages (admins act), services get 403 everywhere and no session; anonymous goes to the login")
    func everyIdentity() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor", environment: ["PSYNC_MONITOR_LOGIN_ATTEMPTS": "1000"])
        let url = try stack.monitorURL
        var failures: [String] = []
        func check(_ condition: Bool, _ what: @autoclosure () -> String) { if !condition { failures.append(what()) } }

        let identities =
            [(Principal(.read), Stack.readToken), (Principal(.admin), Stack.adminToken)]
            + ServiceTokens.services.map { ($0, ServiceTokens.token($0)) }
        for (principal, token) in identities {
            let person = principal.scope.isPerson
            for page in Self.pages {
                let response = try await stack.monitorRequest("GET", page, token: token)
                // A person may get 404 for an id that does not exist; never 401/403/5xx.
                let fine = person ? [200, 404].contains(response.status) : response.status == 403
                check(fine, "GET \(page) as \(principal): \(response.status)")
            }
            let action = try await stack.monitorRequest("POST", "/queues/SANDBOX/pause", token: token, form: [:])
            let paused = try await stack.redis.exists(StreamNames.paused(broker: "SANDBOX"))
            if principal.scope == .admin {
                check(action.status == 303 && paused, "POST /queues/SANDBOX/pause as admin: \(action.status), paused \(paused)")
                _ = try await stack.monitorRequest("POST", "/queues/SANDBOX/resume", token: token, form: [:])
            } else {
                check(action.status == 403 && !paused, "POST /queues/SANDBOX/pause as \(principal): \(action.status), paused \(paused)")
            }
            let events = try await EventStreamReader.read(url: url, path: "/events", token: token, for: .milliseconds(600))
            let status = events.split(separator: "\r\n").first.map(String.init) ?? ""
            check(status.hasPrefix(person ? "HTTP/1.1 200" : "HTTP/1.1 403"), "GET /events as \(principal): \(status)")

            let login = try await stack.monitorRequest("POST", "/login", form: ["token": token, "next": "/"])
            let cookie = login.header("Set-Cookie")
            if person {
                check(login.status == 303 && cookie?.hasPrefix("psync_session=") == true, "POST /login as \(principal): \(login.status)")
                let session = try await stack.monitorLogin(token: token)
                let out = try await stack.monitorRequest("POST", "/logout", cookie: session.cookie, form: ["csrf": session.csrf])
                let after = try await stack.monitorRequest("GET", "/", cookie: session.cookie)
                check(out.status == 303 && after.status == 303, "POST /logout as \(principal): \(out.status), then GET / \(after.status)")
            } else {
                check(login.status == 401 && cookie == nil, "POST /login with \(principal)'s token: \(login.status), cookie \(cookie ?? "none")")
                let out = try await stack.monitorRequest("POST", "/logout", token: token, form: [:])
                check(out.status == 303 && out.header("Location") == "/login", "POST /logout as \(principal): \(out.status)")
            }
        }
        for page in Self.pages {
            let response = try await stack.monitorRequest("GET", page)
            check(response.status == 303 && response.header("Location")?.hasPrefix("/login") == true, "GET \(page) anonymous: \(response.status)")
        }
        let anonymousEvents = try await EventStreamReader.read(url: url, path: "/events", for: .milliseconds(600))
        check(anonymousEvents.hasPrefix("HTTP/1.1 401"), "GET /events anonymous: \(anonymousEvents.prefix(40))")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        await stack.stop()
    }
}
