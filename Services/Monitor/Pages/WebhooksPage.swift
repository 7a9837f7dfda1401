import Contracts
import FoundationEssentials
import Hummingbird

/// Webhook subscriptions (disabled ones marked), one with its deliveries, one delivery with its attempts, the add form
/// and its one-time secret, a test's result.
enum WebhooksPage {
    static let fields = ["url", "portfolioID", "userID", "description"]

    /// What an action redirects with (`?notice=KEY`); only these fixed texts are ever shown.
    static let notices: [String: String] = [
        "disabled": "Disabled: nothing is sent until it is enabled again.", "enabled": "Enabled: waiting deliveries go out again.",
        "deleted": "Deleted.", "redelivered": "Queued for redelivery: a worker sends it again shortly, with the same event id.",
    ]

    static func notice(_ request: Request) -> String {
        guard let key = request.uri.queryParameters.get("notice"), let text = notices[key] else { return "" }
        return "<p class=\"notice\" id=\"notice\" role=\"status\" data-notice=\"\(HTML.escape(key))\">\(HTML.escape(text))</p>"
    }

    /// A status filter from the query, or 400 naming the values allowed.
    static func status<Status: RawRepresentable & CaseIterable>(_ text: String?, _ type: Status.Type) throws -> Status?
    where Status.RawValue == String {
        guard let text else { return nil }
        guard let status = Status(rawValue: text) else {
            throw APIError.badRequest("status must be one of \(Status.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text.prefix(20))'")
        }
        return status
    }

    static func state(_ subscription: WebhookSubscription) -> String {
        let tone = subscription.status == .active ? (subscription.failingSince == nil ? "ok" : "warn") : "bad"
        let text = subscription.status == .active ? (subscription.failingSince == nil ? "active" : "active, failing") : "disabled"
        return "<span class=\"badge \(tone)\" data-webhook-state=\"\(subscription.id)\">\(text)</span>"
    }

    static func filters(_ subscription: WebhookSubscription) -> String {
        var parts: [String] = []
        if let portfolio = subscription.portfolioID { parts.append(HTML.link("/portfolios/\(portfolio)", "portfolio \(portfolio)")) }
        if let user = subscription.userID { parts.append(HTML.link("/users/\(user)", "user \(user)")) }
        return parts.isEmpty ? "<span class=\"muted\">every account</span>" : parts.joined(separator: ", ")
    }

    /// Why an administrator sees no "New webhook" or "Send test": the monitor does not know where psync-webhooks is.
    static func unconfigured(_ viewer: Viewer) -> String {
        guard viewer.canAct else { return "" }
        return
            "<span class=\"muted\" id=\"webhooks-unconfigured\">Adding and testing webhooks need psync-webhooks: set PSYNC_WEBHOOKS_URL on the monitor.</span>"
    }

    static func statusFilter(_ path: String, _ current: String?, _ values: [String]) -> String {
        let options = ([""] + values).map { value in
            "<option value=\"\(value)\"\(value == (current ?? "") ? " selected" : "")>\(value.isEmpty ? "any" : value)</option>"
        }.joined()
        return """
            <form class="filters" method="get" action="\(HTML.escape(path))" id="status-filter"><label>Status<select name="status">\(options)</select></label>\
            <button type="submit">Filter</button></form>
            """
    }

