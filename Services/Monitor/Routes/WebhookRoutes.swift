import Contracts
import CurlClient
import Hummingbird
import RPC
import ServiceKit

/// `/webhooks`: subscriptions with their failure state, one subscription with its deliveries, one delivery with every
/// attempt; disable, enable, delete (after a confirmation page) and redeliver through persistence (audited as the
/// person); add and "send test" through psync-webhooks (`PSYNC_WEBHOOKS_URL`), which checks URLs and seals secrets.
struct WebhookRoutes {
    let data: MonitorData
    /// psync-webhooks, when configured.
    let webhooks: RPCClient<CurlTransport>?

    static let notConfigured = "psync-webhooks is not configured: set PSYNC_WEBHOOKS_URL on the monitor to add or test webhooks"

    func register(on router: Router<ServiceRequestContext>) {
        let pages = PageRouter(router: router)
        let persistence = data.persistence
        pages.page("/webhooks", title: "Webhooks") { request, _, viewer in
            let status = try WebhooksPage.status(ConsoleParts.query(request, "status"), WebhookSubscription.Status.self)
            let cursor = ConsoleParts.query(request, "cursor")
            let page = try await rpc {
                try await persistence.call(PersistenceAPI.listWebhooks, ListWebhooks(status: status, cursor: cursor, limit: 50))
            }
            return WebhooksPage.notice(request) + WebhooksPage.list(page, status: status, cursor: cursor, viewer: viewer, canAdd: webhooks != nil)
        }
        pages.page("/webhooks/new", title: "New webhook", active: "/webhooks") { _, _, viewer in
            guard viewer.canAct else { throw APIError.forbidden("adding a webhook needs an admin token") }
            guard webhooks != nil else { throw APIError.unavailable(Self.notConfigured) }
            return WebhooksPage.form(FormView(values: ["eventTypes": FeedEventType.holdingsChanged.rawValue]), viewer: viewer)
        }
        pages.form("/webhooks/new", active: "/webhooks") { _, _, fields, viewer in
            guard let webhooks else { throw APIError.unavailable(Self.notConfigured) }
            var view = FormView(fields, WebhooksPage.fields)
            let types = fields.all("eventTypes").compactMap(FeedEventType.init(rawValue:))
            view.values["eventTypes"] = types.map(\.rawValue).joined(separator: ",")
            if view.values["url"] == nil { view.errors["url"] = "url is required" }
            if types.isEmpty { view.errors["eventTypes"] = "choose at least one event type" }
            let portfolioID = view.values["portfolioID"] == nil ? nil : ConsoleParts.id(view.values["portfolioID"], field: "portfolioID", view: &view)
            let userID = view.values["userID"] == nil ? nil : ConsoleParts.id(view.values["userID"], field: "userID", view: &view)
            guard view.isValid else { return ConsoleChange.again(view, title: "New webhook", body: WebhooksPage.form(view, viewer: viewer)) }
            let request = AddWebhook(
                url: view.value("url"), eventTypes: types, portfolioID: portfolioID, userID: userID, description: view.values["description"])
            let added = try await Self.attempt(&view) { try await webhooks.call(WebhooksAPI.add, request) }
            guard let added else { return ConsoleChange.again(view, title: "New webhook", body: WebhooksPage.form(view, viewer: viewer)) }
            // Shown once, in this answer only: never in a URL, a log line or a later page.
            return .page(title: "Webhook added", body: WebhooksPage.added(added), status: .ok)
        }
        pages.page("/webhooks/deliveries/{id}", title: "Webhook delivery", active: "/webhooks") { request, context, viewer in
            let id = try PageRouter.id(context)
            let detail = try await rpc { try await persistence.call(PersistenceAPI.getWebhookDelivery, ByID(id: id)) }
            return WebhooksPage.notice(request) + WebhooksPage.delivery(detail, viewer: viewer)
        }
        pages.action("/webhooks/deliveries/{id}/redeliver") { context in
            let id = try PageRouter.id(context)
            _ = try await rpc { try await persistence.call(PersistenceAPI.redeliverWebhook, ByID(id: id)) }
            return "/webhooks/deliveries/\(id)?notice=redelivered"
        }
        pages.page("/webhooks/{id}", title: "Webhook", active: "/webhooks") { request, context, viewer in
            let id = try PageRouter.id(context)
            let status = try WebhooksPage.status(ConsoleParts.query(request, "status"), WebhookDelivery.Status.self)
            let cursor = ConsoleParts.query(request, "cursor")
            let subscription = try await rpc { try await persistence.call(PersistenceAPI.getWebhook, ByID(id: id)) }
            let deliveries = try await rpc {
                try await persistence.call(
                    PersistenceAPI.listWebhookDeliveries, ListWebhookDeliveries(id: id, status: status, cursor: cursor, limit: 50))
            }
            return WebhooksPage.notice(request)
                + WebhooksPage.detail(subscription, deliveries: deliveries, status: status, cursor: cursor, viewer: viewer, canTest: webhooks != nil)
        }
        for (verb, status) in [("disable", WebhookSubscription.Status.disabled), ("enable", .active)] {
            pages.action("/webhooks/{id}/\(verb)") { context in
                let id = try PageRouter.id(context)
                _ = try await rpc { try await persistence.call(PersistenceAPI.updateWebhook, UpdateWebhook(id: id, status: status)) }
                return "/webhooks/\(id)?notice=\(verb)d"
            }
        }
        pages.page("/webhooks/{id}/delete", title: "Delete webhook", active: "/webhooks") { _, context, viewer in
            let id = try PageRouter.id(context)
            let subscription = try await rpc { try await persistence.call(PersistenceAPI.getWebhook, ByID(id: id)) }
            return ConsoleParts.confirmDelete(
                what: "webhook \(id) (\(subscription.url))", consequence: "Its delivery log goes with it; pending deliveries are not sent.",
                action: "/webhooks/\(id)/delete", back: "/webhooks/\(id)", viewer: viewer)
        }
        pages.form("/webhooks/{id}/delete", active: "/webhooks") { _, context, fields, _ in
            let id = try PageRouter.id(context)
            guard fields["confirm"] == "yes" else { return .redirect("/webhooks/\(id)/delete") }
            _ = try await rpc { try await persistence.call(PersistenceAPI.deleteWebhook, ByID(id: id)) }
            return .redirect("/webhooks?notice=deleted")
        }
        pages.form("/webhooks/{id}/test", active: "/webhooks") { _, context, _, _ in
            let id = try PageRouter.id(context)
            guard let webhooks else { throw APIError.unavailable(Self.notConfigured) }
            let result = try await rpc { try await webhooks.call(WebhooksAPI.test, ByID(id: id)) }
            return .page(title: "Webhook test", body: WebhooksPage.tested(id, result), status: .ok)
        }
    }

    /// psync-webhooks' answer, or nil after putting its refusal (any 4xx) by the field it names.
    static func attempt<T>(_ view: inout FormView, _ call: () async throws -> T) async throws -> T? {
        do {
            return try await rpc(call)
        } catch let error as APIError where (400..<500).contains(error.status) && error.status != 403 {
            view.record(error, fields: WebhooksPage.fields + ["eventTypes"])
            return nil
        }
    }

    /// The overview's list of disabled subscriptions (empty when there are none or persistence cannot say).
    static func disabledSummary(_ persistence: RPCClient<CurlTransport>) async -> String {
        guard let page = try? await persistence.call(PersistenceAPI.listWebhooks, ListWebhooks(status: .disabled, limit: 20)) else { return "" }
        return WebhooksPage.disabledSummary(page)
    }
}
