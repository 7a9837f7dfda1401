import FoundationEssentials
public import Hummingbird
public import Logging
import NIOCore
public import RedisClient
public import ServiceLifecycle
import UnixSignals

/// One service process: its HTTP router (with the health routes and middleware every service has),
/// its long-lived services, and the `ServiceGroup` that runs them until SIGTERM or SIGINT.
///
/// ```swift
/// var app = ServiceApp(identity: ServiceIdentity(service: "psync-persistence"), configuration: configuration.service,
///                      metrics: metrics, readiness: [.redis(redis)], heartbeat: redis, logger: logger)
/// app.router.on(PersistenceAPI.createUser) { request, _ in try await users.create(request) }
/// app.addService(resultsConsumer)
/// try await app.run()
/// ```
public struct ServiceApp {
    /// Who this process is.
    public let identity: ServiceIdentity
    /// The shared settings.
    public let configuration: ServiceConfiguration
    /// Register endpoints here.
    public let router: Router<ServiceRequestContext>
    /// Every endpoint registered on `router`, which `GET /openapi.json` describes.
    public let catalog: EndpointCatalog
    /// Counters the heartbeat publishes.
    public let stats: WorkerStats
    /// The process logger.
    public let logger: Logger
    private var services: [any Service] = []
    private var shutdownActions: [@Sendable () async -> Void] = []
    private var startupTasks: [@Sendable () async throws -> Void] = []

    /// Sets up the router with request ids, error envelopes, token auth, metrics and health routes,
    /// and a heartbeat into `heartbeat` when given.
    public init(
        identity: ServiceIdentity,
        configuration: ServiceConfiguration,
        metrics: MetricsRegistry,
        readiness: [ReadinessCheck] = [],
        heartbeat: RedisPool? = nil,
        logger: Logger
    ) {
        self.identity = identity
        self.configuration = configuration
        self.logger = logger
        stats = WorkerStats()
        router = Router(context: ServiceRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: AuthMiddleware(tokens: configuration.tokens))
        router.add(middleware: MetricsMiddleware())
        router.addHealthRoutes(identity: identity, checks: readiness, metrics: metrics)
        router.addIdentityRoute(identity: identity, tokens: configuration.tokens, stats: stats)
        catalog = EndpointCatalog.attach(to: router)
        router.addAPIDescription(identity: identity, catalog: catalog)
        services.append(MemoryTrimmer())
        if let heartbeat {
            services.append(
                Heartbeat(
                    redis: heartbeat, identity: identity, stats: stats, interval: configuration.heartbeatInterval, logger: logger,
                    awaitsAddress: true))
        }
    }

    /// Adds a long-lived service; services start in the order added and stop in reverse.
    public mutating func addService(_ service: any Service) {
        services.append(service)
    }

    /// Runs `action` once everything else has stopped (closing pools, say).
    public mutating func onShutdown(_ action: @escaping @Sendable () async -> Void) {
        shutdownActions.append(action)
    }

    /// Runs `task` before the HTTP server accepts requests (migrations, say); if it throws, the process exits.
    public mutating func beforeServerStarts(_ task: @escaping @Sendable () async throws -> Void) {
        startupTasks.append(task)
    }

    /// The Hummingbird application with every service attached (tests run it with HummingbirdTesting).
    public func makeApplication() -> some ApplicationProtocol {
        let identity = identity
        let stats = stats
        let logger = logger
        let advertiseHost = configuration.advertiseHost
        let addressFile = configuration.addressFile
        var application = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(75))),
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: nil),
            services: [ShutdownActions(actions: shutdownActions)] + services,
            onServerRunning: { channel in
                let address = channel.localAddress.map { "http://\($0.ipAddress ?? "127.0.0.1"):\($0.port ?? 0)" } ?? "unknown"
                stats.rpcAddress = channel.localAddress.map { Self.reachableAddress(bound: $0, advertiseHost: advertiseHost) }
                if let addressFile {
                    do {
                        try Data(address.utf8).write(to: URL(fileURLWithPath: addressFile), options: .atomic)
                    } catch {
                        logger.warning("cannot write PSYNC_ADDRESS_FILE", metadata: ["path": .string(addressFile), "error": .string("\(error)")])
                    }
                }
                logger.info("ready", metadata: ["http.address": .string(address), "service.instance": .string(identity.instanceID)])
            },
            logger: logger
        )
        for task in startupTasks { application.beforeServerStarts(perform: task) }
        return application
    }

    /// How other processes reach a server bound to `bound`: a wildcard address is useless to them, so it becomes
    /// the advertised host or this machine's host name (a container's name on a compose network).
    static func reachableAddress(bound: SocketAddress, advertiseHost: String?) -> String {
        let ip = bound.ipAddress ?? "127.0.0.1"
        var host = advertiseHost ?? ip
        if advertiseHost == nil, ip == "0.0.0.0" || ip == "::" {
            host = ProcessInfo.processInfo.hostName
        }
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        return "http://\(host):\(bound.port ?? 0)"
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully within 8 s (cancelling whatever is left).
    public func run() async throws {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: makeApplication())],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(8)
        configuration.maximumCancellationDuration = .seconds(1)
        try await ServiceGroup(configuration: configuration).run()
        logger.info("stopped")
    }
}

/// Waits for graceful shutdown, then runs its actions; listed first, so it stops last.
struct ShutdownActions: Service {
    let actions: [@Sendable () async -> Void]

    func run() async throws {
        try? await gracefulShutdown()
        for action in actions { await action() }
    }
}
