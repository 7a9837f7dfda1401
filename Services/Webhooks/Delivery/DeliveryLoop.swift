import Contracts
import FoundationEssentials
import Logging
import Metrics
import RPC
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Claims due deliveries from persistence, sends them (at most `concurrency` at once) and records what became of them.
///
/// Persistence hands out, per subscription and account, only the oldest pending delivery, so one account's events arrive
/// in order while other accounts' go on. Outcomes are recorded in batches before anything new is claimed, so a delivery
/// is never claimed again while its last attempt waits to be written. When persistence cannot be reached the loop waits
/// and tries again: that is our fault and never charged to a subscription. On shutdown it stops claiming, lets requests in
/// flight finish for a few seconds, abandons the rest (their leases run out and they are sent again) and records the rest.
struct DeliveryLoop: Service {
    struct Configuration: Sendable {
        var worker: String
        var concurrency: Int
        var pollInterval: Duration
        var leaseSeconds: Int
        var disableAfterSeconds: Int
        var retry: RetryPolicy
        /// How long requests in flight may finish after shutdown begins.
        var drainTimeout: Duration = .seconds(5)
    }

    let persistence: RPCClient<CurlTransport>
    let sender: WebhookSender
    let vault: WebhookSecretVault
    let configuration: Configuration
    let metrics: DeliveryMetrics
    let logger: Logger

