public import Contracts
import Foundation
import PostgresClient
public import RPC

/// psync-webhooks in a test's stack, and feed events written the way persistence writes them.
extension Stack {
    /// The key psync-webhooks seals secrets with in tests.
    public static let webhooksKey = "5d0c8e3b7a91f24c6e8d1b3a5f7092c4e6a8b0d2f4163857a9cbe0d2f4163a8b"

    /// Settings for tests: loopback receivers allowed over plain http, quick retries, a short poll interval.
    public static let webhooksTestEnvironment = [
        "PSYNC_WEBHOOKS_KEY": webhooksKey, "PSYNC_WEBHOOKS_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128", "PSYNC_WEBHOOKS_ALLOW_HTTP": "true",
        "PSYNC_WEBHOOKS_RETRY_BASE": "100ms", "PSYNC_WEBHOOKS_RETRY_MAX": "300ms", "PSYNC_WEBHOOKS_POLL_INTERVAL": "50ms",
        "PSYNC_WEBHOOKS_TIMEOUT": "2s",
    ]

    /// Starts psync-webhooks with the test settings, `environment` on top (a value of "" unsets a test setting).
    @discardableResult
    public func launchWebhooks(environment extra: [String: String] = [:]) async throws -> ServiceProcess {
        try await launch("psync-webhooks", environment: Self.webhooksTestEnvironment.merging(extra) { _, new in new })
    }

    /// psync-webhooks as an administrator calls it.
    public var webhooks: RPCClient<CurlTransport> { get throws { try client("psync-webhooks") } }

    /// Inserts a feed event as persistence would at commit (its trigger plans the deliveries); returns its id.
    @discardableResult
    public func insertFeedEvent(
        _ type: FeedEventType = .accountReauthRequired, accountID: Int? = nil, portfolioID: Int? = nil, userID: Int? = nil,
        data: String = #"{"message":"test"}"#
    ) async throws -> String {
        try await database.query(
            """
            INSERT INTO feed_events (type, version, account_id, portfolio_id, user_id, data)
            VALUES (\(type.rawValue), 1, \(accountID), \(portfolioID), \(userID), \(data)::json) RETURNING id::text
            """
        ).scalar(String.self)
    }
}
