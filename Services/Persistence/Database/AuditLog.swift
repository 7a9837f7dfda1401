import Contracts
import PostgresClient
import ServiceKit

/// Who made a change, for the audit log.
struct AuditActor: Sendable {
    let actor: String
    let scope: String
    let requestID: String?

    init(_ context: ServiceRequestContext) {
        actor = context.auditActor
        scope = context.principal?.scope.rawValue ?? "none"
        requestID = context.requestID.isEmpty ? nil : context.requestID
    }

    init(actor: String, scope: String, requestID: String?) {
        self.actor = actor
        self.scope = scope
        self.requestID = requestID
    }
}

/// Writes audit entries inside the transaction that makes the change, so a change without its entry cannot exist.
enum AuditLog {
    static func record(
        on connection: isolated PostgresConnection,
        by actor: AuditActor,
        action: String,
        entity: String,
        id: String?,
        before: (some Encodable)?,
        after: (some Encodable)?
    ) throws {
        let beforeJSON = try before.map { try PostgresJSON(JSONCoding.decode(JSONValue.self, from: JSONCoding.encode($0))) }
        let afterJSON = try after.map { try PostgresJSON(JSONCoding.decode(JSONValue.self, from: JSONCoding.encode($0))) }
        try connection.execute(
            """
            INSERT INTO audit_log (actor, scope, action, entity, entity_id, before, after, request_id)
            VALUES (\(actor.actor), \(actor.scope), \(action), \(entity), \(id), \(beforeJSON)::jsonb, \(afterJSON)::jsonb, \(actor.requestID))
            """
        )
    }

    static func list(_ request: ListAudit, pool: PostgresPool) async throws -> Page<AuditEntry> {
        let paging = try Paging(request)
        var filters: [SQL] = ["TRUE"]
        if let entity = request.entity { filters.append("entity = \(entity)") }
        if let entityID = request.entityID { filters.append("entity_id = \(entityID)") }
        if let actor = request.actor {
            // The actor exactly, or whom services acted for (`admin` finds `monitor for admin`): each served by its index.
            filters.append("(actor = \(actor) OR person = \(actor))")
        }
        if let action = request.action { filters.append("action = \(action)") }
        if let since = request.since { filters.append("at >= \(since)") }
        if let until = request.until { filters.append("at < \(until)") }
        if let since = request.since, let until = request.until, until <= since {
            throw APIError.unprocessable("until must be after since", field: "until")
        }
        let rows = try await pool.query(
            """
            SELECT id, at, actor, scope, action, entity, entity_id, before::text AS before, after::text AS after, request_id
            FROM audit_log WHERE \(SQL.join(filters, separator: " AND ")) \(paging.filter("id")) ORDER BY id DESC LIMIT \(paging.fetch)
            """
        )
        let entries = try rows.map { row in
            AuditEntry(
                id: try row.decode(named: "id"),
                at: try row.decode(named: "at"),
                actor: try row.decode(named: "actor"),
                scope: try row.decode(named: "scope"),
                action: try row.decode(named: "action"),
                entity: try row.decode(named: "entity"),
                entityID: try row.decode(named: "entity_id"),
                before: try row.json(named: "before"),
                after: try row.json(named: "after"),
                requestID: try row.decode(named: "request_id")
            )
        }
        return paging.page(entries, id: \.id)
    }
}
