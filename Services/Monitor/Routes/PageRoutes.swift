import Contracts
import Cryptography
import FoundationEssentials
import Hummingbird
import Logging
import NIOCore
import ServiceKit

/// The dashboard's pages (server-rendered; they work without JavaScript) and their form actions.
struct PageRoutes {
    let data: MonitorData
    let actions: MonitorActions
    let sessions: SessionStore
    let tokens: TokenSet
    let throttle: LoginThrottle
    let proxies: TrustedProxies
    let logger: Logger

    func register(on router: Router<ServiceRequestContext>) {
        let pages = PageRouter(router: router)
        pages.page("/", title: "Overview") { _, _, viewer in
            async let disabledWebhooks = WebhookRoutes.disabledSummary(data.persistence)
            return OverviewPage.render(try await data.overview(), viewer: viewer) + (await disabledWebhooks)
        }
        pages.page("/workers", title: "Workers") { _, _, _ in WorkersPage.render(try await data.workers.list()) }
        pages.page("/queues", title: "Queues") { _, _, viewer in
            let brokers = try await data.workers.list(ListWorkers(includeLost: false)).compactMap(\.heartbeat.broker)
            return QueuesPage.render(try await data.queues.all(extraBrokers: brokers), viewer: viewer)
        }
        pages.page("/runs", title: "Runs") { request, _, _ in
            let status = request.uri.queryParameters.get("status").flatMap { $0.isEmpty ? nil : $0 }
            let parsed = try status.map { text in
                guard let value = RunStatus(rawValue: text) else { throw APIError.badRequest("status must be dispatching, running or finished") }
                return value
            }
            let cursor = request.uri.queryParameters.get("cursor")
            return RunsPage.render(try await data.runs(ListRuns(status: parsed, cursor: cursor, limit: 50)), status: status)
        }
        pages.page("/runs/{id}", title: "Run", active: "/runs") { _, context, viewer in
            let id = try Self.id(context)
            return RunsPage.detail(try await data.run(id), outstanding: try await data.outstandingJobs(run: id), viewer: viewer)
        }
        pages.page("/jobs", title: "Jobs") { request, _, _ in
            let query = request.uri.queryParameters
            func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : $0 } }
            let filters = JobsPage.Filters(
                status: value("status"), broker: value("broker"), account: value("account"), run: value("run"), since: value("since"),
                until: value("until"))
            return JobsPage.render(try await data.jobs(try filters.request(cursor: value("cursor"))), filters: filters)
        }
        pages.page("/jobs/{id}", title: "Job", active: "/jobs") { _, context, _ in JobsPage.detail(try await data.job(try Self.id(context))) }
        pages.page("/dead-letters", title: "Dead letters") { request, _, viewer in
            let before = request.uri.queryParameters.get("before").flatMap { $0.isEmpty ? nil : $0 }
            let filter = OperationsRoutes.filterForm(query: request)
            let matches = filter.isEmpty ? nil : try await actions.matchCount(try filter.filter())
            return DeadLettersPage.render(try await data.deadLetters(ListDeadLetters(before: before, limit: 100)), viewer: viewer)
                + DeadLettersPage.filtered(filter, matches: matches, viewer: viewer)
        }
        pages.page("/dead-letters/{id}", title: "Dead letter", active: "/dead-letters") { _, context, viewer in
            DeadLettersPage.detail(try await data.deadLetter(context.parameters.get("id") ?? ""), viewer: viewer)
        }

        pages.action("/queues/{broker}/pause") { context in
            _ = try await actions.setPaused(true, broker: context.parameters.get("broker") ?? "")
            return "/queues"
        }
        pages.action("/queues/{broker}/resume") { context in
            _ = try await actions.setPaused(false, broker: context.parameters.get("broker") ?? "")
            return "/queues"
        }
        pages.action("/dead-letters/{id}/retry") { context in
            _ = try await actions.retry(context.parameters.get("id") ?? "")
            return "/dead-letters"
        }
        pages.action("/dead-letters/retry") { _ in
            _ = try await actions.retryAll()
            return "/dead-letters"
        }
        LoginRoutes(sessions: sessions, tokens: tokens, throttle: throttle, proxies: proxies, logger: logger).register(on: router)
    }

    static func id(_ context: ServiceRequestContext) throws -> Int { try PageRouter.id(context) }
}
