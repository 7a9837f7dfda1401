import Contracts
import CurlClient
import FoundationEssentials
import Hummingbird
import RPC
import ServiceKit

/// `WebhooksAPI`: add a subscription (URL checked, secret made and sealed, stored through persistence) and send a test.
struct WebhooksRoutes: Sendable {
    let persistence: RPCClient<CurlTransport>
    let sender: WebhookSender
    let vault: WebhookSecretVault

    func register(on router: Router<ServiceRequestContext>) {
        router.on(WebhooksAPI.add) { request, _ in try await add(request) }
        router.on(WebhooksAPI.test) { request, _ in try await test(request.id) }
    }

    /// Checks the request and the URL (resolved, every address), seals a new secret and stores the subscription; the
    /// caller's identity travels on (`RequestActor`) so persistence's audit names the person.
    func add(_ request: AddWebhook) async throws -> WebhookAdded {
        guard !request.eventTypes.isEmpty else { throw APIError.unprocessable("give at least one event type", field: "eventTypes") }
        if let repeated = Dictionary(grouping: request.eventTypes, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw APIError.unprocessable("event type \(repeated.rawValue) is listed twice", field: "eventTypes")
        }
        if let description = request.description, description.count > 500 {
            throw APIError.unprocessable("the description must be at most 500 characters, got \(description.count)", field: "description")
        }
        for (field, id) in [("portfolioID", request.portfolioID), ("userID", request.userID)] {
            if let id, id <= 0 { throw APIError.unprocessable("\(field) must be a positive id, got \(id)", field: field) }
        }
        let target: EgressTarget
        do {
            target = try await sender.egress.check(request.url)
        } catch {
            throw APIError.unprocessable("\(error)", field: "url")
        }
        let url = target.url.normalized
        let secret = WebhookSigning.makeSecret()
        let stored = StoreWebhook(
            url: url, eventTypes: request.eventTypes, portfolioID: request.portfolioID, userID: request.userID, description: request.description,
            sealedSecret: try vault.seal(secret, url: url))
        let subscription = try await persistence.callForwardingErrors(PersistenceAPI.storeWebhook, stored)
        return WebhookAdded(subscription: subscription, secret: secret)
    }

    /// Sends a signed `webhook.test` body to the subscription's URL now, through the same egress rules; nothing is stored.
    func test(_ id: Int) async throws -> WebhookTestResult {
        let subscription = try await persistence.callForwardingErrors(PersistenceAPI.getWebhook, ByID(id: id))
        let sealed = try await persistence.callForwardingErrors(PersistenceAPI.webhookSecret, ByID(id: id))
        let secret: String
        do {
            secret = try vault.open(sealed.sealedSecret, url: subscription.url)
        } catch {
            throw APIError.unavailable("psync-webhooks cannot open the secret of subscription \(id): \(error)")
        }
        let event = WebhookTestEvent(id: UUID().uuidString.lowercased(), createdAt: Date())
        let headers = [(WebhookHeaders.eventID, event.id), (WebhookHeaders.eventType, event.type)]
        guard let sent = await sender.send(url: subscription.url, secret: secret, body: try JSONCoding.encode(event), headers: headers) else {
            throw CancellationError()
        }
        return WebhookTestResult(
            statusCode: sent.statusCode, durationMilliseconds: sent.durationMilliseconds, error: sent.error, delivered: sent.delivered)
    }
}

/// The body of a test request: `{"createdAt":…,"id":…,"type":"webhook.test"}`.
struct WebhookTestEvent: Codable, Sendable {
    var type = "webhook.test"
    var id: String
    var createdAt: Date
}
