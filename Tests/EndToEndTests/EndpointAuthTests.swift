import Contracts
import CurlClient
import Foundation
import TestSupport
import Testing

/// Walks every endpoint each service describes in its `/openapi.json` (which lists exactly what it registered) with no
/// token and with the token of every identity: the two people (read, admin) and each of our services.
@Suite("Every endpoint of every service requires a token, and each identity reaches only what it uses")
struct EndpointAuthTests {
    struct Operation {
        var service: String
        var method: String
        var path: String
        var scopes: Set<String>

        var name: String { "\(service) \(method) \(path)" }
    }

    /// What each of our services calls, from the RPC clients in its code (`grep -r "API\." Services/<Service>`): its
    /// token must open exactly these operations and nothing else. Written out here, apart from the endpoints'
    /// declarations, so widening a declaration fails this test.
    static let calls: [Scope: Set<String>] = [
        .scheduler: Set(
            [
                PersistenceAPI.createSchedule.description, PersistenceAPI.updateSchedule.description,
                PersistenceAPI.deleteSchedule.description, PersistenceAPI.listSchedules.description,
                PersistenceAPI.getSchedule.description, PersistenceAPI.scheduleChangeMark.description,
                PersistenceAPI.recordFire.description, PersistenceAPI.markFiresSent.description,
                PersistenceAPI.unsentFires.description, PersistenceAPI.advanceSchedule.description,
            ].map { "psync-persistence \($0)" }),
        .dispatcher: Set(
            [
                PersistenceAPI.createRun.description, PersistenceAPI.queuedJobs.description,
                PersistenceAPI.markRunDispatched.description, PersistenceAPI.completeRun.description,
                PersistenceAPI.getRun.description, PersistenceAPI.listRuns.description, PersistenceAPI.runJobs.description,
            ].map { "psync-persistence \($0)" }),
        .gateway: Set(
            [
                PersistenceAPI.getAccount.description, PersistenceAPI.updateAccount.description,
                PersistenceAPI.getCredentials.description, PersistenceAPI.listCredentials.description,
                PersistenceAPI.storeCredentials.description, PersistenceAPI.storeSnapshot.description,
                PersistenceAPI.storeTransactions.description,
            ].map { "psync-persistence \($0)" }),
        .monitor: monitorCalls,
        .persistence: [],
        // psync-webhooks: stores checked subscriptions, reads their sealed secrets, claims deliveries and records attempts.
        .webhooks: Set(
            [
                PersistenceAPI.storeWebhook.description, PersistenceAPI.getWebhook.description, PersistenceAPI.webhookSecret.description,
                PersistenceAPI.claimWebhookDeliveries.description, PersistenceAPI.recordWebhookAttempts.description,
            ].map { "psync-persistence \($0)" }),
    ]

