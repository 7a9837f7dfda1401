public import FoundationEssentials

// MARK: The change feed

/// Events of the feed, oldest first, after a sequence number.
public struct ListFeedEvents: Codable, Sendable, Equatable {
    public var accountID: Int?
    public var portfolioID: Int?
    /// Only these types (default: all).
    public var types: [FeedEventType]?
    /// Events committed at or after this moment.
    public var since: Date?
    /// Events after this sequence number (the previous page's `nextAfter`).
    public var after: Int?
    /// At most this many (default 100, at most 1,000).
    public var limit: Int?

    public init(
        accountID: Int? = nil, portfolioID: Int? = nil, types: [FeedEventType]? = nil, since: Date? = nil, after: Int? = nil, limit: Int? = nil
    ) {
        self.accountID = accountID
        self.portfolioID = portfolioID
        self.types = types
        self.since = since
        self.after = after
        self.limit = limit
    }
}

/// A page of the feed, oldest first.
public struct FeedPage: Codable, Sendable, Equatable {
    public var events: [FeedEvent]
    /// Pass back as `after` for the next page; the last event's sequence (or the request's `after` when empty).
    public var nextAfter: Int?
    public init(events: [FeedEvent], nextAfter: Int?) {
        self.events = events
        self.nextAfter = nextAfter
    }
}

extension PersistenceAPI {
    public static let feed = Endpoint<ListFeedEvents, FeedPage>(
        .get, "/v1/feed", scopes: .readers,
        summary: "The change feed: holdings changed, transactions added, re-auth, runs finished; oldest first"
    )
}

// MARK: Webhook subscriptions

/// A webhook subscription as stored (its secret never leaves psync-webhooks unsealed).
public struct WebhookSubscription: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case active, disabled
    }

    public var id: Int
    public var url: String
    public var eventTypes: [FeedEventType]
    /// Only events about this portfolio's accounts; nil for every portfolio.
    public var portfolioID: Int?
    /// Only events about this user's accounts; nil for every user.
    public var userID: Int?
    public var description: String?
    public var status: Status
    /// Since when every attempt has failed; nil after a success.
    public var failingSince: Date?
    public var disabledAt: Date?
    public var disabledReason: String?
    /// Deliveries waiting (pending) right now.
    public var pending: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int, url: String, eventTypes: [FeedEventType], portfolioID: Int?, userID: Int?, description: String?, status: Status,
        failingSince: Date?, disabledAt: Date?, disabledReason: String?, pending: Int, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.url = url
        self.eventTypes = eventTypes
        self.portfolioID = portfolioID
        self.userID = userID
        self.description = description
        self.status = status
        self.failingSince = failingSince
        self.disabledAt = disabledAt
        self.disabledReason = disabledReason
        self.pending = pending
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// psync-webhooks stores a subscription it has checked (URL against the egress rules) with the secret it sealed.
public struct StoreWebhook: Codable, Sendable, Equatable {
    public var url: String
    public var eventTypes: [FeedEventType]
    public var portfolioID: Int?
    public var userID: Int?
    public var description: String?
    /// The signing secret, sealed by psync-webhooks (base64 of its sealed box).
    public var sealedSecret: String

    public init(url: String, eventTypes: [FeedEventType], portfolioID: Int?, userID: Int?, description: String?, sealedSecret: String) {
        self.url = url
        self.eventTypes = eventTypes
        self.portfolioID = portfolioID
        self.userID = userID
        self.description = description
        self.sealedSecret = sealedSecret
    }
}

/// Changes to a subscription that need no egress check: status (re-enabling clears the failure streak), types, filters.
public struct UpdateWebhook: Codable, Sendable, Equatable {
    public var id: Int
    public var status: WebhookSubscription.Status?
    public var eventTypes: [FeedEventType]?
    public var description: String?

    public init(id: Int, status: WebhookSubscription.Status? = nil, eventTypes: [FeedEventType]? = nil, description: String? = nil) {
        self.id = id
        self.status = status
        self.eventTypes = eventTypes
        self.description = description
    }
}

public struct ListWebhooks: PagedRequest, Equatable {
    public var status: WebhookSubscription.Status?
    public var cursor: String?
    public var limit: Int?
    public init(status: WebhookSubscription.Status? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.status = status
        self.cursor = cursor
        self.limit = limit
    }
}

/// A subscription's sealed secret, for psync-webhooks only.
public struct SealedWebhookSecret: Codable, Sendable, Equatable {
    public var id: Int
    public var sealedSecret: String
    public init(id: Int, sealedSecret: String) {
        self.id = id
        self.sealedSecret = sealedSecret
    }
}

