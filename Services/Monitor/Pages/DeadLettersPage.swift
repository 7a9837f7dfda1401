import Contracts
import FoundationEssentials

/// Dead letters with their reason and delivery count (retry one or all, for administrators).
enum DeadLettersPage {
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
