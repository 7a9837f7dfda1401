public import ArgumentParser
public import Contracts
import Foundation

// Event types and statuses as command-line values (`--event holdings.changed`, `--status failed`).
extension FeedEventType: ExpressibleByArgument {}
extension WebhookDelivery.Status: ExpressibleByArgument {}

/// `psync webhooks add|list|remove|test|deliveries|delivery|redeliver|enable|disable`.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Webhook subscriptions: add (asks psync-webhooks), list, test, remove, enable, disable; their deliveries and redelivery.",
        discussion: """
            Examples:
              psync webhooks add --url https://hooks.example.com/psync --event holdings.changed --event account.reauth_required
              psync webhooks deliveries 3 --status failed
              psync webhooks delivery 812
              psync webhooks redeliver 812
            """,
        subcommands: [Add.self, List.self, Remove.self, Test.self, Deliveries.self, Delivery.self, Redeliver.self, Enable.self, Disable.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a subscription; prints its signing secret once.",
            discussion: "Example: psync webhooks add --url https://hooks.example.com/psync --event holdings.changed --portfolio 7")
        @Option(help: "Where to send events: https (http only where psync-webhooks allows it).") var url: String
        @Option(
            name: .customLong("event"),
            help: "An event type to send (repeat for more): \(FeedEventType.allCases.map(\.rawValue).joined(separator: ", ")).")
        var events: [FeedEventType] = []
        @Option(help: "Only events about this portfolio's accounts.") var portfolio: Int?
        @Option(help: "Only events about this user's accounts.") var user: Int?
        @Option(help: "A note for people (at most 500 characters).") var description: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            guard !events.isEmpty else { throw CLIError("say which events to send: --event holdings.changed (repeat for more)") }
            let request = AddWebhook(url: url, eventTypes: events, portfolioID: portfolio, userID: user, description: description)
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.webhooks.call(WebhooksAPI.add, request)) { added in
                    WebhooksCommand.render(added.subscription)
                        + "\nsecret: \(added.secret)\n"
                        + "Keep it now: it signs every delivery (Psync-Signature) and will not be shown again.\n"
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions, newest first.", discussion: "Example: psync webhooks list")
        @Option(help: "Only active or disabled ones.") var status: String?
        @Option(help: "At most this many.") var limit = 200
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let status = try status.map { text in
                guard let status = WebhookSubscription.Status(rawValue: text) else {
                    throw CLIError("--status must be active or disabled, got '\(text)'")
                }
                return status
            }
            try await AdminSession.run(connection) { session in
                let page = try await Paging.collect(limit: limit) { cursor, size in
                    try await session.persistence.call(PersistenceAPI.listWebhooks, ListWebhooks(status: status, cursor: cursor, limit: size))
                }
                try Console.emit(page) { page in
                    var table = Table([
                        .init("ID", numeric: true), .init("URL"), .init("EVENTS"), .init("FILTER"), .init("STATUS"), .init("PENDING", numeric: true),
                        .init("FAILING SINCE"),
                    ])
                    for subscription in page.items {
                        table.append([
                            "\(subscription.id)", Format.clipped(subscription.url, 60),
                            subscription.eventTypes.map(\.rawValue).joined(separator: ","),
                            WebhooksCommand.filter(subscription), subscription.status.rawValue, "\(subscription.pending)",
                            Format.time(subscription.failingSince),
                        ])
                    }
                    return table.render(empty: "no webhook subscriptions") + Paging.footer(page)
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a subscription and its delivery log.", discussion: "Example: psync webhooks remove 3")
        @Argument(help: "The subscription's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.deleteWebhook, ByID(id: id))) { "webhook \($0.id) removed" }
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a signed webhook.test request to a subscription's URL now (asks psync-webhooks).",
            discussion: "Example: psync webhooks test 3")
        @Argument(help: "The subscription's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.webhooks.call(WebhooksAPI.test, ByID(id: id))) { result in
                    let status = result.statusCode.map { "HTTP \($0)" } ?? "no answer"
                    return (result.delivered ? "delivered: " : "not delivered: ") + "\(status) in \(result.durationMilliseconds) ms"
                        + (result.error.map { "\n\($0)" } ?? "")
                }
            }
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A subscription's deliveries, newest first.", discussion: "Example: psync webhooks deliveries 3 --status failed")
        @Argument(help: "The subscription's id.") var id: Int
        @Option(help: "Only pending, delivered or failed ones.") var status: WebhookDelivery.Status?
        @Option(help: "At most this many.") var limit = 50
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                let page = try await Paging.collect(limit: limit) { cursor, size in
                    try await session.persistence.call(
                        PersistenceAPI.listWebhookDeliveries, ListWebhookDeliveries(id: id, status: status, cursor: cursor, limit: size))
                }
                try Console.emit(page) { page in
                    var table = Table([
                        .init("ID", numeric: true), .init("EVENT"), .init("TYPE"), .init("ACCOUNT", numeric: true), .init("STATUS"),
                        .init("ATTEMPTS", numeric: true), .init("LAST"), .init("NEXT ATTEMPT"), .init("ERROR"),
                    ])
                    for delivery in page.items {
                        table.append([
                            "\(delivery.id)", delivery.eventID, delivery.eventType.rawValue, delivery.accountID.map(String.init) ?? "-",
                            delivery.status.rawValue, "\(delivery.attempts)", delivery.lastStatusCode.map(String.init) ?? "-",
                            delivery.status == .pending ? Format.timeWithDistance(delivery.nextAttemptAt) : "-",
                            Format.clipped(delivery.lastError, 60),
                        ])
                    }
                    return table.render(empty: "no deliveries") + Paging.footer(page)
                }
            }
        }
    }

    struct Delivery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One delivery with every attempt: status codes, timings, errors.", discussion: "Example: psync webhooks delivery 812")
        @Argument(help: "The delivery's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.getWebhookDelivery, ByID(id: id))) { detail in
                    let delivery = detail.delivery
                    var details = Details()
                    details.add("delivery", "\(delivery.id) to webhook \(delivery.subscriptionID)")
                    details.add("event", "\(delivery.eventID) \(delivery.eventType.rawValue) (#\(delivery.eventSequence))")
                    details.add("account", delivery.accountID.map(String.init) ?? "-")
                    details.add("status", delivery.status.rawValue + (delivery.deliveredAt.map { " at \(Format.time($0))" } ?? ""))
                    if delivery.status == .pending { details.add("next attempt", Format.timeWithDistance(delivery.nextAttemptAt)) }
                    var table = Table([
                        .init("ATTEMPT", numeric: true), .init("STARTED"), .init("MS", numeric: true), .init("STATUS"), .init("ERROR"),
                    ])
                    for attempt in detail.attempts {
                        table.append([
                            "\(attempt.attempt)", Format.time(attempt.startedAt), "\(attempt.durationMilliseconds)",
                            attempt.statusCode.map(String.init) ?? "-", Format.clipped(attempt.error, 100),
                        ])
                    }
                    return details.render() + "\n" + table.render(empty: "no attempts yet")
                }
            }
        }
    }

    struct Redeliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a delivery again now, with the same event id, whatever its state.", discussion: "Example: psync webhooks redeliver 812")
        @Argument(help: "The delivery's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.persistence.call(PersistenceAPI.redeliverWebhook, ByID(id: id))) { delivery in
                    "delivery \(delivery.id) (event \(delivery.eventID)) will be sent again"
                }
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-enable a subscription (its failure streak starts afresh).", discussion: "Example: psync webhooks enable 3")
        @Argument(help: "The subscription's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await WebhooksCommand.setStatus(id, .active, connection)
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop sending to a subscription; events meanwhile are not queued for it.", discussion: "Example: psync webhooks disable 3")
        @Argument(help: "The subscription's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await WebhooksCommand.setStatus(id, .disabled, connection)
        }
    }

    static func setStatus(_ id: Int, _ status: WebhookSubscription.Status, _ connection: ConnectionOptions) async throws {
        try await AdminSession.run(connection) { session in
            try Console.emit(try await session.persistence.call(PersistenceAPI.updateWebhook, UpdateWebhook(id: id, status: status)), render)
        }
    }

    static func render(_ subscription: WebhookSubscription) -> String {
        var details = Details()
        details.add("webhook", "\(subscription.id)")
        details.add("url", subscription.url)
        details.add("events", subscription.eventTypes.map(\.rawValue).joined(separator: ", "))
        details.add("filter", filter(subscription))
        details.add("status", subscription.status.rawValue + (subscription.disabledReason.map { " (\($0))" } ?? ""))
        if let description = subscription.description { details.add("description", description) }
        return details.render()
    }

    static func filter(_ subscription: WebhookSubscription) -> String {
        let parts = [subscription.portfolioID.map { "portfolio \($0)" }, subscription.userID.map { "user \($0)" }].compactMap { $0 }
        return parts.isEmpty ? "all" : parts.joined(separator: ", ")
    }
}