// MARK: Deliveries

/// One event's delivery to one subscription.
public struct WebhookDelivery: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Waiting for its (next) attempt, or for an older event about the same account.
        case pending
        /// A 2xx answer arrived.
        case delivered
        /// Every attempt failed for the whole retry window (a target the egress rules refuse at delivery is retried as any failure).
        case failed
    }

    public var id: Int
    public var subscriptionID: Int
    public var eventID: String
    public var eventSequence: Int
    public var eventType: FeedEventType
    public var accountID: Int?
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var firstAttemptAt: Date?
    public var lastAttemptAt: Date?
    public var deliveredAt: Date?
    public var lastStatusCode: Int?
    public var lastError: String?
    public var lastDurationMilliseconds: Int?
    public var createdAt: Date

    public init(
        id: Int, subscriptionID: Int, eventID: String, eventSequence: Int, eventType: FeedEventType, accountID: Int?, status: Status, attempts: Int,
        nextAttemptAt: Date?, firstAttemptAt: Date?, lastAttemptAt: Date?, deliveredAt: Date?, lastStatusCode: Int?, lastError: String?,
        lastDurationMilliseconds: Int?, createdAt: Date
    ) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.eventID = eventID
        self.eventSequence = eventSequence
        self.eventType = eventType
        self.accountID = accountID
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.firstAttemptAt = firstAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.deliveredAt = deliveredAt
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.lastDurationMilliseconds = lastDurationMilliseconds
        self.createdAt = createdAt
    }
}

/// One attempt of a delivery, as the delivery log shows it.
public struct WebhookAttempt: Codable, Sendable, Equatable {
    public var attempt: Int
    public var startedAt: Date
    public var durationMilliseconds: Int
    /// The receiver's status code; nil when no answer arrived (refused, timed out, egress rule).
    public var statusCode: Int?
    public var error: String?
    public var worker: String

    public init(attempt: Int, startedAt: Date, durationMilliseconds: Int, statusCode: Int?, error: String?, worker: String) {
        self.attempt = attempt
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.statusCode = statusCode
        self.error = error
        self.worker = worker
    }
}

public struct WebhookDeliveryDetail: Codable, Sendable, Equatable {
    public var delivery: WebhookDelivery
    public var attempts: [WebhookAttempt]
    public init(delivery: WebhookDelivery, attempts: [WebhookAttempt]) {
        self.delivery = delivery
        self.attempts = attempts
    }
}

public struct ListWebhookDeliveries: PagedRequest, Equatable {
    /// The subscription (in the path).
    public var id: Int
    public var status: WebhookDelivery.Status?
    public var cursor: String?
    public var limit: Int?
    public init(id: Int, status: WebhookDelivery.Status? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.id = id
        self.status = status
        self.cursor = cursor
        self.limit = limit
    }
}

/// psync-webhooks takes deliveries due now: for each subscription and account, only the oldest pending one (so one
/// account's events arrive in order), leased to `worker` for `leaseSeconds` (a crashed worker's lease runs out).
public struct ClaimWebhookDeliveries: Codable, Sendable, Equatable {
    public var worker: String
    /// At most this many (1–500).
    public var limit: Int
    /// 5–600.
    public var leaseSeconds: Int
    public init(worker: String, limit: Int, leaseSeconds: Int) {
        self.worker = worker
        self.limit = limit
        self.leaseSeconds = leaseSeconds
    }
}

/// A delivery to attempt now, with everything needed to send it.
public struct ClaimedWebhookDelivery: Codable, Sendable, Equatable {
    public var deliveryID: Int
    public var subscriptionID: Int
    public var url: String
    public var sealedSecret: String
    /// This attempt's number (1 for the first).
    public var attempt: Int
    /// When the first attempt was made; nil on the first.
    public var firstAttemptAt: Date?
    public var event: FeedEvent

    public init(deliveryID: Int, subscriptionID: Int, url: String, sealedSecret: String, attempt: Int, firstAttemptAt: Date?, event: FeedEvent) {
        self.deliveryID = deliveryID
        self.subscriptionID = subscriptionID
        self.url = url
        self.sealedSecret = sealedSecret
        self.attempt = attempt
        self.firstAttemptAt = firstAttemptAt
        self.event = event
    }
}

