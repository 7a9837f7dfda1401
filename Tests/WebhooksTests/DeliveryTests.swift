import Contracts
import Foundation
import RPC
import TestSupport
import Testing

/// psync-webhooks against a real receiver on loopback, with a real persistence and Postgres. Until persistence writes feed
/// events at commit, events are inserted into `feed_events` (its trigger plans the deliveries, as at commit).
@Suite("psync-webhooks: deliveries to a real receiver")
struct DeliveryTests {
    @Test("signatures verify (not with a changed body or another secret); 500 three times, then the same event arrives on attempt 4")
    func retriesUntilDelivered() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        try await stack.launchWebhooks()
        let added = try await stack.webhooks.call(
            WebhooksAPI.add, AddWebhook(url: receiver.url + "/hooks", eventTypes: [.accountReauthRequired, .holdingsChanged]))
        receiver.fail(first: 3)
        let eventID = try await stack.insertFeedEvent(.accountReauthRequired, accountID: 41)

        try await eventually(timeout: .seconds(20), "four attempts to reach the receiver") { receiver.received.count >= 4 }
        let requests = receiver.received
        #expect(requests.count == 4, "\(requests.map(\.path))")
        for (index, request) in requests.enumerated() {
            #expect(request.method == "POST" && request.path == "/hooks")
            #expect(request.header("Psync-Event-Id") == eventID && request.header("Psync-Event-Type") == "account.reauth_required")
            #expect(request.header("Psync-Delivery-Attempt") == "\(index + 1)")
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("User-Agent")?.hasPrefix("portfolio-sync-webhooks/") == true)
            let signature = try #require(request.header("Psync-Signature"))
            #expect(WebhookSignatureCheck.verify(header: signature, body: request.body, secret: added.secret))
            #expect(!WebhookSignatureCheck.verify(header: signature, body: request.body + Array(" ".utf8), secret: added.secret))
            #expect(!WebhookSignatureCheck.verify(header: signature, body: request.body, secret: "whsec_" + String(repeating: "0", count: 64)))
        }
        #expect(Set(requests.map(\.body)).count == 1, "every attempt carries the same body")
        #expect(Set(requests.map { $0.header("Psync-Delivery-Id") }).count == 1)
        let event = try JSONCoding.decode(FeedEvent.self, from: requests[0].body)
        #expect(event.id == eventID && event.type == .accountReauthRequired && event.accountID == 41)

        let deliveryID = try #require(Int(requests[0].header("Psync-Delivery-Id") ?? ""))
        var detail: WebhookDeliveryDetail?
        try await eventually(timeout: .seconds(10), "the delivery to be recorded as delivered") {
            detail = try await stack.admin.call(PersistenceAPI.getWebhookDelivery, ByID(id: deliveryID))
            return detail?.delivery.status == .delivered
        }
        let attempts = try #require(detail).attempts
        #expect(attempts.map(\.attempt) == [1, 2, 3, 4])
        #expect(attempts.map(\.statusCode) == [500, 500, 500, 200])
        #expect(attempts.prefix(3).allSatisfy { $0.error?.contains("the receiver answered 500") == true } && attempts[3].error == nil)
        #expect(attempts.allSatisfy { $0.durationMilliseconds >= 0 && $0.durationMilliseconds < 2000 })
        #expect(try #require(detail).delivery.attempts == 4 && detail?.delivery.eventID == eventID)
        await stack.stop()
    }

    @Test("two events about one account arrive in order though the first needs retries; another account's is not held up")
    func orderPerAccount() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        // Slow retries, so the second event clearly waits behind the first while the other account's goes through.
        try await stack.launchWebhooks(environment: ["PSYNC_WEBHOOKS_RETRY_BASE": "1s", "PSYNC_WEBHOOKS_RETRY_MAX": "1s"])
        _ = try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: receiver.url, eventTypes: [.accountReauthRequired]))
        // The first two requests about account 7 (its first event, which is sent before its second) get 500.
        let seen = Tally()
        receiver.respond { request, _ in
            guard (try? JSONCoding.decode(FeedEvent.self, from: request.body))?.accountID == 7 else { return .status(200) }
            return seen.next() <= 2 ? .status(500) : .status(200)
        }
        let first = try await stack.insertFeedEvent(accountID: 7)
        let second = try await stack.insertFeedEvent(accountID: 7)
        let other = try await stack.insertFeedEvent(accountID: 8)

        try await eventually(timeout: .seconds(30), "both of account 7's events and account 8's to arrive") {
            let ids = receiver.received.filter { $0.header("Psync-Delivery-Attempt") != nil }.map { $0.header("Psync-Event-Id") }
            return ids.contains(second) && ids.contains(other)
        }
        let arrivals = receiver.received.map { ($0.header("Psync-Event-Id") ?? "", $0.arrivedAt) }
        let firstDelivered = try #require(arrivals.filter { $0.0 == first }.last)
        let secondArrived = try #require(arrivals.first { $0.0 == second })
        let otherArrived = try #require(arrivals.first { $0.0 == other })
        #expect(arrivals.filter { $0.0 == first }.count == 3)
        #expect(secondArrived.1 >= firstDelivered.1, "account 7's second event arrived before its first was delivered")
        #expect(otherArrived.1 < firstDelivered.1, "account 8's event waited for account 7's retries")
        await stack.stop()
    }

    @Test("a receiver down for longer than the retry window: the delivery fails, and failing on, the subscription is disabled with a reason")
    func disabledAfterTheWindow() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        receiver.stop()  // nobody listens on its port any more
        try await stack.launchWebhooks(environment: ["PSYNC_WEBHOOKS_RETRY_WINDOW": "2s", "PSYNC_WEBHOOKS_DISABLE_AFTER": "3s"])
        let added = try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: receiver.url + "/down", eventTypes: [.accountReauthRequired]))
        let id = added.subscription.id
        try await stack.insertFeedEvent(accountID: 5)

        var deliveries: [WebhookDelivery] = []
        try await eventually(timeout: .seconds(20), "the delivery to fail for good once the 2 s window has passed") {
            deliveries = try await stack.admin.call(PersistenceAPI.listWebhookDeliveries, ListWebhookDeliveries(id: id)).items
            return deliveries.first?.status == .failed
        }
        let failed = try #require(deliveries.first)
        #expect(failed.attempts >= 2 && failed.lastStatusCode == nil && failed.lastError?.contains("cannot connect") == true, "\(failed)")
        if let first = failed.firstAttemptAt, let last = failed.lastAttemptAt { #expect(last.timeIntervalSince(first) <= 2.5) }
        #expect(try await stack.admin.call(PersistenceAPI.getWebhook, ByID(id: id)).failingSince != nil)

        // Still down: the next event's attempts fail too, and 3 s after the first failure the subscription is disabled.
        try await stack.insertFeedEvent(accountID: 6)
        var subscription: WebhookSubscription?
        try await eventually(timeout: .seconds(20), "the subscription to be disabled") {
            subscription = try await stack.admin.call(PersistenceAPI.getWebhook, ByID(id: id))
            return subscription?.status == .disabled
        }
        #expect(subscription?.disabledAt != nil && subscription?.disabledReason?.isEmpty == false, "\(String(describing: subscription))")
        await stack.stop()
    }

    @Test("a redirect is not followed and fails the attempt; a huge answer is cut off; proxy settings in the environment are ignored")
    func hostileAnswers() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        let elsewhere = try WebhookReceiver()
        let proxy = try WebhookReceiver()
        defer { [receiver, elsewhere, proxy].forEach { $0.stop() } }
        // The proxy variables name a recorder; persistence is reached as localhost, which no_proxy exempts, so only the
        // webhook client's own setting keeps deliveries to 127.0.0.1 off the proxy.
        let persistence = try #require(stack.first("psync-persistence")).baseURL.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        try await stack.launchWebhooks(environment: [
            "http_proxy": proxy.url, "https_proxy": proxy.url, "ALL_PROXY": proxy.url, "no_proxy": "localhost", "PSYNC_PERSISTENCE_URL": persistence,
            "PSYNC_WEBHOOKS_RETRY_WINDOW": "1s",
        ])
        receiver.respond { request, _ in
            request.path == "/redirect" ? .redirect(elsewhere.url + "/target") : (request.path == "/huge" ? .huge(bytes: 8 << 20) : .status(204))
        }
        for path in ["/redirect", "/huge", "/fine"] {
            _ = try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: receiver.url + path, eventTypes: [.accountReauthRequired]))
        }
        try await stack.insertFeedEvent(accountID: 3)

        var deliveries: [String: WebhookDelivery] = [:]
        try await eventually(timeout: .seconds(30), "all three deliveries to end") {
            let subscriptions = try await stack.admin.call(PersistenceAPI.listWebhooks, ListWebhooks()).items
            for subscription in subscriptions {
                let items = try await stack.admin.call(PersistenceAPI.listWebhookDeliveries, ListWebhookDeliveries(id: subscription.id)).items
                if let delivery = items.first { deliveries[subscription.url] = delivery }
            }
            return deliveries.count == 3 && deliveries.values.allSatisfy { $0.status != .pending }
        }
        let redirect = try #require(deliveries[receiver.url + "/redirect"])
        #expect(redirect.status == .failed && redirect.lastStatusCode == 302, "\(redirect)")
        #expect(redirect.lastError?.contains("redirects are not followed") == true, "\(redirect)")
        #expect(elsewhere.received.count == 0, "the redirect was followed")
        let huge = try #require(deliveries[receiver.url + "/huge"])
        #expect(huge.status == .failed && huge.lastError?.contains("larger than 16 KiB") == true, "\(huge)")
        #expect(try #require(deliveries[receiver.url + "/fine"]).status == .delivered)
        #expect(proxy.received.count == 0, "a request went through the proxy the environment names")
        #expect(stack.first("psync-webhooks")?.child.isRunning == true)
        await stack.stop()
    }
}
