import Contracts
import Foundation
import TestSupport
import Testing

@Suite("psync: webhooks")
struct WebhooksCommandTests {
    @Test("add prints the secret once; list, test, deliveries, a delivery's attempts, redeliver, disable, enable, remove; a refused URL")
    func webhooks() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let webhooks = try await stack.launchWebhooks()
        let cli = try CLI(stack, ["PSYNC_WEBHOOKS_URL": webhooks.baseURL])

        let added = try await cli.run(
            "webhooks", "add", "--url", receiver.url + "/cli", "--event", "account.reauth_required", "--event", "holdings.changed", "--description",
            "from the CLI")
        #expect(added.status == 0 && added.stdout.contains("will not be shown again") && added.stdout.contains("from the CLI"), "\(added)")
        let secret = try #require(added.stdout.split(separator: "\n").first { $0.hasPrefix("secret: ") }.map { String($0.dropFirst(8)) })
        #expect(secret.hasPrefix("whsec_") && secret.count == 70)
        let id = try #require(try await cli.json("webhooks", "list")["items"][0]["id"].int)

        let list = try await cli.run("webhooks", "list")
        #expect(list.status == 0 && list.stdout.contains(receiver.url + "/cli") && list.stdout.contains("account.reauth_required,holdings.changed"))
        #expect(!list.stdout.contains(secret))

        let test = try await cli.run("webhooks", "test", "\(id)")
        #expect(test.status == 0 && test.stdout.hasPrefix("delivered: HTTP 200 in "), "\(test)")
        #expect(receiver.received.last?.header("Psync-Event-Type") == "webhook.test")

        let eventID = try await stack.insertFeedEvent(accountID: 12)
        var deliveryID: Int?
        try await eventually(timeout: .seconds(15), "the event to be delivered") {
            let page = try await cli.json("webhooks", "deliveries", "\(id)", "--status", "delivered")
            deliveryID = page["items"][0]["id"].int
            return deliveryID != nil
        }
        let deliveries = try await cli.run("webhooks", "deliveries", "\(id)")
        #expect(deliveries.status == 0 && deliveries.stdout.contains(eventID) && deliveries.stdout.contains("delivered"), "\(deliveries)")
        let detail = try await cli.run("webhooks", "delivery", "\(deliveryID!)")
        #expect(
            detail.status == 0 && detail.stdout.contains("ATTEMPT") && detail.stdout.contains("200") && detail.stdout.contains(eventID), "\(detail)")

        let redelivered = try await cli.run("webhooks", "redeliver", "\(deliveryID!)")
        #expect(redelivered.status == 0 && redelivered.stdout.contains("will be sent again"), "\(redelivered)")
        try await eventually(timeout: .seconds(15), "the redelivery to arrive with the same event id") {
            receiver.received.filter { $0.header("Psync-Event-Id") == eventID }.count == 2
        }

        #expect(try await cli.json("webhooks", "disable", "\(id)")["status"].string == "disabled")
        #expect(try await cli.json("webhooks", "enable", "\(id)")["status"].string == "active")
        let refused = try await cli.run("webhooks", "add", "--url", "https://169.254.169.254/latest", "--event", "run.finished")
        #expect(refused.status == 1 && refused.stderr.contains("refused: 169.254.169.254 is a link-local address"), "\(refused)")
        let noEvents = try await cli.run("webhooks", "add", "--url", receiver.url)
        #expect(noEvents.status == 1 && noEvents.stderr.contains("--event"), "\(noEvents)")
        let removed = try await cli.run("webhooks", "remove", "\(id)")
        #expect(removed.status == 0 && removed.stdout == "webhook \(id) removed\n", "\(removed)")
        #expect(try await cli.json("webhooks", "list")["items"].array.isEmpty)
        await stack.stop()
    }
}
