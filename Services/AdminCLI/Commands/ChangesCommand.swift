import ArgumentParser
import Contracts
import Foundation

/// `psync changes`: the change feed, oldest first: what changed in holdings and which transactions arrived.
struct ChangesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "Show the change feed: positions opened, closed or changed, transactions added (oldest first).",
        discussion: """
            Every event also goes to webhook subscriptions (psync webhooks). Page on with --after and the last SEQ shown.
            Examples:
              psync changes --account 12 --since "2026-12-01 09:00"
              psync changes --portfolio 3 --type account.reauth_required --type account.reauth_soon
              psync changes --all-types --after 1200 --json
            """)
    @Option(help: "Only events about this account.") var account: Int?
    @Option(help: "Only events about this portfolio's accounts.") var portfolio: Int?
    @Option(help: "Events committed at or after this time (ISO 8601, or a local time such as \"2026-12-01 09:00\").") var since: String?
    @Option(help: "Events after this sequence number.") var after: Int?
    @Option(
        name: .customLong("type"),
        help:
            "Only this event type (repeatable): \(FeedEventType.allCases.map(\.rawValue).joined(separator: ", ")). Default: holdings and transactions."
    )
    var types: [String] = []
    @Flag(help: "Every event type.") var allTypes = false
    @Option(help: "At most this many events (1 to 1,000).") var limit = 100
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var selected: [FeedEventType]? = [.holdingsChanged, .transactionsAdded]
        if allTypes {
            selected = nil
        } else if !types.isEmpty {
            selected = try types.map { name in
                guard let type = FeedEventType(rawValue: name) else {
                    throw ValidationError(
                        "--type \(name) is not an event type; use one of \(FeedEventType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return type
            }
        }
        let request = ListFeedEvents(
            accountID: account, portfolioID: portfolio, types: selected,
            since: try since.map { try DeadLetterFilterOptions.time($0, option: "--since") },
            after: after, limit: limit)
        try await AdminSession.run(connection) { session in
            let page = try await session.persistence.call(PersistenceAPI.feed, request)
            try Console.emit(page) { page in
                guard !page.events.isEmpty else { return "no changes\n" }
                var lines: [String] = []
                for event in page.events {
                    let subject = event.accountID.map { "account \($0)" } ?? event.runID.map { "run \($0)" } ?? "-"
                    lines.append("#\(event.sequence)  \(Format.time(event.createdAt))  \(event.type.rawValue)  \(subject)  \(event.brokerCode ?? "")")
                    lines += Self.details(of: event).map { "    " + $0 }
                }
                return lines.joined(separator: "\n") + "\nnext: --after \(page.nextAfter ?? 0)\n"
            }
        }
    }

    /// The lines under an event's heading: one per position or transaction.
    static func details(of event: FeedEvent) -> [String] {
        switch event.type {
        case .holdingsChanged:
            guard let changed = try? event.payload(HoldingsChanged.self) else { return ["(a newer version of this event; see --json)"] }
            return changed.changes.map { change in
                let name = [change.symbol, change.exchange, change.lot?.rawValue].compactMap { $0 }.joined(separator: " ")
                let quantity = "\(Format.decimal(change.before?.quantity ?? 0)) → \(Format.decimal(change.after?.quantity ?? 0))"
                var parts = ["\(change.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(name)", "qty \(quantity)"]
                if let split = change.after?.split ?? change.before?.split {
                    parts.append(
                        "free \(Format.decimal(split.free)), t+1 \(Format.decimal(split.unsettled)), pledged \(Format.decimal(split.pledged))")
                }
                if let before = change.before, let after = change.after, before.averagePrice != after.averagePrice {
                    parts.append("avg \(Format.decimal(before.averagePrice)) → \(Format.decimal(after.averagePrice)) \(change.currency)")
                }
                return parts.joined(separator: "  ")
            } + ["\(changed.unchanged) unchanged"]
        case .transactionsAdded:
            guard let added = try? event.payload(TransactionsAdded.self) else { return ["(a newer version of this event; see --json)"] }
            return added.transactions.map { transaction in
                [
                    Format.time(transaction.occurredAt), transaction.kind.rawValue, transaction.symbol ?? "",
                    transaction.quantity.map { "\(Format.decimal($0)) @ \(Format.decimal(transaction.price))" } ?? "",
                    transaction.amount.map { Format.money($0, transaction.currency) } ?? "",
                ].filter { !$0.isEmpty }.joined(separator: "  ")
            }
        case .accountReauthRequired:
            return [(try? event.payload(AccountReauthRequired.self))?.message ?? "the broker refused the login"]
        case .accountReauthSoon:
            guard let soon = try? event.payload(AccountReauthSoon.self) else { return [] }
            return ["login ends \(Format.time(soon.expiresAt)), before schedule \(soon.scheduleID) runs at \(Format.time(soon.nextRunAt))"]
        case .runFinished:
            guard let finished = try? event.payload(RunFinished.self) else { return [] }
            let counts = finished.counts
            return ["\(counts.succeeded) succeeded, \(counts.failed) failed, \(counts.dead) dead, \(counts.cancelled) cancelled of \(counts.total)"]
        }
    }
}
