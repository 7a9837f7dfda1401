import Contracts
import CurlClient
import Logging
import RPC
import ServiceKit

/// Builds psync-webhooks, the one process that sends requests to addresses people configure.
///
/// It is a service of its own so that its egress alone can be opened to the internet while every other service's stays
/// closed (a NetworkPolicy per pod), so that it alone holds the key that seals webhook secrets, and so that a slow or
/// hostile receiver can never slow syncing. It has no Redis: it talks only to psync-persistence (claim deliveries, record
/// attempts, store subscriptions) and to receivers, through the egress rules (`EgressPolicy`) on every request.
func buildWebhooks(_ configuration: WebhooksConfiguration, metrics: MetricsRegistry, logger: Logger) throws -> ServiceApp {
    guard let keys = configuration.keys else {
        throw ConfigurationError(
            "PSYNC_WEBHOOKS_KEY (or PSYNC_WEBHOOKS_KEY_FILE) is required: 64 hex digits that seal webhook secrets (`openssl rand -hex 32`)")
    }
    let http = HTTPClient()
    let identity = ServiceIdentity(service: "psync-webhooks")
    let persistenceURL = configuration.persistenceURL
    let persistenceReady = ReadinessCheck(name: "persistence") {
        let response = try await http.execute(HTTPClientRequest(url: persistenceURL + "/healthz", timeout: .seconds(2)))
        guard response.status == 200 else { throw ConfigurationError("psync-persistence answered \(response.status)") }
    }
    var app = ServiceApp(
        identity: identity, configuration: configuration.service, metrics: metrics, readiness: [persistenceReady], heartbeat: nil, logger: logger)
    let persistence = RPCClient(
        baseURL: persistenceURL, token: try configuration.service.tokens.ownToken(as: Principal(.webhooks)), client: http, timeout: .seconds(30))
    let resolver = EgressResolver()
    let webhookHTTP = WebhookSender.makeClient(timeout: configuration.timeout, connectTimeout: configuration.connectTimeout)
    let sender = WebhookSender(
        egress: EgressGuard(policy: configuration.egress, resolver: resolver), http: webhookHTTP, timeout: configuration.timeout)
    let vault = WebhookSecretVault(keys: keys)
    WebhooksRoutes(persistence: persistence, sender: sender, vault: vault).register(on: app.router)

    app.addService(resolver)
    app.addService(
        DeliveryLoop(
            persistence: persistence, sender: sender, vault: vault,
            configuration: .init(
                worker: identity.instanceID, concurrency: configuration.concurrency, pollInterval: configuration.pollInterval,
                leaseSeconds: configuration.leaseSeconds, disableAfterSeconds: max(1, Int(configuration.disableAfter.components.seconds)),
                retry: RetryPolicy(base: configuration.retryBase, maximum: configuration.retryMax, window: configuration.retryWindow)),
            metrics: DeliveryMetrics(), logger: logger))
    app.onShutdown {
        webhookHTTP.shutdown()
        http.shutdown()
    }
    return app
}
