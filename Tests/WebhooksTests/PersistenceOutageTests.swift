import Contracts
import Foundation
import RPC
import TestSupport
import Testing

@Suite("psync-webhooks: persistence unavailable")
struct PersistenceOutageTests {
    @Test("an attempt made while persistence is down is kept and recorded once it is back; the subscription is not charged")
    func outageIsNotCharged() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let webhooks = try await stack.launchWebhooks(environment: ["PSYNC_WEBHOOKS_TIMEOUT": "10s"])
        let added = try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: receiver.url, eventTypes: [.accountReauthRequired]))
        receiver.respond { _, _ in .slow(.seconds(2)) }
        try await stack.insertFeedEvent(accountID: 21)
        try await eventually(timeout: .seconds(10), "the request to reach the receiver") { receiver.received.count == 1 }

        // Persistence goes away while the receiver takes its time, so the attempt cannot be recorded when it ends.
        let persistence = try #require(stack.first("psync-persistence"))
        let port = try #require(persistence.baseURL.split(separator: ":").last.map(String.init))
        func complaints() -> Int { webhooks.child.output().components(separatedBy: "psync-persistence is unavailable").count }
        let before = complaints()
        _ = await persistence.child.stop()
        try await eventually(timeout: .seconds(15), "psync-webhooks to notice persistence is unavailable") { complaints() > before }
        // The answer arrives while persistence is away: the attempt's outcome cannot be written, and is kept.
        try await eventually(timeout: .seconds(10), "the receiver to answer") { receiver.slowAnswersSent == 1 }
        let answered = complaints()
        try await eventually(timeout: .seconds(15), "psync-webhooks to fail to record the attempt") { complaints() > answered }
        try await stack.launch("psync-persistence", environment: ["PSYNC_HTTP_PORT": port])

        var detail: WebhookDeliveryDetail?
        try await eventually(timeout: .seconds(20), "the kept attempt to be recorded") {
            let delivery = try await stack.admin.call(PersistenceAPI.listWebhookDeliveries, ListWebhookDeliveries(id: added.subscription.id)).items
                .first
            guard let delivery else { return false }
            detail = try await stack.admin.call(PersistenceAPI.getWebhookDelivery, ByID(id: delivery.id))
            return detail?.delivery.status == .delivered
        }
        #expect(detail?.attempts.map(\.statusCode) == [200], "\(String(describing: detail))")
        #expect(receiver.received.count == 1, "the delivery was sent again")
        let subscription = try await stack.admin.call(PersistenceAPI.getWebhook, ByID(id: added.subscription.id))
        #expect(subscription.status == .active && subscription.failingSince == nil)
        await stack.stop()
    }
}
