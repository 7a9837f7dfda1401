import Contracts
import Hummingbird
import ServiceKit

/// Bulk actions for administrators, as JSON (`MonitorAPI`, for the CLI) and as page forms: cancel a run, retry a run's
/// failed jobs, and retry or discard the dead letters a filter matches (a discard and a cancel ask on a page first).
struct OperationsRoutes {
    let actions: MonitorActions

    func register(on router: Router<ServiceRequestContext>) {
        router.on(MonitorAPI.cancelRun) { request, _ in try await actions.cancelRun(request.id) }
        router.on(MonitorAPI.retryFailedJobs) { request, _ in try await actions.retryFailed(run: request.id) }
        router.on(MonitorAPI.matchingDeadLetters) { request, _ in try await actions.matchCount(request) }
        router.on(MonitorAPI.retryMatchingDeadLetters) { request, _ in try await actions.retryMatching(request) }
        router.on(MonitorAPI.discardDeadLetters) { request, _ in try await actions.discard(request) }

        let pages = PageRouter(router: router)
        pages.page("/runs/{id}/cancel", title: "Cancel run", active: "/runs") { _, context, viewer in
            guard viewer.canAct else { throw APIError.forbidden("cancelling a run needs an admin token") }
            let id = try PageRouter.id(context)
            return """
                <p>Cancel run #\(id)? Its queued, retrying and running jobs end as cancelled (a result that still arrives for one is \
                discarded) and the run finishes.</p>
                <form method="post" action="/runs/\(id)/cancel" id="confirm-cancel">\(viewer.csrfField)<button type="submit">Cancel the run</button> \
                <a href="/runs/\(id)">Keep it running</a></form>
                """
        }
        pages.action("/runs/{id}/cancel") { context in
            let id = try PageRouter.id(context)
            _ = try await actions.cancelRun(id)
            return "/runs/\(id)"
        }
        pages.action("/runs/{id}/retry-failed") { context in
            let id = try PageRouter.id(context)
            _ = try await actions.retryFailed(run: id)
            return "/runs/\(id)"
        }
        pages.form("/dead-letters/retry-matching", active: "/dead-letters") { _, _, fields, _ in
            let form = Self.filterForm(fields)
            _ = try await actions.retryMatching(try Self.required(form))
            return .redirect("/dead-letters")
        }
        pages.page("/dead-letters/discard", title: "Discard dead letters", active: "/dead-letters") { request, _, viewer in
            guard viewer.canAct else { throw APIError.forbidden("discarding dead letters needs an admin token") }
            let form = Self.filterForm(query: request)
            let matches = try await actions.matchCount(try Self.required(form))
            return DeadLettersPage.confirmDiscard(form, matches: matches, viewer: viewer)
        }
        pages.form("/dead-letters/discard", active: "/dead-letters") { _, _, fields, _ in
            _ = try await actions.discard(try Self.required(Self.filterForm(fields)))
            return .redirect("/dead-letters")
        }
    }

    static func filterForm(_ fields: FormFields) -> DeadLettersPage.FilterForm {
        filterForm { fields[$0] }
    }

    /// The filter in a GET's query string, decoded as a browser's form sends it (a space as `+`).
    static func filterForm(query request: Request) -> DeadLettersPage.FilterForm {
        let values = ParameterDecoder.parse(query: request.uri.query ?? "")
        return filterForm { values[$0]?.first }
    }

    static func filterForm(_ value: (String) -> String?) -> DeadLettersPage.FilterForm {
        var values: [String: String] = [:]
        for name in DeadLettersPage.FilterForm.names {
            if let text = value(name), !text.isEmpty { values[name] = text }
        }
        return DeadLettersPage.FilterForm(values: values)
    }

    /// The filter of a bulk form: it must name a criterion (a page never acts on every letter by an empty filter).
    static func required(_ form: DeadLettersPage.FilterForm) throws -> DeadLetterFilter {
        guard !form.isEmpty else { throw APIError.unprocessable("give at least one filter: broker, origin, reason, type, before or after") }
        return try form.filter()
    }
}