    /// What psync-monitor calls: the dashboard's reads and actions, and the console's users, portfolios and accounts pages.
    static let monitorCalls: Set<String> = {
        let persistence: [String] = [
            PersistenceAPI.accountHoldings.description, PersistenceAPI.accountPositions.description,
            PersistenceAPI.getJob.description, PersistenceAPI.listJobs.description, PersistenceAPI.jobStatistics.description,
            PersistenceAPI.getRun.description, PersistenceAPI.listRuns.description, PersistenceAPI.runJobs.description,
            PersistenceAPI.listAccounts.description, PersistenceAPI.listBrokers.description,
            PersistenceAPI.recordAudit.description, PersistenceAPI.reopenJobs.description,
            PersistenceAPI.listAudit.description, PersistenceAPI.cancelRun.description, PersistenceAPI.listScheduleFires.description,
            PersistenceAPI.overviewFigures.description, PersistenceAPI.portfolioHoldings.description,
            PersistenceAPI.portfolioPositions.description, PersistenceAPI.portfolioHistory.description,
            PersistenceAPI.accountSnapshots.description, PersistenceAPI.snapshotHoldings.description,
        ]
        let console: [String] = [
            PersistenceAPI.createUser.description, PersistenceAPI.listUsers.description, PersistenceAPI.getUser.description,
            PersistenceAPI.updateUser.description, PersistenceAPI.deleteUser.description, PersistenceAPI.createPortfolio.description,
            PersistenceAPI.listPortfolios.description, PersistenceAPI.getPortfolio.description, PersistenceAPI.updatePortfolio.description,
            PersistenceAPI.deletePortfolio.description, PersistenceAPI.createAccount.description, PersistenceAPI.getAccount.description,
            PersistenceAPI.updateAccount.description, PersistenceAPI.deleteAccount.description, PersistenceAPI.accountTransactions.description,
        ]
        let webhookPages: [String] = [
            PersistenceAPI.listWebhooks.description, PersistenceAPI.getWebhook.description, PersistenceAPI.updateWebhook.description,
            PersistenceAPI.deleteWebhook.description, PersistenceAPI.listWebhookDeliveries.description,
            PersistenceAPI.getWebhookDelivery.description, PersistenceAPI.redeliverWebhook.description,
        ]
        let webhooks: [String] = [WebhooksAPI.add.description, WebhooksAPI.test.description]
        let dispatcher: [String] = [DispatcherAPI.runProgress.description, DispatcherAPI.startRun.description]
        let gateway: [String] = [GatewayAPI.putCredentials.description, GatewayAPI.loginURL.description, GatewayAPI.completeLogin.description]
        let scheduler: [String] = [
            SchedulerAPI.createSchedule.description, SchedulerAPI.updateSchedule.description, SchedulerAPI.pauseSchedule.description,
            SchedulerAPI.resumeSchedule.description, SchedulerAPI.deleteSchedule.description, SchedulerAPI.runScheduleNow.description,
            SchedulerAPI.listSchedules.description, SchedulerAPI.getSchedule.description,
        ]
        return Set(
            (persistence + console + webhookPages).map { "psync-persistence \($0)" } + webhooks.map { "psync-webhooks \($0)" }
                + dispatcher.map { "psync-dispatcher \($0)" }
                + gateway.map { "psync-gateway \($0)" } + scheduler.map { "psync-scheduler \($0)" })
    }()

    /// Every identity with its token: the people, and every service (gateways of two brokers).
    static var identities: [(Principal, String)] {
        [(Principal(.read), Stack.readToken), (Principal(.admin), Stack.adminToken)]
            + ServiceTokens.services.filter { $0.broker == nil || ["SANDBOX", "ZERODHA"].contains($0.broker!) }.map { ($0, ServiceTokens.token($0)) }
    }

