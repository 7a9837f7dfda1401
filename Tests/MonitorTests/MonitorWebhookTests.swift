import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

@Suite("Monitor: webhook pages, their forms, read-only viewers, and adding through psync-webhooks (or without it)")
struct MonitorWebhookTests {
    /// Two subscriptions stored as psync-webhooks stores them, each with a delivery that was attempted: `active` got a 500
    /// then a 200; `failing` got 503s for longer than the window and was disabled.
    static func seed(_ stack: Stack) async throws -> (active: WebhookSubscription, failing: WebhookSubscription, delivery: Int) {
        let webhooks = try stack.persistence(as: Principal(.webhooks))
        let admin = try stack.admin
        let user = try await admin.call(
            PersistenceAPI.createUser, CreateUser(email: "hooks-\(UUID().uuidString.prefix(6))@example.com", name: "Hook"))
        let portfolio = try await admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: user.id, name: "Main", baseCurrency: "INR"))
        let account = try await admin.call(PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio.id, brokerCode: "SANDBOX", label: "A"))
        func store(_ url: String) async throws -> WebhookSubscription {
            try await webhooks.call(
                PersistenceAPI.storeWebhook,
                StoreWebhook(url: url, eventTypes: [.holdingsChanged], portfolioID: nil, userID: nil, description: nil, sealedSecret: "sealed-xyz"))
        }
        let active = try await store("https://receiver.example.com/ok")
        let failing = try await store("https://down.example.org/<b>hook</b>")
        try await stack.database.execute(
            """
            INSERT INTO feed_events (type, version, account_id, portfolio_id, user_id, broker_code, data)
            VALUES ('holdings.changed', 1, \(account.id), \(portfolio.id), \(user.id), 'SANDBOX', '{}')
            """
        )
        func claim() async throws -> [ClaimedWebhookDelivery] {
            try await webhooks.call(PersistenceAPI.claimWebhookDeliveries, ClaimWebhookDeliveries(worker: "hooks-1", limit: 10, leaseSeconds: 30))
        }
        func record(_ claimed: ClaimedWebhookDelivery, _ status: Int, _ result: RecordWebhookAttempts.Outcome.Result, startedAt: Date = Date())
            async throws
        {
            let outcome = RecordWebhookAttempts.Outcome(
                deliveryID: claimed.deliveryID, attempt: claimed.attempt, startedAt: startedAt, durationMilliseconds: 41, statusCode: status,
                error: status >= 500 ? "HTTP \(status) from the receiver" : nil, result: result,
                nextAttemptAt: result == .retry ? Date().addingTimeInterval(-1) : nil)
            _ = try await webhooks.call(
                PersistenceAPI.recordWebhookAttempts, RecordWebhookAttempts(worker: "hooks-1", outcomes: [outcome], disableAfterSeconds: 3600))
        }
        let first = try await claim()
        #expect(first.count == 2)
        for claimed in first {
            // The failing one has failed for two hours (longer than the hour allowed): it is disabled at once.
            let startedAt = claimed.subscriptionID == active.id ? Date() : Date().addingTimeInterval(-7200)
            try await record(claimed, claimed.subscriptionID == active.id ? 500 : 503, .retry, startedAt: startedAt)
        }
        let second = try await claim()
        #expect(second.map(\.subscriptionID) == [active.id])
        for claimed in second { try await record(claimed, 200, .delivered) }
        let delivery = try #require(first.first { $0.subscriptionID == active.id }).deliveryID
        return (
            try await admin.call(PersistenceAPI.getWebhook, ByID(id: active.id)),
            try await admin.call(PersistenceAPI.getWebhook, ByID(id: failing.id)),
            delivery
        )
    }

    @Test("pages show subscriptions, the disabled one marked, deliveries and attempts; a read-only viewer sees no forms and gets 403")
    func pagesAndReadOnly() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        let (active, failing, delivery) = try await Self.seed(stack)
        #expect(active.status == .active && failing.status == .disabled && failing.disabledReason?.contains("HTTP 503") == true)

        let reader = try await stack.monitorLogin(token: Stack.readToken)
        let list = try await stack.monitorRequest("GET", "/webhooks", cookie: reader.cookie)
        #expect(
            list.status == 200 && list.text.contains("id=\"webhook-\(active.id)\"")
                && list.text.contains("id=\"webhook-\(failing.id)\" class=\"disabled\""))
        #expect(list.text.contains("data-webhook-state=\"\(failing.id)\">disabled<") && list.text.contains("every attempt failed since"))
        #expect(list.text.contains("https://down.example.org/&lt;b&gt;hook&lt;/b&gt;") && !list.text.contains("<b>hook</b>"))
        #expect(list.text.contains("href=\"/webhooks\"") && !list.text.contains("sealed-xyz"))
        #expect(
            try await stack.monitorRequest("GET", "/webhooks?status=disabled", cookie: reader.cookie).text.contains("id=\"webhook-\(failing.id)\""))
        #expect(try await stack.monitorRequest("GET", "/webhooks?status=bogus", cookie: reader.cookie).status == 400)

        let detail = try await stack.monitorRequest("GET", "/webhooks/\(active.id)", cookie: reader.cookie)
        #expect(detail.status == 200 && detail.text.contains("data-delivery=\"\(delivery)\"") && detail.text.contains("holdings.changed"))
        #expect(!detail.text.contains("method=\"post\" action=\"/webhooks"))
        let delivered = try await stack.monitorRequest("GET", "/webhooks/\(active.id)?status=failed", cookie: reader.cookie)
        #expect(!delivered.text.contains("data-delivery=\"\(delivery)\""))
        let attempts = try await stack.monitorRequest("GET", "/webhooks/deliveries/\(delivery)", cookie: reader.cookie)
        #expect(attempts.status == 200 && attempts.text.contains("data-status-code=\"500\"") && attempts.text.contains("data-status-code=\"200\""))
        #expect(attempts.text.contains("hooks-1") && attempts.text.contains("41 ms") && !attempts.text.contains("Redeliver"))
        #expect(try await stack.monitorRequest("GET", "/webhooks/deliveries/999999", cookie: reader.cookie).status == 404)

        let overview = try await stack.monitorRequest("GET", "/", cookie: reader.cookie)
        #expect(
            overview.text.contains("data-disabled-webhook=\"\(failing.id)\"") && !overview.text.contains("data-disabled-webhook=\"\(active.id)\""))

        for path in [
            "/webhooks/\(active.id)/disable", "/webhooks/\(failing.id)/enable", "/webhooks/\(active.id)/delete",
            "/webhooks/deliveries/\(delivery)/redeliver",
            "/webhooks/new", "/webhooks/\(active.id)/test",
        ] {
            let response = try await stack.monitorRequest("POST", path, cookie: reader.cookie, form: ["csrf": reader.csrf, "confirm": "yes"])
            #expect(response.status == 403, "\(path)")
        }
        #expect(try await stack.admin.call(PersistenceAPI.getWebhook, ByID(id: active.id)).status == .active)

        // A subscription disabled while a page is open: the event reaches /events, and pages refresh on it.
        #expect(list.text.contains("'deadletter','account','webhook'"))
        _ = try await stack.admin.call(PersistenceAPI.updateWebhook, UpdateWebhook(id: failing.id, status: .active))
        let webhooks = try stack.persistence(as: Principal(.webhooks))
        let claimed = try await webhooks.call(
            PersistenceAPI.claimWebhookDeliveries, ClaimWebhookDeliveries(worker: "hooks-2", limit: 10, leaseSeconds: 30))
        let stale = try #require(claimed.first { $0.subscriptionID == failing.id })
        async let stream = EventStreamReader.read(url: try stack.monitorURL, path: "/events", token: Stack.readToken, for: .seconds(3))
        try await Task.sleep(for: .milliseconds(800))  // let the stream open before something happens
        let outcome = RecordWebhookAttempts.Outcome(
            deliveryID: stale.deliveryID, attempt: stale.attempt, startedAt: Date().addingTimeInterval(-7200), durationMilliseconds: 9,
            statusCode: nil, error: "connection refused", result: .retry, nextAttemptAt: Date().addingTimeInterval(60))
        let recorded = try await webhooks.call(
            PersistenceAPI.recordWebhookAttempts, RecordWebhookAttempts(worker: "hooks-2", outcomes: [outcome], disableAfterSeconds: 3600))
        #expect(recorded.disabledSubscriptions == [failing.id])
        let received = try await stream
        #expect(received.contains("event: webhook") && received.contains("\"kind\":\"webhook.disabled\""), "\(received.prefix(600))")
        #expect(received.contains("webhook \(failing.id) (down.example.org) disabled: every attempt failed since"))
        await stack.stop()
    }

    @Test("an administrator disables, enables, redelivers and deletes, audited as the person; adding without PSYNC_WEBHOOKS_URL is a clear 503")
    func adminForms() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        let (active, failing, delivery) = try await Self.seed(stack)
        let admin = try await stack.monitorLogin(token: Stack.adminToken)
        let persistence = try stack.admin
        func post(_ path: String, _ form: [String: String] = [:]) async throws -> HTTPClientResponse {
            try await stack.monitorRequest("POST", path, cookie: admin.cookie, form: form.merging(["csrf": admin.csrf]) { new, _ in new })
        }

        let page = try await stack.monitorRequest("GET", "/webhooks/\(active.id)", cookie: admin.cookie)
        #expect(
            page.text.contains("action=\"/webhooks/\(active.id)/disable\"")
                && page.text.contains("action=\"/webhooks/deliveries/\(delivery)/redeliver\""))
        #expect(!page.text.contains("/test\"") && page.text.contains("id=\"webhooks-unconfigured\""), "send test needs psync-webhooks")

        let disabled = try await post("/webhooks/\(active.id)/disable")
        #expect(disabled.status == 303 && disabled.header("Location") == "/webhooks/\(active.id)?notice=disabled")
        #expect(try await persistence.call(PersistenceAPI.getWebhook, ByID(id: active.id)).status == .disabled)
        let enabled = try await post("/webhooks/\(failing.id)/enable")
        #expect(enabled.status == 303)
        let cleared = try await persistence.call(PersistenceAPI.getWebhook, ByID(id: failing.id))
        #expect(cleared.status == .active && cleared.failingSince == nil && cleared.disabledReason == nil)
        let redelivered = try await post("/webhooks/deliveries/\(delivery)/redeliver")
        #expect(redelivered.status == 303)
        #expect(try await persistence.call(PersistenceAPI.getWebhookDelivery, ByID(id: delivery)).delivery.status == .pending)

        let confirm = try await stack.monitorRequest("GET", "/webhooks/\(active.id)/delete", cookie: admin.cookie)
        #expect(confirm.status == 200 && confirm.text.contains("id=\"delete-form\""))
        #expect(try await post("/webhooks/\(active.id)/delete").header("Location") == "/webhooks/\(active.id)/delete")
        let deleted = try await post("/webhooks/\(active.id)/delete", ["confirm": "yes"])
        #expect(deleted.status == 303 && deleted.header("Location") == "/webhooks?notice=deleted")
        #expect(try await stack.monitorRequest("GET", "/webhooks/\(active.id)", cookie: admin.cookie).status == 404)

        let audit = try await persistence.call(PersistenceAPI.listAudit, ListAudit(entity: "webhook", actor: "monitor for admin"))
        #expect(Set(audit.items.map(\.action)) == ["disable", "enable", "redeliver", "delete"], "\(audit.items.map(\.action))")

        let form = try await stack.monitorRequest("GET", "/webhooks/new", cookie: admin.cookie)
        #expect(form.status == 503 && form.text.contains("psync-webhooks is not configured"))
        let add = try await post("/webhooks/new", ["url": "https://receiver.example.com/new", "eventTypes": "run.finished"])
        #expect(add.status == 503 && add.text.contains("PSYNC_WEBHOOKS_URL"))
        #expect(try await post("/webhooks/\(failing.id)/test").status == 503)
        #expect(try await persistence.call(PersistenceAPI.listWebhooks, ListWebhooks()).items.map(\.id) == [failing.id])
        await stack.stop()
    }

    @Test("with PSYNC_WEBHOOKS_URL the add form goes to psync-webhooks: the secret is shown once, a refusal by its field")
    func addThroughWebhooks() async throws {
        let stack = try await Stack.start()
        let secret = "whsec_" + String(repeating: "7e", count: 32)
        let now = Date()
        let subscription = WebhookSubscription(
            id: 41, url: "https://receiver.example.com/new", eventTypes: [.runFinished], portfolioID: nil, userID: nil, description: nil,
            status: .active, failingSince: nil, disabledAt: nil, disabledReason: nil, pending: 0, createdAt: now, updatedAt: now)
        let accepting = try RecordingServer(
            body: String(decoding: try JSONCoding.encode(WebhookAdded(subscription: subscription, secret: secret)), as: UTF8.self))
        defer { accepting.stop() }
        let monitor = try await stack.launch("psync-monitor", environment: ["PSYNC_WEBHOOKS_URL": accepting.baseURL])
        let admin = try await stack.monitorLogin(token: Stack.adminToken)
        let form = try await stack.monitorRequest("GET", "/webhooks/new", cookie: admin.cookie)
        #expect(form.status == 200 && form.text.contains("name=\"eventTypes\" value=\"run.finished\""))
        let added = try await stack.monitorRequest(
            "POST", "/webhooks/new", cookie: admin.cookie,
            form: ["csrf": admin.csrf, "url": "https://receiver.example.com/new", "eventTypes": "run.finished", "description": "ops"])
        #expect(added.status == 200 && added.text.contains("<pre id=\"webhook-secret\">\(secret)</pre>") && added.header("Location") == nil)
        let sent = try #require(accepting.requests.first)
        #expect(sent.hasPrefix("POST /v1/webhooks ") && sent.contains("\"run.finished\"") && sent.contains("\"description\":\"ops\""))
        #expect(sent.contains(ServiceTokens.token(Principal(.monitor))))
        let list = try await stack.monitorRequest("GET", "/webhooks", cookie: admin.cookie)
        #expect(list.text.contains("id=\"new-webhook\"") && !list.text.contains(secret))
        #expect(!monitor.child.output().contains(secret))
        await monitor.child.stop()

        let refusal = ErrorEnvelope(error: .unprocessable("url points at a private address (10.0.0.5), which the egress rules refuse", field: "url"))
        let refusing = try RecordingServer(status: 422, body: String(decoding: try JSONCoding.encode(refusal), as: UTF8.self))
        defer { refusing.stop() }
        try await stack.launch("psync-monitor", environment: ["PSYNC_WEBHOOKS_URL": refusing.baseURL])
        let again = try await stack.monitorLogin(token: Stack.adminToken)
        let refused = try await stack.monitorRequest(
            "POST", "/webhooks/new", cookie: again.cookie,
            form: ["csrf": again.csrf, "url": "http://10.0.0.5/hook", "eventTypes": "holdings.changed"])
        #expect(refused.status == 422 && refused.text.contains("data-field=\"url\""))
        #expect(refused.text.contains("which the egress rules refuse") && refused.text.contains("value=\"http://10.0.0.5/hook\""))
        let empty = try await stack.monitorRequest(
            "POST", "/webhooks/new", cookie: again.cookie, form: ["csrf": again.csrf, "url": "https://a.example"])
        #expect(empty.status == 422 && empty.text.contains("data-field=\"eventTypes\"") && refusing.requests.count == 1)
        await stack.stop()
    }
}
