import Contracts
import HTTPTypes
public import Hummingbird
import NIOCore
public import RedisClient

/// One dependency `/readyz` checks: it throws (with a reason) when the dependency is unavailable.
public struct ReadinessCheck: Sendable {
    /// Shown in the report, e.g. `redis`.
    public let name: String
    /// Throws when not ready.
    public let check: @Sendable () async throws -> Void

    /// A check named `name`.
    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }

    /// Redis answers `PING`.
    public static func redis(_ pool: RedisPool) -> ReadinessCheck {
        ReadinessCheck(name: "redis") { _ = try await pool.ping() }
    }
}

extension Router where Context == ServiceRequestContext {
    /// `GET /healthz` (alive, no token), `GET /readyz` (dependencies reachable; each one's state only with a token),
    /// `GET /metrics` (people's tokens and the monitor's).
    public func addHealthRoutes(identity: ServiceIdentity, checks: [ReadinessCheck], metrics: MetricsRegistry) {
        get("/healthz") { _, _ in
            try EndpointCodec.response(HealthReport(status: "ok", service: identity.service, version: identity.version))
        }
        // Without a token: `ok` or `unavailable` only (a failing check's text may name a host or a URL); any valid
        // token also gets each dependency's state.
        get("/readyz") { _, context in
            let results = await withTaskGroup(of: (String, String).self) { group in
                for check in checks {
                    group.addTask {
                        do {
                            try await check.check()
                            return (check.name, "ok")
                        } catch {
                            return (check.name, "\(error)")
                        }
                    }
                }
                var results: [String: String] = [:]
                for await (name, result) in group { results[name] = result }
                return results
            }
            let ready = results.values.allSatisfy { $0 == "ok" }
            var response = try EndpointCodec.response(
                HealthReport(
                    status: ready ? "ok" : "unavailable", service: identity.service, version: identity.version,
                    checks: context.principal == nil ? [:] : results)
            )
            if !ready { response.status = .serviceUnavailable }
            return response
        }
        get("/metrics") { _, context in
            try context.authorize(.metricsReaders)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
    }
}
