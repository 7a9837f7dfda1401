import Contracts
import Hummingbird

/// Pieces the users, portfolios and accounts pages share: notices after an action, search boxes, pagers, facts, the
/// delete confirmation.
enum ConsoleParts {
    /// What an action redirects with (`?notice=KEY`); only these fixed texts are ever shown, never text from the URL.
    static let notices: [String: String] = [
        "created": "Created.", "saved": "Saved.", "disabled": "Disabled.", "enabled": "Enabled.", "deleted": "Deleted.",
        "credentials": "Credentials sealed by the broker's gateway and stored; they are never shown again.",
        "login": "Logged in at the broker: the new access token is sealed and stored.",
        "sync": "Sync queued: the job shows in the history below.",
    ]

    /// The notice a redirect asked for, as a banner (`#notice`, `data-notice`).
    static func notice(_ request: Request) -> String {
        guard let key = request.uri.queryParameters.get("notice"), let text = notices[key] else { return "" }
        return "<p class=\"notice\" id=\"notice\" role=\"status\" data-notice=\"\(HTML.escape(key))\">\(HTML.escape(text))</p>"
    }

    /// A query parameter, `nil` when absent or blank.
    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The search box of a listing (`form#search`, field `q`) with optional extra fields.
    static func search(_ path: String, _ text: String?, placeholder: String, extra: String = "") -> String {
        """
        <form class="filters" id="search" method="get" action="\(HTML.escape(path))">\
        <label>Search<input type="search" name="q" value="\(HTML.escape(text ?? ""))" placeholder="\(HTML.escape(placeholder))" size="30" maxlength="100"></label>\
        \(extra)<button type="submit">Search</button></form>
        """
    }

    /// Links to the first and the next page (`a#next-page` with `data-cursor`), keeping `query` (already encoded).
    static func pager(_ path: String, query: String, cursorName: String = "cursor", current: String?, next: String?, anchor: String = "") -> String {
        let base = path + "?" + (query.isEmpty ? "" : query + "&")
        var links: [String] = []
        if current != nil {
            links.append("<a id=\"\(cursorName)-first\" href=\"\(HTML.escape(path + (query.isEmpty ? "" : "?" + query) + anchor))\">← First page</a>")
        }
        if let next {
            links.append(
                "<a id=\"\(cursorName == "cursor" ? "next-page" : cursorName + "-next")\" data-cursor=\"\(HTML.escape(next))\" href=\"\(HTML.escape(base + cursorName + "=" + HTML.query(next) + anchor))\">Next page →</a>"
            )
        }
        return links.isEmpty ? "" : "<p class=\"pager\">" + links.joined() + "</p>"
    }

    /// `name=value` pairs, percent-encoded, for the links of a page.
    static func encode(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { "\(name)=\(HTML.query($0))" } }.joined(separator: "&")
    }

    /// A two-column table of facts (`table.facts`, each row `data-fact`).
    static func facts(_ rows: [(String, String)]) -> String {
        "<table class=\"facts\"><tbody>"
            + rows.map { "<tr data-fact=\"\(HTML.escape($0.0))\"><th>\(HTML.escape($0.0))</th><td>\($0.1)</td></tr>" }.joined()
            + "</tbody></table>"
    }

    /// The confirmation step of a delete: what goes, and a form posting `confirm=yes` (`form#delete-form`).
    static func confirmDelete(what: String, consequence: String, action: String, back: String, viewer: Viewer) -> String {
        guard viewer.canAct else { return "<p class=\"error\">Only administrators can delete.</p>" }
        return """
            <p>Delete \(HTML.escape(what))? \(HTML.escape(consequence)) This cannot be undone.</p>
            <form id="delete-form" method="post" action="\(HTML.escape(action))">\(viewer.csrfField)\
            <input type="hidden" name="confirm" value="yes"><button type="submit" id="confirm-delete">Delete</button> \
            \(HTML.link(back, "Cancel"))</form>
            """
    }

    /// A link styled as an action, shown only to administrators.
    static func adminLink(_ viewer: Viewer, _ href: String, _ text: String, id: String) -> String {
        viewer.canAct ? "<a class=\"button\" id=\"\(HTML.escape(id))\" href=\"\(HTML.escape(href))\">\(HTML.escape(text))</a>" : ""
    }

    /// A positive id from a form field, or the error to show by it.
    static func id(_ text: String?, field: String, view: inout FormView) -> Int? {
        guard let text else {
            view.errors[field] = "\(field) is required"
            return nil
        }
        guard let id = Int(text), id > 0 else {
            view.errors[field] = "\(field) must be a positive number, got '\(text.prefix(20))'"
            return nil
        }
        return id
    }

    /// `active`, `disabled` or any, from the `active` query parameter.
    static func activeFilter(_ request: Request) throws -> Bool? {
        switch query(request, "active") {
        case nil: return nil
        case "yes": return true
        case "no": return false
        case let other?: throw APIError.badRequest("active must be yes or no, got '\(other.prefix(20))'")
        }
    }
}
