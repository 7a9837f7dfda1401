import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@Suite("Webhook store: subscriptions, claims in order per account, attempts, disabling, redelivery, retention")
struct WebhookStoreTests {
    static let secret = "sealed-box-0f3c9d2e7a41-not-a-real-secret"

    /// An event written as persistence writes one (the trigger plans its deliveries); returns its sequence number.
    @discardableResult
    static func event(_ fixture: PersistenceFixture, account: BrokerAccount, type: FeedEventType = .holdingsChanged) async throws -> Int {
        try await fixture.database.query(
            """
            INSERT INTO feed_events (type, version, account_id, portfolio_id, user_id, broker_code, data)
            VALUES (\(type.rawValue), 1, \(account.id), \(account.portfolioID), \(account.userID), 'SANDBOX', '{"snapshotID":1,"changes":[]}')
            RETURNING seq
            """
        ).scalar()
    }

    static func store(
        _ webhooks: RPCClient<CurlTransport>, url: String = "https://hooks.example.com/psync", types: [FeedEventType] = [.holdingsChanged]
    )
        async throws -> WebhookSubscription
    {
        try await webhooks.call(
            PersistenceAPI.storeWebhook,
            StoreWebhook(url: url, eventTypes: types, portfolioID: nil, userID: nil, description: "test", sealedSecret: secret))
    }

    static func claim(_ webhooks: RPCClient<CurlTransport>, worker: String = "w1", limit: Int = 100) async throws -> [ClaimedWebhookDelivery] {
        try await webhooks.call(PersistenceAPI.claimWebhookDeliveries, ClaimWebhookDeliveries(worker: worker, limit: limit, leaseSeconds: 30))
    }

    static func outcome(
        _ claimed: ClaimedWebhookDelivery, _ result: RecordWebhookAttempts.Outcome.Result, status: Int? = nil, error: String? = nil,
        startedAt: Date = Date(), attempt: Int? = nil
    ) -> RecordWebhookAttempts.Outcome {
        .init(
            deliveryID: claimed.deliveryID, attempt: attempt ?? claimed.attempt, startedAt: startedAt, durationMilliseconds: 12, statusCode: status,
            error: error, result: result, nextAttemptAt: result == .retry ? Date().addingTimeInterval(-1) : nil)
    }

    static func record(
        _ webhooks: RPCClient<CurlTransport>, _ outcomes: [RecordWebhookAttempts.Outcome], worker: String = "w1", disableAfter: Int = 86_400
    )
        async throws -> WebhookAttemptsRecorded
    {
        try await webhooks.call(
            PersistenceAPI.recordWebhookAttempts, RecordWebhookAttempts(worker: worker, outcomes: outcomes, disableAfterSeconds: disableAfter))
    }

    /// The status and field of the refusal `call` gets.
    static func refusal<T>(_ call: () async throws -> T) async -> (Int?, String?) {
        do {
            _ = try await call()
            return (200, nil)
        } catch let error as RPCError {
            return (error.status, error.details?["field"]?.stringValue)
        } catch {
            return (nil, "\(error)")
        }
    }