    static func list(_ page: Page<WebhookSubscription>, status: WebhookSubscription.Status?, cursor: String?, viewer: Viewer, canAdd: Bool) -> String
    {
        let rows = page.items.map { subscription in
            let cells = [
                HTML.link("/webhooks/\(subscription.id)", "\(subscription.id)"), HTML.escape(subscription.url),
                HTML.escape(subscription.eventTypes.map(\.rawValue).joined(separator: ", ")), filters(subscription), state(subscription),
                HTML.time(subscription.failingSince), subscription.disabledReason.map(HTML.escape) ?? "<span class=\"muted\">–</span>",
                "<span data-pending=\"\(subscription.id)\">\(subscription.pending)</span>",
            ]
            let marked = subscription.status == .disabled ? " class=\"disabled\" style=\"background:#fbe0e0\"" : ""
            return "<tr id=\"webhook-\(subscription.id)\"\(marked)>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        let headers = ["Id", "URL", "Event types", "For", "Status", "Failing since", "Disabled because", "Pending"]
        let table =
            rows.isEmpty
            ? "<p class=\"muted\">\(status == nil ? "no webhooks yet" : "no webhook is \(status!.rawValue)")</p>"
            : "<table id=\"webhooks\"><thead><tr>\(headers.map { "<th>\($0)</th>" }.joined())</tr></thead><tbody>\n\(rows.joined(separator: "\n"))\n</tbody></table>"
        let add = canAdd ? ConsoleParts.adminLink(viewer, "/webhooks/new", "New webhook", id: "new-webhook") : unconfigured(viewer)
        return add + statusFilter("/webhooks", status?.rawValue, WebhookSubscription.Status.allCases.map(\.rawValue)) + table
            + ConsoleParts.pager("/webhooks", query: ConsoleParts.encode([("status", status?.rawValue)]), current: cursor, next: page.nextCursor)
    }

    static func detail(
        _ subscription: WebhookSubscription, deliveries: Page<WebhookDelivery>, status: WebhookDelivery.Status?, cursor: String?, viewer: Viewer,
        canTest: Bool
    ) -> String {
        let id = subscription.id
        let facts = ConsoleParts.facts([
            ("Id", "\(id)"), ("URL", "<code id=\"webhook-url\">\(HTML.escape(subscription.url))</code>"),
            ("Event types", HTML.escape(subscription.eventTypes.map(\.rawValue).joined(separator: ", "))), ("For", filters(subscription)),
            ("Description", subscription.description.map(HTML.escape) ?? "<span class=\"muted\">–</span>"), ("Status", state(subscription)),
            ("Failing since", HTML.time(subscription.failingSince)), ("Disabled at", HTML.time(subscription.disabledAt)),
            ("Disabled because", subscription.disabledReason.map { "<span id=\"disabled-reason\">\(HTML.escape($0))</span>" } ?? "–"),
            ("Pending deliveries", "\(subscription.pending)"), ("Created", HTML.time(subscription.createdAt)),
            ("Changed", HTML.time(subscription.updatedAt)),
        ])
        var actions = ""
        if viewer.canAct {
            let toggle =
                subscription.status == .active
                ? viewer.actionForm("/webhooks/\(id)/disable", label: "Disable", confirm: "Stop sending to this webhook?")
                : viewer.actionForm("/webhooks/\(id)/enable", label: "Enable")
            let test = canTest ? viewer.actionForm("/webhooks/\(id)/test", label: "Send test") : unconfigured(viewer)
            actions =
                "<div class=\"actions\" id=\"webhook-actions\">\(toggle)\(test)"
                + ConsoleParts.adminLink(viewer, "/webhooks/\(id)/delete", "Delete…", id: "delete") + "</div>"
        }
        let rows = deliveries.items.map { delivery -> [String] in
            [
                "<span data-delivery=\"\(delivery.id)\">\(HTML.link("/webhooks/deliveries/\(delivery.id)", "\(delivery.id)"))</span>",
                HTML.escape(delivery.eventType.rawValue), delivery.accountID.map { HTML.link("/accounts/\($0)", "\($0)") } ?? "–",
                "\(delivery.eventSequence)", HTML.badge(delivery.status.rawValue), "\(delivery.attempts)",
                delivery.lastStatusCode.map(String.init) ?? "–", delivery.lastError.map(HTML.escape) ?? "–", HTML.time(delivery.lastAttemptAt),
                HTML.time(delivery.nextAttemptAt), viewer.actionForm("/webhooks/deliveries/\(delivery.id)/redeliver", label: "Redeliver"),
            ]
        }
        let headers = [
            "Delivery", "Event", "Account", "Sequence", "Status", "Attempts", "Last status", "Last error", "Last attempt", "Next attempt", "",
        ]
        return facts + actions + "<h2>Deliveries</h2>"
            + statusFilter("/webhooks/\(id)", status?.rawValue, WebhookDelivery.Status.allCases.map(\.rawValue))
            + "<div id=\"deliveries\">" + HTML.table(headers, rows, empty: "no deliveries") + "</div>"
            + ConsoleParts.pager(
                "/webhooks/\(id)", query: ConsoleParts.encode([("status", status?.rawValue)]), current: cursor, next: deliveries.nextCursor)
    }

    static func delivery(_ detail: WebhookDeliveryDetail, viewer: Viewer) -> String {
        let delivery = detail.delivery
        let facts = ConsoleParts.facts([
            ("Delivery", "\(delivery.id)"), ("Webhook", HTML.link("/webhooks/\(delivery.subscriptionID)", "\(delivery.subscriptionID)")),
            ("Event", "<code>\(HTML.escape(delivery.eventID))</code> \(HTML.escape(delivery.eventType.rawValue)) #\(delivery.eventSequence)"),
            ("Account", delivery.accountID.map { HTML.link("/accounts/\($0)", "\($0)") } ?? "–"),
            ("Status", "<span id=\"delivery-status\">\(HTML.badge(delivery.status.rawValue))</span>"), ("Attempts", "\(delivery.attempts)"),
            ("First attempt", HTML.time(delivery.firstAttemptAt)), ("Next attempt", HTML.time(delivery.nextAttemptAt)),
            ("Delivered", HTML.time(delivery.deliveredAt)), ("Created", HTML.time(delivery.createdAt)),
        ])
        let rows = detail.attempts.map { attempt -> [String] in
            [
                "<span data-attempt=\"\(attempt.attempt)\">\(attempt.attempt)</span>", HTML.time(attempt.startedAt),
                attempt.statusCode.map { "<span data-status-code=\"\($0)\">\($0)</span>" } ?? "<span class=\"muted\">no answer</span>",
                "\(attempt.durationMilliseconds) ms", attempt.error.map(HTML.escape) ?? "–", HTML.escape(attempt.worker),
            ]
        }
        let redeliver =
            viewer.canAct
            ? "<div class=\"actions\">" + viewer.actionForm("/webhooks/deliveries/\(delivery.id)/redeliver", label: "Redeliver") + "</div>" : ""
        return facts + redeliver + "<h2>Attempts</h2><div id=\"attempts\">"
            + HTML.table(["Attempt", "Started", "Status code", "Duration", "Error", "Worker"], rows, empty: "not attempted yet") + "</div>"
    }

    static func form(_ view: FormView, viewer: Viewer) -> String {
        let chosen = Set(view.value("eventTypes").split(separator: ",").map(String.init))
        let boxes = FeedEventType.allCases.map { type in
            "<label style=\"font-weight:normal\"><input type=\"checkbox\" name=\"eventTypes\" value=\"\(type.rawValue)\"\(chosen.contains(type.rawValue) ? " checked" : "")> \(type.rawValue)</label>"
        }.joined()
        return view.form(
            id: "webhook-form", action: "/webhooks/new", viewer: viewer, submit: "Add webhook",
            view.input("url", "URL", type: "url", required: true, hint: "https://…; checked against the egress rules before it is stored")
                + "<fieldset><legend>Event types</legend>\(boxes)\(view.error("eventTypes"))</fieldset>"
                + view.input("portfolioID", "Only this portfolio's accounts (id, optional)")
                + view.input("userID", "Only this user's accounts (id, optional)") + view.input("description", "Description (optional)"))
    }

    /// The stored subscription with its secret: the one time it is shown.
    static func added(_ added: WebhookAdded) -> String {
        let id = added.subscription.id
        return """
            <p class="notice" role="status">Webhook \(id) added for \(HTML.escape(added.subscription.url)).</p>
            <p>Its signing secret, shown <strong>this once</strong>: copy it to the receiver now; it cannot be shown again.</p>
            <pre id="webhook-secret">\(HTML.escape(added.secret))</pre>
            <p>\(HTML.link("/webhooks/\(id)", "Go to the webhook"))</p>
            """
    }

    static func tested(_ id: Int, _ result: WebhookTestResult) -> String {
        let outcome = result.delivered ? "<span class=\"badge ok\">delivered</span>" : "<span class=\"badge bad\">not delivered</span>"
        return ConsoleParts.facts([
            ("Result", "<span id=\"test-result\">\(outcome)</span>"), ("Status code", result.statusCode.map(String.init) ?? "no answer"),
            ("Duration", "\(result.durationMilliseconds) ms"), ("Error", result.error.map(HTML.escape) ?? "–"),
        ]) + "<p>\(HTML.link("/webhooks/\(id)", "Back to the webhook"))</p>"
    }

    /// Disabled subscriptions for the overview, or nothing when there are none.
    static func disabledSummary(_ page: Page<WebhookSubscription>) -> String {
        guard !page.items.isEmpty else { return "" }
        let rows = page.items.map { subscription -> [String] in
            [
                "<span data-disabled-webhook=\"\(subscription.id)\">\(HTML.link("/webhooks/\(subscription.id)", "\(subscription.id)"))</span>",
                HTML.escape(subscription.url), HTML.time(subscription.disabledAt), HTML.escape(subscription.disabledReason ?? "–"),
            ]
        }
        return "<h2 id=\"disabled-webhooks\">Disabled webhooks</h2>" + HTML.table(["Webhook", "URL", "Disabled", "Why"], rows)
            + "<p>\(HTML.link("/webhooks?status=disabled", "Every disabled webhook"))</p>"
    }
}