/// What became of attempts psync-webhooks made.
public struct RecordWebhookAttempts: Codable, Sendable, Equatable {
    public struct Outcome: Codable, Sendable, Equatable {
        public enum Result: String, Codable, Sendable, CaseIterable {
            /// A 2xx answer: the delivery is done.
            case delivered
            /// Try again at `nextAttemptAt`.
            case retry
            /// Give up: the retry window passed.
            case failed
        }

        public var deliveryID: Int
        public var attempt: Int
        public var startedAt: Date
        public var durationMilliseconds: Int
        public var statusCode: Int?
        /// Why it failed, in a line (no secret, no response body beyond a short excerpt).
        public var error: String?
        public var result: Result
        public var nextAttemptAt: Date?

        public init(
            deliveryID: Int, attempt: Int, startedAt: Date, durationMilliseconds: Int, statusCode: Int?, error: String?, result: Result,
            nextAttemptAt: Date?
        ) {
            self.deliveryID = deliveryID
            self.attempt = attempt
            self.startedAt = startedAt
            self.durationMilliseconds = durationMilliseconds
            self.statusCode = statusCode
            self.error = error
            self.result = result
            self.nextAttemptAt = nextAttemptAt
        }
    }

    public var worker: String
    public var outcomes: [Outcome]
    /// A subscription whose attempts have all failed for this long is disabled (default: a day).
    public var disableAfterSeconds: Int

    public init(worker: String, outcomes: [Outcome], disableAfterSeconds: Int) {
        self.worker = worker
        self.outcomes = outcomes
        self.disableAfterSeconds = disableAfterSeconds
    }
}

/// What recording changed: subscriptions disabled by it.
public struct WebhookAttemptsRecorded: Codable, Sendable, Equatable {
    public var stored: Int
    public var disabledSubscriptions: [Int]
    public init(stored: Int, disabledSubscriptions: [Int]) {
        self.stored = stored
        self.disabledSubscriptions = disabledSubscriptions
    }
}

extension PersistenceAPI {
    public static let storeWebhook = Endpoint<StoreWebhook, WebhookSubscription>(
        .post, "/v1/webhooks", scopes: [.webhooks], summary: "Store a subscription psync-webhooks checked and sealed"
    )
    public static let listWebhooks = Endpoint<ListWebhooks, Page<WebhookSubscription>>(
        .get, "/v1/webhooks", scopes: .readers.and(.monitor), summary: "List webhook subscriptions, newest first"
    )
    public static let getWebhook = Endpoint<ByID, WebhookSubscription>(
        .get, "/v1/webhooks/{id}", scopes: .readers.and(.monitor, .webhooks), summary: "A webhook subscription"
    )
    public static let updateWebhook = Endpoint<UpdateWebhook, WebhookSubscription>(
        .patch, "/v1/webhooks/{id}", scopes: .administrators.and(.monitor),
        summary: "Disable or re-enable a subscription, or change its event types"
    )
    public static let deleteWebhook = Endpoint<ByID, WebhookSubscription>(
        .delete, "/v1/webhooks/{id}", scopes: .administrators.and(.monitor), summary: "Remove a subscription and its delivery log"
    )
    public static let webhookSecret = Endpoint<ByID, SealedWebhookSecret>(
        .get, "/v1/webhooks/{id}/secret", scopes: [.webhooks], summary: "A subscription's sealed secret (psync-webhooks only)"
    )
    public static let listWebhookDeliveries = Endpoint<ListWebhookDeliveries, Page<WebhookDelivery>>(
        .get, "/v1/webhooks/{id}/deliveries", scopes: .readers.and(.monitor), summary: "A subscription's deliveries, newest first"
    )
    public static let getWebhookDelivery = Endpoint<ByID, WebhookDeliveryDetail>(
        .get, "/v1/webhook-deliveries/{id}", scopes: .readers.and(.monitor), summary: "A delivery with every attempt"
    )
    public static let redeliverWebhook = Endpoint<ByID, WebhookDelivery>(
        .post, "/v1/webhook-deliveries/{id}/redeliver", scopes: .administrators.and(.monitor),
        summary: "Send a delivery again now (same event id), whatever its state"
    )
    public static let claimWebhookDeliveries = Endpoint<ClaimWebhookDeliveries, [ClaimedWebhookDelivery]>(
        .post, "/v1/webhook-deliveries/claim", scopes: [.webhooks], summary: "Lease the deliveries due now, oldest first per account"
    )
    public static let recordWebhookAttempts = Endpoint<RecordWebhookAttempts, WebhookAttemptsRecorded>(
        .post, "/v1/webhook-deliveries/attempts", scopes: [.webhooks], summary: "Record attempts; disable subscriptions failing for too long"
    )
}
