import Contracts
import FoundationEssentials

/// Dead letters with their reason and delivery count (retry one or all, for administrators).
enum DeadLettersPage {
    /// The filter fields as typed on `/dead-letters` (kept in the form, the confirmation and the action's hidden fields).
    struct FilterForm: Sendable {
        static let names = ["broker", "origin", "reason", "type", "before", "after"]
        var values: [String: String]

        var isEmpty: Bool { values.isEmpty }

        /// The filter, or 400 naming a time it cannot read.
        func filter() throws -> DeadLetterFilter {
            DeadLetterFilter(
                origin: values["origin"], broker: values["broker"], reason: values["reason"], messageType: values["type"],
                before: try AuditPage.time("before", values["before"]), after: try AuditPage.time("after", values["after"]))
        }

        var query: String { Self.names.compactMap { name in values[name].map { "\(name)=\(HTML.query($0))" } }.joined(separator: "&") }

        var hiddenInputs: String {
            Self.names.compactMap { name in values[name].map { "<input type=\"hidden\" name=\"\(name)\" value=\"\(HTML.escape($0))\">" } }.joined()
        }

        func inputs() -> String {
            Self.names.map { name in
                let hint =
                    name == "before" || name == "after"
                    ? " placeholder=\"2026-12-01 09:00 (UTC)\"" : name == "broker" ? " placeholder=\"SANDBOX\"" : ""
                return "<label>\(name)<input name=\"\(name)\" id=\"dead-filter-\(name)\" value=\"\(HTML.escape(values[name] ?? ""))\"\(hint)></label>"
            }.joined()
        }
    }

    /// The filter form, and for a filter given: how many letters match, the first of them, and the bulk buttons.
    static func filtered(_ form: FilterForm, matches: DeadLetterMatches?, viewer: Viewer) -> String {
        var text = """
            <h2>Filter</h2><form class="filters" method="get" action="/dead-letters" id="dead-letter-filter">\(form.inputs())\
            <button type="submit">Count matches</button> <a href="/dead-letters">Clear</a></form>
            """
        guard let matches else { return text }
        let rows = matches.sample.map { letter -> [String] in
            [
                HTML.link("/dead-letters/\(letter.id)", letter.id), HTML.time(letter.at), "<code>\(HTML.escape(letter.originStream))</code>",
                HTML.escape(letter.messageType ?? "?"), HTML.escape(letter.reason),
            ]
        }
        text += "<p><strong id=\"dead-letter-matches\">\(matches.count)</strong> letters match.</p>"
        if viewer.canAct && matches.count > 0 {
            text += """
                <div id="matching-actions"><form class="inline" method="post" action="/dead-letters/retry-matching" id="retry-matching">\(viewer.csrfField)\(form.hiddenInputs)\
                <button type="submit">Retry these \(matches.count)</button></form> \
                <a href="/dead-letters/discard?\(HTML.escape(form.query))" id="discard-matching">Discard these \(matches.count)…</a></div>
                """
        }
        return text + HTML.table(["Letter", "At", "From", "Type", "Reason"], rows, empty: "no letters match")
    }

    /// The discard confirmation (works without JavaScript): the POST goes only from here.
    static func confirmDiscard(_ form: FilterForm, matches: DeadLetterMatches, viewer: Viewer) -> String {
        """
        <p>Discard <strong id="discard-count">\(matches.count)</strong> dead letters? They are deleted from the dead-letter stream; \
        a job's letter leaves the job dead.</p>
        <form method="post" action="/dead-letters/discard" id="confirm-discard">\(viewer.csrfField)\(form.hiddenInputs)\
        <button type="submit">Discard them</button> <a href="/dead-letters?\(HTML.escape(form.query))">Keep them</a></form>
        """
    }

    static func render(_ page: DeadLetterPage, viewer: Viewer) -> String {
        let rows = page.letters.map { letter -> [String] in
            [
                HTML.link("/dead-letters/\(letter.id)", letter.id), HTML.time(letter.at), "<code>\(HTML.escape(letter.originStream))</code>",
                HTML.escape(letter.messageType ?? "?"), letter.jobID.map { HTML.link("/jobs/\($0)", "#\($0)") } ?? "–", HTML.escape(letter.reason),
                "\(letter.deliveries)", viewer.actionForm("/dead-letters/\(letter.id)/retry", label: "Retry"),
            ]
        }
        let retryAll =
            page.total > 0 ? viewer.actionForm("/dead-letters/retry", label: "Retry all \(page.total)", confirm: "Put every dead letter back?") : ""
        let next = page.next.map { "<p>\(HTML.link("/dead-letters?before=\(HTML.query($0))", "Older letters →"))</p>" } ?? ""
        return """
            <p><strong id="dead-letter-total">\(page.total)</strong> dead letters. \(retryAll)</p>
            \(HTML.table(["Letter", "At", "From", "Type", "Job", "Reason", "Deliveries", ""], rows, empty: "no dead letters"))\(next)
            """
    }

    static func detail(_ letter: DeadLetter, viewer: Viewer) -> String {
        let facts: [(String, String)] = [
            ("At", HTML.time(letter.at)), ("From", "<code>\(HTML.escape(letter.originStream))</code> entry \(HTML.escape(letter.originID))"),
            ("Group", HTML.escape(letter.group)), ("Reason", HTML.escape(letter.reason)), ("Deliveries", "\(letter.deliveries)"),
            ("Type", HTML.escape([letter.messageType, letter.version.map { "v\($0)" }].compactMap { $0 }.joined(separator: " "))),
            ("Job", letter.jobID.map { HTML.link("/jobs/\($0)", "#\($0)") } ?? "–"),
        ]
        return HTML.table(["", ""], facts.map { ["<strong>\(HTML.escape($0.0))</strong>", $0.1] })
            + "<p>\(viewer.actionForm("/dead-letters/\(letter.id)/retry", label: "Retry this letter"))</p>"
            + "<h2>Message</h2><pre>\(HTML.escape(letter.body ?? ""))</pre>"
    }
}

enum LoginPage {
    static func render(next: String, error: String? = nil) -> String {
        let message = error.map { "<p class=\"error\" role=\"alert\">\(HTML.escape($0))</p>" } ?? ""
        return Layout.page(
            title: "Log in", active: "", viewer: nil, live: false,
            body: """
                \(message)<form method="post" action="/login">
                <input type="hidden" name="next" value="\(HTML.escape(next))">
                <p><label>Admin or read-only token<br><input type="password" name="token" autocomplete="current-password" size="48" required autofocus></label></p>
                <p><button type="submit">Log in</button></p></form>
                <p class="muted">Scripts can send <code>Authorization: Bearer TOKEN</code> instead.</p>
                """)
    }
}