    @Test("no token → 401; an identity outside the endpoint's scopes → 403, inside → never 401, 403 or 5xx; each service opens only what it calls")
    func walkEveryEndpoint() async throws {
        let stack = try await Stack.start()
        do {
            try await stack.launch("psync-brokersim")
            try await stack.launch("psync-dispatcher")
            try await stack.launch("psync-scheduler")
            try await stack.launch("psync-monitor")
            try await stack.launchGateway("SANDBOX")
            try await stack.launchWebhooks()
            let services = ["psync-persistence", "psync-dispatcher", "psync-scheduler", "psync-monitor", "psync-gateway", "psync-webhooks"]
            var operations: [Operation] = []
            for service in services {
                let base = try #require(stack.running(service, arguments: service == "psync-gateway" ? ["--broker", "SANDBOX"] : []).first).baseURL
                operations += try await Self.describedOperations(service: service, baseURL: base, stack: stack)
            }
            #expect(operations.count > 60, "only \(operations.count) endpoints described")
            var failures: [String] = []
            var opened: [Principal: Set<String>] = [:]
            for operation in operations {
                let base = try #require(
                    stack.running(operation.service, arguments: operation.service == "psync-gateway" ? ["--broker", "SANDBOX"] : []).first
                ).baseURL
                let anonymous = try await Self.call(stack, base, operation, token: nil)
                if anonymous.status != 401 {
                    failures.append("\(operation.name) without a token: \(anonymous.status)")
                }
                for (principal, token) in Self.identities {
                    let response = try await Self.call(stack, base, operation, token: token)
                    let allowed = operation.scopes.contains(principal.scope.rawValue)
                    if allowed { opened[principal, default: []].insert(operation.name) }
                    let fine = allowed ? ![401, 403].contains(response.status) && response.status < 500 : response.status == 403
                    if !fine {
                        failures.append("\(operation.name) as \(principal) (allowed: \(allowed)): \(response.status) \(response.text.prefix(200))")
                    }
                    if response.status >= 400, (try? JSONCoding.decode(ErrorEnvelope.self, from: response.body)) == nil {
                        failures.append("\(operation.name) as \(principal): \(response.status) outside the error envelope")
                    }
                }
            }
            for (principal, _) in Self.identities where !principal.scope.isPerson {
                let expected = try #require(Self.calls[principal.scope])
                let have = opened[principal] ?? []
                #expect(
                    have == expected,
                    "\(principal) opens \(have.subtracting(expected).sorted()) beyond what it calls and misses \(expected.subtracting(have).sorted())"
                )
            }
            // Metrics: people and the monitor (which scrapes every service); no other service.
            for service in services {
                let base = try #require(stack.running(service, arguments: service == "psync-gateway" ? ["--broker", "SANDBOX"] : []).first).baseURL
                for (principal, token) in Self.identities {
                    let response = try await stack.http.execute(
                        HTTPClientRequest(url: base + "/metrics", headers: [("Authorization", "Bearer \(token)")]))
                    let allowed = principal.scope.isPerson || principal.scope == .monitor
                    if response.status != (allowed ? 200 : 403) { failures.append("\(service) /metrics as \(principal): \(response.status)") }
                }
            }
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        } catch {
            Issue.record("\(error)\n\(stack.logs())")
        }
        await stack.stop()
    }

    /// The operations `/openapi.json` lists, health routes aside.
    static func describedOperations(service: String, baseURL: String, stack: Stack) async throws -> [Operation] {
        let response = try await stack.http.execute(
            HTTPClientRequest(url: baseURL + "/openapi.json", headers: [("Authorization", "Bearer \(Stack.readToken)")]))
        #expect(response.status == 200, "\(service) /openapi.json: \(response.status)")
        guard case .object(let root) = try JSONCoding.decode(JSONValue.self, from: response.body), case .object(let paths)? = root["paths"] else {
            throw HarnessError("\(service) /openapi.json has no paths")
        }
        var operations: [Operation] = []
        for (path, item) in paths where path.hasPrefix("/v") || path.hasPrefix("/api") {
            guard case .object(let methods) = item else { continue }
            for (method, description) in methods {
                guard case .object(let fields) = description, case .array(let scopes)? = fields["x-psync-scopes"] else {
                    throw HarnessError("\(service) \(method) \(path) declares no scopes")
                }
                operations.append(
                    Operation(
                        service: service, method: method.uppercased(), path: path,
                        scopes: Set(scopes.compactMap { if case .string(let scope) = $0 { scope } else { nil } })))
            }
        }
        return operations.sorted { ($0.service, $0.path, $0.method) < ($1.service, $1.path, $1.method) }
    }

    /// One call with made-up path values (ids that do not exist) and an empty JSON object as the body.
    static func call(_ stack: Stack, _ base: String, _ operation: Operation, token: String?) async throws -> HTTPClientResponse {
        let path = operation.path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") ? "987654" : String(segment)
        }.joined(separator: "/")
        var headers = [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let body: [UInt8]? = ["GET", "DELETE"].contains(operation.method) ? nil : Array("{}".utf8)
        return try await stack.http.execute(
            HTTPClientRequest(method: operation.method, url: base + path, headers: headers, body: body, timeout: .seconds(30)))
    }
}
