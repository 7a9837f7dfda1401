import Contracts
import FoundationEssentials

/// The audit log, newest first, filtered by actor, action, object (entity and id) and time; paged in Postgres.
enum AuditPage {
    /// The filters as typed (kept in the form and the paging links).
    struct Filters: Sendable {
        var actor: String?
        var action: String?
        var entity: String?
        var id: String?
        var since: String?
        var until: String?

        var pairs: [(String, String?)] {
            [("actor", actor), ("action", action), ("entity", entity), ("id", id), ("since", since), ("until", until)]
        }

        /// The persistence request, or 400 naming a time it cannot read.
        func request(cursor: String?) throws -> ListAudit {
            ListAudit(
                entity: entity, entityID: id, actor: actor, action: action, since: try AuditPage.time("since", since),
                until: try AuditPage.time("until", until), cursor: cursor, limit: 50)
        }
    }

    /// A time typed in a filter: ISO 8601 with an offset, or `2026-12-01 09:00` (UTC); 400 naming the field otherwise.
    static func time(_ name: String, _ text: String?) throws -> Date? {
        guard let text else { return nil }
        // `2026-12-01 09:00`; a query string may bring the space as `+`.
        var wall = text
        if wall.count > 10, [" ", "+"].contains(wall[wall.index(wall.startIndex, offsetBy: 10)]) {
            wall.replaceSubrange(wall.index(wall.startIndex, offsetBy: 10)...wall.index(wall.startIndex, offsetBy: 10), with: "T")
        }
        guard let date = ISO8601.parse(text) ?? ISO8601.parse(wall + ":00Z") ?? ISO8601.parse(wall + "Z") else {
            throw APIError.badRequest("\(name) must be a time such as 2026-12-01 09:00 (UTC) or 2026-12-01T09:00:00+05:30, got '\(text.prefix(40))'")
        }
        return date
    }

    static func render(_ page: Page<AuditEntry>, filters: Filters) -> String {
        let inputs = filters.pairs.map { name, value in
            let hint = name == "since" || name == "until" ? " placeholder=\"2026-12-01 09:00 (UTC)\"" : ""
            return "<label>\(name)<input name=\"\(name)\" id=\"audit-\(name)\" value=\"\(HTML.escape(value ?? ""))\"\(hint)></label>"
        }.joined()
        let rows = page.items.map { entry -> [String] in
            [
                "<span data-audit=\"\(entry.id)\">\(entry.id)</span>", HTML.time(entry.at),
                "<span data-audit-actor=\"\(entry.id)\">\(HTML.escape(entry.actor))</span>",
                "<span data-audit-action=\"\(entry.id)\">\(HTML.escape(entry.action))</span>", HTML.escape(entry.entity),
                object(entry), HTML.escape(entry.requestID ?? "–"), changes(entry),
            ]
        }
        let query = filters.pairs.compactMap { name, value in value.map { "&\(name)=\(HTML.query($0))" } }.joined()
        let next = page.nextCursor.map { "<p>\(HTML.link("/audit?cursor=\(HTML.query($0))\(query)", "Older entries →"))</p>" } ?? ""
        return """
            <form class="filters" method="get" action="/audit" id="audit-filters">\(inputs)<button type="submit">Filter</button> <a href="/audit">Clear</a></form>
            <div id="audit-entries">\(HTML.table(["#", "At", "Actor", "Action", "Entity", "Object", "Request", "Change"], rows, empty: "no entries match"))</div>\(next)
            """
    }

    /// The object's id, linked to its page where the console has one.
    static func object(_ entry: AuditEntry) -> String {
        guard let id = entry.entityID else { return "–" }
        let pages = ["run": "/runs/", "job": "/jobs/", "schedule": "/schedules/", "account": "/accounts/", "dead_letter": "/dead-letters/"]
        guard let base = pages[entry.entity] else { return HTML.escape(id) }
        return HTML.link(base + id, id)
    }

    static func changes(_ entry: AuditEntry) -> String {
        guard entry.before != nil || entry.after != nil else { return "–" }
        func json(_ value: JSONValue?) -> String {
            guard let value, let bytes = try? JSONCoding.encode(value) else { return "–" }
            return HTML.escape(String(decoding: bytes, as: UTF8.self))
        }
        return "<details><summary>before / after</summary><pre>\(json(entry.before))</pre><pre>\(json(entry.after))</pre></details>"
    }
}
