public import FoundationEssentials

/// The RPCs of psync-webhooks: the one process that sends requests to addresses people configure, and the only one
/// holding the key that seals webhook secrets. Listings, removal and redelivery are persistence's (`PersistenceAPI`).
public enum WebhooksAPI {}

/// A new subscription. The URL is checked against the egress rules (after resolving its host) before it is stored.
public struct AddWebhook: Codable, Sendable, Equatable {
    /// `https://…` (or `http://…` where the egress rules allow plain HTTP), at most 2,000 characters, no user or password.
    public var url: String
    public var eventTypes: [FeedEventType]
    public var portfolioID: Int?
    public var userID: Int?
    public var description: String?

    public init(url: String, eventTypes: [FeedEventType], portfolioID: Int? = nil, userID: Int? = nil, description: String? = nil) {
        self.url = url
        self.eventTypes = eventTypes
        self.portfolioID = portfolioID
        self.userID = userID
        self.description = description
    }
}

/// The stored subscription and its signing secret, shown this once.
public struct WebhookAdded: Codable, Sendable, Equatable {
    public var subscription: WebhookSubscription
    /// `whsec_` and 64 hex digits: sign-checking key for the receiver. Not retrievable later.
    public var secret: String
    public init(subscription: WebhookSubscription, secret: String) {
        self.subscription = subscription
        self.secret = secret
    }
}

/// What one test request to a subscription's URL got.
public struct WebhookTestResult: Codable, Sendable, Equatable {
    public var statusCode: Int?
    public var durationMilliseconds: Int
    public var error: String?
    /// A 2xx answer arrived.
    public var delivered: Bool
    public init(statusCode: Int?, durationMilliseconds: Int, error: String?, delivered: Bool) {
        self.statusCode = statusCode
        self.durationMilliseconds = durationMilliseconds
        self.error = error
        self.delivered = delivered
    }
}

extension WebhooksAPI {
    public static let add = Endpoint<AddWebhook, WebhookAdded>(
        .post, "/v1/webhooks", scopes: .administrators.and(.monitor), summary: "Add a subscription: URL checked, secret made and sealed"
    )
    public static let test = Endpoint<ByID, WebhookTestResult>(
        .post, "/v1/webhooks/{id}/test", scopes: .administrators.and(.monitor),
        summary: "Send a signed `webhook.test` request to the subscription's URL now"
    )
}
