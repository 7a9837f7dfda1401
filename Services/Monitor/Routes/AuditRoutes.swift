import Contracts
import Hummingbird
import RPC
import ServiceKit

/// `/audit`: every reader (admin or read-only) may look, as persistence's `listAudit` allows readers: the entries
/// hold who changed what (no secrets: credentials are recorded by key id only), which a read-only viewer can already see.
struct AuditRoutes {
    let data: MonitorData

    func register(on router: Router<ServiceRequestContext>) {
        let pages = PageRouter(router: router)
        pages.page("/audit", title: "Audit log") { request, _, _ in
            // Decoded as a browser's form sends it (a space as `+`).
            let query = ParameterDecoder.parse(query: request.uri.query ?? "")
            func value(_ name: String) -> String? { query[name]?.first.flatMap { $0.isEmpty ? nil : $0 } }
            let filters = AuditPage.Filters(
                actor: value("actor"), action: value("action"), entity: value("entity"), id: value("id"), since: value("since"),
                until: value("until"))
            let request = try filters.request(cursor: value("cursor"))
            return AuditPage.render(try await rpc { try await data.persistence.call(PersistenceAPI.listAudit, request) }, filters: filters)
        }
    }
}
