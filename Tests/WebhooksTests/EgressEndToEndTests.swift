import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

@Suite("psync-webhooks: egress rules at save and at delivery, the test request, secrets kept")
struct EgressEndToEndTests {
    @Test(
        "refused addresses get 422 on url when saved; a URL saved while allowed is refused at delivery after a restart without the allowance"
    )
    func refusedAtSaveAndAtDelivery() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let allowing = try await stack.launchWebhooks()
        let added = try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: receiver.url + "/in", eventTypes: [.accountReauthRequired]))
        #expect(added.subscription.url == receiver.url + "/in" && added.subscription.status == .active)
        // The audit names the person psync-webhooks stored it for.
        let actor = try await stack.database.query(
            "SELECT actor FROM audit_log WHERE entity ILIKE '%webhook%' OR action ILIKE '%webhook%' ORDER BY id LIMIT 1"
        ).scalar(String.self)
        #expect(actor == "webhooks for admin")

        // The test request: signed, through the same rules, not stored.
        let tested = try await stack.webhooks.call(WebhooksAPI.test, ByID(id: added.subscription.id))
        #expect(tested.delivered && tested.statusCode == 200 && tested.error == nil, "\(tested)")
        let test = try #require(receiver.received.last)
        #expect(test.header("Psync-Event-Type") == "webhook.test")
        #expect(WebhookSignatureCheck.verify(header: test.header("Psync-Signature") ?? "", body: test.body, secret: added.secret))
        let testBody = try JSONCoding.decode(JSONValue.self, from: test.body)
        #expect(testBody["type"] == .string("webhook.test") && testBody["id"] == test.header("Psync-Event-Id").map(JSONValue.string))
        #expect(try await stack.count("SELECT count(*)::int FROM webhook_deliveries") == 0)

        _ = await allowing.child.stop()
        try await stack.launchWebhooks(environment: ["PSYNC_WEBHOOKS_ALLOWED_NETWORKS": ""])
        let strict = try await stack.launchWebhooks(environment: ["PSYNC_WEBHOOKS_ALLOWED_NETWORKS": "", "PSYNC_WEBHOOKS_ALLOW_HTTP": ""])
        let refusals = [
            ("http://127.0.0.1:\(receiver.port)/", "refused: 127.0.0.1 is a loopback address"),
            ("https://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local address"),
            ("https://10.0.0.1/hook", "refused: 10.0.0.1 is a private address"),
            ("https://[::ffff:127.0.0.1]/hook", "refused: ::ffff:127.0.0.1 is a loopback address"),
            ("http://localhost:\(receiver.port)/", "refused: localhost resolves to"),
            // Numeric forms that are not dotted quads still resolve (inet_aton) to where they point, and are judged by that.
            ("https://2130706433/hook", "refused: 2130706433 resolves to 127.0.0.1, a loopback address"),
            ("https://0x7f.1/hook", "refused: 0x7f.1 resolves to 127.0.0.1, a loopback address"),
            ("https://user:secret@hooks.example.com/", "refused: the URL must not hold a user name or password"),
        ]
        for (url, message) in refusals {
            let error = await #expect(throws: RPCError.self) {
                try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: url, eventTypes: [.accountReauthRequired]))
            }
            #expect(
                error?.status == 422 && error?.message.hasPrefix(message) == true && error?.details?["field"] == .string("url"),
                "\(url): \(String(describing: error))")
        }
        let strictClient = RPCClient(baseURL: strict.baseURL, token: Stack.adminToken, client: stack.http)
        let http = await #expect(throws: RPCError.self) {
            try await strictClient.call(WebhooksAPI.add, AddWebhook(url: "http://hooks.example.com/", eventTypes: [.accountReauthRequired]))
        }
        #expect(http?.status == 422 && http?.message == "refused: plain http is not allowed; use https", "\(String(describing: http))")
        _ = await strict.child.stop()
        for (types, message) in [([FeedEventType](), "give at least one event type"), ([.runFinished, .runFinished], "listed twice")] {
            let error = await #expect(throws: RPCError.self) {
                try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: "https://hooks.example.com/", eventTypes: types))
            }
            #expect(error?.status == 422 && error?.message.contains(message) == true && error?.details?["field"] == .string("eventTypes"))
        }
        let before = receiver.received.count
        try await stack.insertFeedEvent(accountID: 9)
        var delivery: WebhookDelivery?
        try await eventually(timeout: .seconds(15), "an attempt refused by the egress rules") {
            delivery = try await stack.admin.call(PersistenceAPI.listWebhookDeliveries, ListWebhookDeliveries(id: added.subscription.id)).items.first
            return delivery?.lastError != nil
        }
        #expect(
            delivery?.lastError == "refused: 127.0.0.1 is a loopback address" && delivery?.lastStatusCode == nil, "\(String(describing: delivery))")
        #expect(receiver.received.count == before, "a refused delivery reached the receiver")

        // The secret: shown by add once, and nowhere else, not in a log line nor an answer.
        let answers = [
            try JSONCoding.encode(try await stack.admin.call(PersistenceAPI.getWebhook, ByID(id: added.subscription.id))),
            try JSONCoding.encode(try await stack.admin.call(PersistenceAPI.listWebhooks, ListWebhooks())),
            try JSONCoding.encode(try await stack.admin.call(PersistenceAPI.listWebhookDeliveries, ListWebhookDeliveries(id: added.subscription.id))),
            try JSONCoding.encode(try await stack.webhooks.call(WebhooksAPI.test, ByID(id: added.subscription.id))),
        ]
        for answer in answers { #expect(!String(decoding: answer, as: UTF8.self).contains(added.secret)) }
        let sealed = try await stack.persistence(as: Principal(.webhooks)).call(PersistenceAPI.webhookSecret, ByID(id: added.subscription.id))
        #expect(!sealed.sealedSecret.contains(added.secret) && !sealed.sealedSecret.contains(String(added.secret.dropFirst(6))))
        await #expect(throws: RPCError.self) { try await stack.admin.call(PersistenceAPI.webhookSecret, ByID(id: added.subscription.id)) }
        let stored = try await stack.database.query(
            "SELECT (SELECT string_agg(secret_sealed, ' ') FROM webhook_subscriptions) || (SELECT string_agg(coalesce(after::text, ''), ' ') FROM audit_log)"
        ).scalar(String.self)
        #expect(!stored.contains(String(added.secret.dropFirst(6))))
        let processes = stack.running("psync-webhooks") + stack.running("psync-persistence") + [allowing, strict]
        for process in processes { #expect(!process.child.output().contains(String(added.secret.dropFirst(6))), "\(process.child.name)") }
        await stack.stop()
    }
}
