import Contracts
import Hummingbird
import ServiceKit

/// The webhook endpoints: subscriptions and the delivery log for people and psync-webhooks; claiming, recording attempts
/// and sealed secrets for psync-webhooks alone (the endpoints' scopes say who may call).
extension PersistenceRoutes {
    func registerWebhooks(on router: Router<ServiceRequestContext>) {
        let webhooks = WebhookStore(pool: pool, publisher: runs.publisher, logger: runs.logger)
        router.on(PersistenceAPI.storeWebhook) { request, context in try await webhooks.store(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.listWebhooks) { request, _ in try await webhooks.list(request) }
        router.on(PersistenceAPI.getWebhook) { request, _ in try await webhooks.get(request.id) }
        router.on(PersistenceAPI.updateWebhook) { request, context in try await webhooks.update(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.deleteWebhook) { request, context in try await webhooks.delete(request.id, by: AuditActor(context)) }
        router.on(PersistenceAPI.webhookSecret) { request, _ in try await webhooks.secret(request.id) }
        router.on(PersistenceAPI.listWebhookDeliveries) { request, _ in try await webhooks.deliveries(request) }
        router.on(PersistenceAPI.getWebhookDelivery) { request, _ in try await webhooks.delivery(request.id) }
        router.on(PersistenceAPI.redeliverWebhook) { request, context in try await webhooks.redeliver(request.id, by: AuditActor(context)) }
        router.on(PersistenceAPI.claimWebhookDeliveries) { request, _ in try await webhooks.claim(request) }
        router.on(PersistenceAPI.recordWebhookAttempts) { request, context in try await webhooks.record(request, by: AuditActor(context)) }
    }
}