    @Test("storing validates by the field, never shows the secret, and only psync-webhooks may store, claim, record or read secrets")
    func storing() async throws {
        let fixture = try await PersistenceFixture.start()
        let webhooks = fixture.client(as: Principal(.webhooks))
        let (user, portfolio, _) = try await fixture.makeAccounts()
        func bad(_ request: StoreWebhook) async -> (Int?, String?) {
            await Self.refusal { try await webhooks.call(PersistenceAPI.storeWebhook, request) }
        }
        let good = StoreWebhook(
            url: "https://hooks.example.com/a", eventTypes: [.holdingsChanged], portfolioID: portfolio.id, userID: user.id, description: "d",
            sealedSecret: Self.secret)
        var request = good
        request.url = "ftp://hooks.example.com/a"
        #expect(await bad(request) == (422, "url"))
        request.url = "https://" + String(repeating: "a", count: 2000)
        #expect(await bad(request) == (422, "url"))
        request = good
        request.eventTypes = []
        #expect(await bad(request) == (422, "eventTypes"))
        request.eventTypes = [.runFinished, .runFinished]
        #expect(await bad(request) == (422, "eventTypes"))
        request = good
        request.portfolioID = 999_999
        #expect(await bad(request) == (422, "portfolioID"))
        request = good
        request.userID = 999_999
        #expect(await bad(request) == (422, "userID"))
        request = good
        request.description = String(repeating: "x", count: 501)
        #expect(await bad(request) == (422, "description"))
        request = good
        request.sealedSecret = ""
        #expect(await bad(request) == (422, "sealedSecret"))
        request.sealedSecret = String(repeating: "s", count: 4097)
        #expect(await bad(request) == (422, "sealedSecret"))

        let stored = try await webhooks.call(PersistenceAPI.storeWebhook, good)
        #expect(stored.status == .active && stored.pending == 0 && stored.portfolioID == portfolio.id && stored.eventTypes == [.holdingsChanged])
        #expect(try await webhooks.call(PersistenceAPI.webhookSecret, ByID(id: stored.id)).sealedSecret == Self.secret)
        let listed = try await fixture.admin.call(PersistenceAPI.listWebhooks, ListWebhooks())
        #expect(listed.items.map(\.id) == [stored.id])
        let audit = try await fixture.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "webhook", entityID: String(stored.id)))
        #expect(audit.items.map(\.action) == ["create"] && audit.items[0].scope == "webhooks")
        let auditText = try await fixture.database.query("SELECT coalesce(string_agg(after::text, ''), '') FROM audit_log").scalar(String.self)
        #expect(!auditText.contains(Self.secret) && !fixture.service.child.output().contains(Self.secret))

        // A person's token (even an admin's) cannot store, claim, record or read a sealed secret.
        #expect(await Self.refusal { try await fixture.admin.call(PersistenceAPI.storeWebhook, good) }.0 == 403)
        #expect(await Self.refusal { try await fixture.admin.call(PersistenceAPI.webhookSecret, ByID(id: stored.id)) }.0 == 403)
        #expect(await Self.refusal { try await Self.claim(fixture.admin) }.0 == 403)
        #expect(await Self.refusal { try await Self.record(fixture.admin, []) }.0 == 403)
        #expect(await Self.refusal { try await fixture.admin.call(PersistenceAPI.getWebhook, ByID(id: 999_999)) }.0 == 404)

        // Claims and records validate their bounds.
        for (limit, lease, worker, field) in [
            (0, 30, "w", "limit"), (501, 30, "w", "limit"), (5, 4, "w", "leaseSeconds"), (5, 601, "w", "leaseSeconds"), (5, 30, "", "worker"),
        ] {
            let refused = await Self.refusal {
                try await webhooks.call(
                    PersistenceAPI.claimWebhookDeliveries, ClaimWebhookDeliveries(worker: worker, limit: limit, leaseSeconds: lease))
            }
            #expect(refused == (422, field))
        }
        #expect(await Self.refusal { try await Self.record(webhooks, [], disableAfter: 0) } == (422, "disableAfterSeconds"))
        let noNext = RecordWebhookAttempts.Outcome(
            deliveryID: 1, attempt: 1, startedAt: Date(), durationMilliseconds: 5, statusCode: 500, error: nil, result: .retry, nextAttemptAt: nil)
        #expect(await Self.refusal { try await Self.record(webhooks, [noNext]) } == (422, "outcomes"))
        var negative = noNext
        negative.result = .failed
        negative.durationMilliseconds = -1
        #expect(await Self.refusal { try await Self.record(webhooks, [negative]) } == (422, "outcomes"))
        await fixture.stop()
    }

    @Test(
        "one account's events go out in order; a lapsed lease frees a delivery and its stale worker's report is ignored; concurrent claims never share"
    )
    func claiming() async throws {
        let fixture = try await PersistenceFixture.start()
        let webhooks = fixture.client(as: Principal(.webhooks))
        let (_, _, accounts) = try await fixture.makeAccounts(2)
        let subscription = try await Self.store(webhooks)
        let first = try await Self.event(fixture, account: accounts[0])
        let second = try await Self.event(fixture, account: accounts[0])
        let other = try await Self.event(fixture, account: accounts[1])
        try await Self.event(fixture, account: accounts[1], type: .runFinished)  // not subscribed: no delivery
        #expect(try await webhooks.call(PersistenceAPI.getWebhook, ByID(id: subscription.id)).pending == 3)

        let claimed = try await Self.claim(webhooks)
        #expect(Set(claimed.map(\.event.sequence)) == [first, other])
        let head = try #require(claimed.first { $0.event.sequence == first })
        #expect(head.attempt == 1 && head.firstAttemptAt == nil && head.sealedSecret == Self.secret && head.url == subscription.url)
        #expect(head.event.accountID == accounts[0].id && head.event.data == .object(["snapshotID": .number(1), "changes": .array([])]))
        #expect(try await Self.claim(webhooks).isEmpty)

        // The lease lapses: the same delivery is claimed again (attempt 2); the first worker's late report is ignored.
        try await fixture.database.execute("UPDATE webhook_deliveries SET leased_until = now() - interval '1 second' WHERE id = \(head.deliveryID)")
        let again = try await Self.claim(webhooks, worker: "w2")
        #expect(again.map(\.deliveryID) == [head.deliveryID] && again[0].attempt == 2 && again[0].firstAttemptAt != nil)
        let stale = try await Self.record(webhooks, [Self.outcome(head, .delivered, status: 200)])
        #expect(stale.stored == 0)
        #expect(try await fixture.admin.call(PersistenceAPI.getWebhookDelivery, ByID(id: head.deliveryID)).delivery.status == .pending)

        // Retry: still the line's head, so the second event waits; delivered: the second becomes claimable.
        _ = try await Self.record(webhooks, [Self.outcome(again[0], .retry, status: 500)], worker: "w2")
        let retried = try await Self.claim(webhooks, worker: "w2")
        #expect(retried.map(\.event.sequence) == [first] && retried[0].attempt == 3)
        _ = try await Self.record(webhooks, [Self.outcome(retried[0], .delivered, status: 204)], worker: "w2")
        let next = try await Self.claim(webhooks)
        #expect(next.map(\.event.sequence) == [second])

        let detail = try await fixture.admin.call(PersistenceAPI.getWebhookDelivery, ByID(id: head.deliveryID))
        #expect(detail.delivery.status == .delivered && detail.delivery.attempts == 3 && detail.delivery.lastStatusCode == 204)
        #expect(detail.attempts.map(\.attempt) == [2, 3] && detail.attempts.map(\.statusCode) == [500, 204] && detail.attempts[0].worker == "w2")
        let log = try await fixture.admin.call(PersistenceAPI.listWebhookDeliveries, ListWebhookDeliveries(id: subscription.id, status: .delivered))
        #expect(log.items.map(\.id) == [head.deliveryID] && log.items[0].eventType == .holdingsChanged && log.items[0].accountID == accounts[0].id)
        #expect(
            await Self.refusal { try await fixture.admin.call(PersistenceAPI.listWebhookDeliveries, ListWebhookDeliveries(id: 999_999)) }.0 == 404)

        // Failed ends the line's head too.
        _ = try await Self.record(webhooks, [Self.outcome(next[0], .failed, error: "refused by the egress rules")])
        #expect(try await fixture.admin.call(PersistenceAPI.getWebhookDelivery, ByID(id: next[0].deliveryID)).delivery.status == .failed)

        // Many lines, two claimers at once: no delivery is handed to both.
        let many = try await fixture.makeAccounts(40).2
        for account in many { try await Self.event(fixture, account: account) }
        async let a = Self.claim(webhooks, worker: "a", limit: 30)
        async let b = Self.claim(webhooks, worker: "b", limit: 30)
        let (left, right) = try await (a, b)
        #expect(Set(left.map(\.deliveryID)).isDisjoint(with: right.map(\.deliveryID)))
        let rest = try await Self.claim(webhooks, worker: "c")
        #expect(Set(left.map(\.deliveryID) + right.map(\.deliveryID) + rest.map(\.deliveryID)).count == 40)
        #expect(left.count + right.count + rest.count == 40)
        await fixture.stop()
    }

    @Test("failing for longer than disableAfterSeconds disables with the reason, audits and announces it; re-enabling clears it; redeliver")
    func disabling() async throws {
        let fixture = try await PersistenceFixture.start()
        let webhooks = fixture.client(as: Principal(.webhooks))
        let (_, _, accounts) = try await fixture.makeAccounts(1)
        let subscription = try await Self.store(webhooks, url: "https://down.example.net:8443/hook")
        try await Self.event(fixture, account: accounts[0])
        let claimed = try await Self.claim(webhooks)
        let early = Date().addingTimeInterval(-120)
        let first = try await Self.record(webhooks, [Self.outcome(claimed[0], .retry, status: 503, startedAt: early)], disableAfter: 3600)
        #expect(first.disabledSubscriptions.isEmpty)
        let failing = try await webhooks.call(PersistenceAPI.getWebhook, ByID(id: subscription.id))
        #expect(failing.status == .active && abs(failing.failingSince!.timeIntervalSince(early)) < 0.01)

        let again = try await Self.claim(webhooks)
        let recorded = try await Self.record(webhooks, [Self.outcome(again[0], .retry, status: 502)], disableAfter: 60)
        #expect(recorded.disabledSubscriptions == [subscription.id] && recorded.stored == 1)
        let disabled = try await webhooks.call(PersistenceAPI.getWebhook, ByID(id: subscription.id))
        let reason = try #require(disabled.disabledReason)
        #expect(
            disabled.status == .disabled && disabled.disabledAt != nil && reason.contains("every attempt failed since") && reason.contains("HTTP 502")
        )
        #expect(try await Self.claim(webhooks).isEmpty)
        let audit = try await fixture.admin.call(
            PersistenceAPI.listAudit, ListAudit(entity: "webhook", entityID: String(subscription.id), action: "disable"))
        #expect(audit.items.count == 1 && audit.items[0].actor == "webhooks")
        try await eventually("the webhook.disabled event on the events stream") {
            let events = try await fixture.redis.xrange(StreamNames.events).compactMap { try? StreamEnvelope.decode(Event.self, from: $0.fields).0 }
            return events.contains {
                $0.kind == .webhookDisabled && $0.message?.hasPrefix("webhook \(subscription.id) (down.example.net) disabled: ") == true
            }
        }

        // Re-enabled by a person: the streak and the reason go, the waiting delivery is claimable again.
        let enabled = try await fixture.admin.call(PersistenceAPI.updateWebhook, UpdateWebhook(id: subscription.id, status: .active))
        #expect(enabled.status == .active && enabled.failingSince == nil && enabled.disabledAt == nil && enabled.disabledReason == nil)
        let resumed = try await Self.claim(webhooks)
        #expect(resumed.map(\.deliveryID) == [claimed[0].deliveryID] && resumed[0].attempt == 3)
        _ = try await Self.record(webhooks, [Self.outcome(resumed[0], .delivered, status: 200)])

        // Redelivery: pending again, now, with a fresh window; attempts keep counting; audited as the person.
        let redelivered = try await fixture.admin.call(PersistenceAPI.redeliverWebhook, ByID(id: claimed[0].deliveryID))
        #expect(redelivered.status == .pending && redelivered.firstAttemptAt == nil && redelivered.attempts == 3)
        let sent = try await Self.claim(webhooks)
        #expect(sent.map(\.deliveryID) == [claimed[0].deliveryID] && sent[0].attempt == 4 && sent[0].firstAttemptAt == nil)
        let actions = try await fixture.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "webhook", entityID: String(subscription.id)))
        #expect(actions.items.map(\.action) == ["redeliver", "enable", "disable", "create"])

        // Deleting takes the delivery log with it.
        _ = try await fixture.admin.call(PersistenceAPI.deleteWebhook, ByID(id: subscription.id))
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_deliveries") == 0)
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_attempts") == 0)
        await fixture.stop()
    }

    @Test("the claim reads the line heads from the partial index")
    func claimPlan() async throws {
        let fixture = try await PersistenceFixture.start()
        let webhooks = fixture.client(as: Principal(.webhooks))
        _ = try await Self.store(webhooks)
        try await fixture.database.execute(
            """
            INSERT INTO feed_events (type, version, account_id, data) SELECT 'holdings.changed', 1, g % 20000, '{}' FROM generate_series(1, 100000) g
            """
        )
        try await fixture.database.execute("ANALYZE webhook_deliveries")
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_deliveries WHERE status = 'pending'") == 100_000)
        let plan = try await fixture.database.query(
            """
            EXPLAIN SELECT DISTINCT ON (d.subscription_id, d.ordering_key) d.id FROM webhook_deliveries d WHERE d.status = 'pending'
            ORDER BY d.subscription_id, d.ordering_key, d.event_seq
            """
        ).map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
        #expect(plan.contains("webhook_deliveries_line"), "\(plan)")
        let clock = ContinuousClock()
        let start = clock.now
        let claimed = try await Self.claim(webhooks, limit: 500)
        let elapsed = clock.now - start
        #expect(claimed.count == 500 && Set(claimed.compactMap(\.event.accountID)).count == 500)
        #expect(elapsed < .seconds(2), "claiming 500 of 100,000 pending took \(elapsed)")
        await fixture.stop()
    }

    @Test("retention purges feed events past the window, with their deliveries and attempts")
    func retention() async throws {
        let fixture = try await PersistenceFixture.start(["PSYNC_RETENTION_DAYS": "30", "PSYNC_RETENTION_INTERVAL": "200ms"])
        let webhooks = fixture.client(as: Principal(.webhooks))
        let (_, _, accounts) = try await fixture.makeAccounts(1)
        _ = try await Self.store(webhooks)
        let old = try await Self.event(fixture, account: accounts[0])
        let claimed = try await Self.claim(webhooks)
        _ = try await Self.record(webhooks, [Self.outcome(claimed[0], .delivered, status: 200)])
        try await fixture.database.execute("UPDATE feed_events SET created_at = now() - interval '40 days' WHERE seq = \(old)")
        let recent = try await Self.event(fixture, account: accounts[0])
        try await eventually("the old event to be purged") {
            try await fixture.count("SELECT count(*)::int FROM feed_events WHERE seq = \(old)") == 0
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM feed_events WHERE seq = \(recent)") == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_deliveries") == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_attempts") == 0)
        await fixture.stop()
    }
}
