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
    let logger: Logger
    static let notForServices = "pages are for people: log in with an admin or read-only token, not a service's"

    func register(on router: Router<ServiceRequestContext>) {
        page(router, "/", title: "Overview") { _, _, viewer in OverviewPage.render(try await data.overview(), viewer: viewer) }
        page(router, "/workers", title: "Workers") { _, _, _ in WorkersPage.render(try await data.workers.list()) }
        page(router, "/queues", title: "Queues") { _, _, viewer in
            let brokers = try await data.workers.list(ListWorkers(includeLost: false)).compactMap(\.heartbeat.broker)
            return QueuesPage.render(try await data.queues.all(extraBrokers: brokers), viewer: viewer)
        }
        page(router, "/runs", title: "Runs") { request, _, _ in
            let status = request.uri.queryParameters.get("status").flatMap { $0.isEmpty ? nil : $0 }
            let parsed = try status.map { text in
                guard let value = RunStatus(rawValue: text) else { throw APIError.badRequest("status must be dispatching, running or finished") }
                return value
            }
            let cursor = request.uri.queryParameters.get("cursor")
            return RunsPage.render(try await data.runs(ListRuns(status: parsed, cursor: cursor, limit: 50)), status: status)
        }
        page(router, "/runs/{id}", title: "Run", active: "/runs") { _, context, _ in
            let id = try Self.id(context)
            return RunsPage.detail(try await data.run(id), outstanding: try await data.outstandingJobs(run: id))
        }
        page(router, "/jobs", title: "Jobs") { request, _, _ in
            let query = request.uri.queryParameters
            func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : $0 } }
            let filters = JobsPage.Filters(
                status: value("status"), broker: value("broker"), account: value("account"), run: value("run"), since: value("since"),
                until: value("until"))
            return JobsPage.render(try await data.jobs(try filters.request(cursor: value("cursor"))), filters: filters)
        }
        page(router, "/jobs/{id}", title: "Job", active: "/jobs") { _, context, _ in JobsPage.detail(try await data.job(try Self.id(context))) }
        page(router, "/dead-letters", title: "Dead letters") { request, _, viewer in
            let before = request.uri.queryParameters.get("before").flatMap { $0.isEmpty ? nil : $0 }
            return DeadLettersPage.render(try await data.deadLetters(ListDeadLetters(before: before, limit: 100)), viewer: viewer)
        }
        page(router, "/dead-letters/{id}", title: "Dead letter", active: "/dead-letters") { _, context, viewer in
            DeadLettersPage.detail(try await data.deadLetter(context.parameters.get("id") ?? ""), viewer: viewer)
        }
        page(router, "/accounts/reauth", title: "Accounts needing re-auth") { _, _, _ in ReauthPage.render(try await data.reauthAccounts()) }
        page(router, "/accounts/{id}", title: "Account", active: "/accounts/reauth") { _, context, _ in
            let id = try Self.id(context)
            return AccountPage.render(try await data.accountHoldings(id), positions: try await data.accountPositions(id))
        }

        action(router, "/queues/{broker}/pause") { context in
            _ = try await actions.setPaused(true, broker: context.parameters.get("broker") ?? "")
            return "/queues"
        }
        action(router, "/queues/{broker}/resume") { context in
            _ = try await actions.setPaused(false, broker: context.parameters.get("broker") ?? "")
            return "/queues"
        }
        action(router, "/dead-letters/{id}/retry") { context in
            _ = try await actions.retry(context.parameters.get("id") ?? "")
            return "/dead-letters"
        }
        action(router, "/dead-letters/retry") { _ in
            _ = try await actions.retryAll()
            return "/dead-letters"
        }
        LoginRoutes(sessions: sessions, tokens: tokens, throttle: throttle, logger: logger).register(on: router)
    }

    /// A page for readers; anonymous visitors are sent to the login.
    private func page(
        _ router: Router<ServiceRequestContext>, _ path: String, title: String, active: String? = nil,
        render: @escaping @Sendable (Request, ServiceRequestContext, Viewer) async throws -> String
    ) {
        router.get(RouterPath(path)) { request, context -> Response in
            guard let principal = context.principal else {
                return PageResponses.redirect("/login?next=\(HTML.query(PageResponses.here(request)))")
            }
            guard principal.scope.isPerson else { return PageResponses.error(.forbidden(Self.notForServices), viewer: nil) }
            let scope = principal.scope
            let viewer = Viewer(scope: scope, csrf: CurrentSession.value?.csrf)
            do {
                let body = try await render(request, context, viewer)
                return PageResponses.html(Layout.page(title: title, active: active ?? path, viewer: viewer, body: body))
            } catch let error as APIError {
                return PageResponses.error(error, viewer: viewer)
            }
        }
    }

    /// A form action for administrators: a session must send its CSRF token; a bearer token needs none. Answers with a redirect.
    private func action(
        _ router: Router<ServiceRequestContext>, _ path: String, perform: @escaping @Sendable (ServiceRequestContext) async throws -> String
    ) {
        router.post(RouterPath(path)) { request, context -> Response in
            if let principal = context.principal, !principal.scope.isPerson {
                return PageResponses.error(.forbidden(Self.notForServices), viewer: nil)
            }
            var scope = context.principal?.scope
            let session = CurrentSession.value
            if let session, scope == nil || scope == session.scope {
                let body = try await request.body.collect(upTo: 64 << 10)
                let form = ParameterDecoder.parse(query: String(buffer: body))
                guard let token = form["csrf"]?.first, ConstantTime.equals(token, session.csrf) else {
                    return PageResponses.error(
                        .forbidden("the form is out of date or came from another site; reload the page and try again"), viewer: nil)
                }
                scope = session.scope
            }
            guard let scope else { return PageResponses.redirect("/login") }
            let viewer = Viewer(scope: scope, csrf: session?.csrf)
            guard scope == .admin else {
                return PageResponses.error(.forbidden("this needs an admin token; yours has \(scope.rawValue) scope"), viewer: viewer)
            }
            do {
                return PageResponses.redirect(try await perform(context))
            } catch let error as APIError {
                return PageResponses.error(error, viewer: viewer)
            }
        }
    }

    static func id(_ context: ServiceRequestContext) throws -> Int {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int(text), id > 0 else { throw APIError.badRequest("the id must be a positive number, got '\(text.prefix(20))'") }
        return id
    }
}