    func run() async throws {
        let state = Ledger()
        let wakeup = Wakeup()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                var ownFaults = 0
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    let free = configuration.concurrency - state.withLock { $0.inFlight }
                    let claimed: [ClaimedWebhookDelivery]
                    do {
                        try await record(state)
                        claimed = free > 0 ? try await claim(limit: min(free, 500)) : []
                        ownFaults = 0
                    } catch {
                        ownFaults += 1
                        logger.warning("psync-persistence is unavailable; waiting", metadata: ["error": "\(error)", "attempt": "\(ownFaults)"])
                        let delay = Duration.milliseconds(min(10_000, 250 << min(ownFaults, 6)))
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                        continue
                    }
                    for delivery in claimed {
                        state.withLock { $0.inFlight += 1 }
                        group.addTask {
                            let outcome = await attempt(delivery)
                            state.withLock { state in
                                state.inFlight -= 1
                                if let outcome { state.finished.append(outcome) }
                            }
                            wakeup.signal()
                        }
                    }
                    // A claim that filled every slot it asked for may have left more due: ask again at once if slots remain.
                    if free > 0, claimed.count == min(free, 500), free > claimed.count { continue }
                    await wakeup.wait(timeout: free > claimed.count ? configuration.pollInterval : nil)
                }
                let deadline = ContinuousClock.now + configuration.drainTimeout
                while state.withLock({ $0.inFlight }) > 0, ContinuousClock.now < deadline {
                    await wakeup.wait(timeout: deadline - ContinuousClock.now)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            wakeup.signal()
        }
        do {
            try await record(state)
        } catch {
            logger.warning("attempts made before shutdown could not be recorded; they will be sent again", metadata: ["error": "\(error)"])
        }
    }

    private func claim(limit: Int) async throws -> [ClaimedWebhookDelivery] {
        try await persistence.call(
            PersistenceAPI.claimWebhookDeliveries,
            ClaimWebhookDeliveries(worker: configuration.worker, limit: limit, leaseSeconds: configuration.leaseSeconds))
    }

    /// Writes the finished attempts, in batches; on failure they are kept for the next try.
    private func record(_ state: Ledger) async throws {
        let outcomes = state.withLock { state in
            defer { state.finished = [] }
            return state.finished
        }
        var written = 0
        do {
            while written < outcomes.count {
                let batch = Array(outcomes[written..<min(outcomes.count, written + 500)])
                let recorded = try await persistence.call(
                    PersistenceAPI.recordWebhookAttempts,
                    RecordWebhookAttempts(worker: configuration.worker, outcomes: batch, disableAfterSeconds: configuration.disableAfterSeconds))
                written += batch.count
                for id in recorded.disabledSubscriptions {
                    logger.notice("webhook subscription disabled: every attempt failed for too long", metadata: ["subscription.id": "\(id)"])
                }
            }
        } catch let error as RPCError where [400, 409, 422].contains(error.status) {
            // Persistence refuses the batch itself: sending it again cannot help, and must not block every later outcome.
            logger.error(
                "psync-persistence refused attempts; they are dropped and their deliveries sent again when their leases end",
                metadata: ["error": "\(error)", "count": "\(outcomes.count - written)"])
        } catch {
            let unwritten = outcomes[written...]
            state.withLock { $0.finished.insert(contentsOf: unwritten, at: 0) }
            throw error
        }
    }

    /// Sends one claimed delivery; nil when nothing is to be recorded (cancelled, or its secret cannot be opened).
    private func attempt(_ delivery: ClaimedWebhookDelivery) async -> RecordWebhookAttempts.Outcome? {
        let metadata: Logger.Metadata = [
            "delivery.id": "\(delivery.deliveryID)", "subscription.id": "\(delivery.subscriptionID)", "attempt": "\(delivery.attempt)",
        ]
        let secret: String
        let body: [UInt8]
        do {
            secret = try vault.open(delivery.sealedSecret, url: delivery.url)
            body = try JSONCoding.encode(delivery.event)
        } catch {
            // Ours, not the subscription's: nothing is recorded, and the delivery comes back when its lease runs out.
            metrics.unsendable.increment()
            logger.error("a claimed delivery cannot be sent", metadata: metadata.merging(["error": "\(error)"]) { _, new in new })
            return nil
        }
        let headers = [
            (WebhookHeaders.eventID, delivery.event.id), (WebhookHeaders.eventType, delivery.event.type.rawValue),
            (WebhookHeaders.deliveryID, "\(delivery.deliveryID)"), (WebhookHeaders.attempt, "\(delivery.attempt)"),
        ]
        guard let sent = await sender.send(url: delivery.url, secret: secret, body: body, headers: headers) else { return nil }
        metrics.durations.recordMilliseconds(sent.durationMilliseconds)
        var outcome = RecordWebhookAttempts.Outcome(
            deliveryID: delivery.deliveryID, attempt: delivery.attempt, startedAt: sent.startedAt, durationMilliseconds: sent.durationMilliseconds,
            statusCode: sent.statusCode, error: sent.error, result: .delivered, nextAttemptAt: nil)
        if sent.delivered {
            metrics.outcomes.increment("delivered")
            metrics.latency.recordMilliseconds(Int(Date().timeIntervalSince(delivery.event.createdAt) * 1000))
            return outcome
        }
        let failedAt = sent.startedAt.addingTimeInterval(Double(sent.durationMilliseconds) / 1000)
        let first = delivery.firstAttemptAt ?? sent.startedAt
        if let next = configuration.retry.nextAttempt(after: delivery.attempt, failedAt: failedAt, firstAttemptAt: first) {
            outcome.result = .retry
            outcome.nextAttemptAt = next
            metrics.outcomes.increment("retry")
            logger.debug("delivery attempt failed; will retry", metadata: metadata.merging(["error": "\(sent.error ?? "")"]) { _, new in new })
        } else {
            outcome.result = .failed
            metrics.outcomes.increment("failed")
            logger.info(
                "delivery failed for good: the retry window has passed",
                metadata: metadata.merging(["error": "\(sent.error ?? "")"]) { _, new in new })
        }
        return outcome
    }
}

/// Requests in flight and the outcomes waiting to be recorded, shared by the loop and its sends.
private final class Ledger: Sendable {
    struct State {
        var inFlight = 0
        var finished: [RecordWebhookAttempts.Outcome] = []
    }

    private let state = Mutex(State())

    func withLock<T: Sendable>(_ body: (inout State) -> T) -> T {
        state.withLock { body(&$0) }
    }
}

/// What the delivery loop counts: outcomes of attempts (`delivered`, `retry`, `failed`), attempt durations, commit-to-delivery
/// latency, and deliveries that could not be sent for a fault of ours.
struct DeliveryMetrics: Sendable {
    let outcomes = CounterFamily(label: "psync_webhook_attempts_total", dimension: "outcome")
    let durations = Timer(label: "psync_webhook_attempt_duration_seconds")
    let latency = Timer(label: "psync_webhook_delivery_latency_seconds")
    let unsendable = Counter(label: "psync_webhook_unsendable_total")
}
