import Contracts
import FoundationEssentials

/// Jobs filtered by state, broker, account, run and time, and one job with every attempt.
enum JobsPage {
    /// The filters as the page's query string carries them.
    struct Filters {
        var status: String?
        var broker: String?
        var account: String?
        var run: String?
        var since: String?
        var until: String?

        /// The request these filters make; a bad value is a 400 that names it.
        func request(cursor: String?) throws -> ListJobs {
            var request = ListJobs(cursor: cursor, limit: 50)
            if let status {
                guard let parsed = JobStatus(rawValue: status) else {
                    throw APIError.badRequest(
                        "status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")), got '\(status.prefix(20))'")
                }
                request.status = [parsed]
            }
            request.brokerCode = broker
            if let account {
                guard let id = Int(account), id > 0 else {
                    throw APIError.badRequest("account must be a positive number, got '\(account.prefix(20))'")
                }
                request.accountID = id
            }
            if let run {
                guard let id = Int(run), id > 0 else { throw APIError.badRequest("run must be a positive number, got '\(run.prefix(20))'") }
                request.runID = id
            }
            request.since = try Self.time(since, "since")
            request.until = try Self.time(until, "until")
            return request
        }

        static func time(_ text: String?, _ name: String) throws -> Date? {
            guard let text else { return nil }
            // A datetime-local field sends `2026-11-24T09:30`; read it as UTC.
            let candidates = [text, text + ":00Z", text + "Z"]
            for candidate in candidates { if let date = ISO8601.parse(candidate) { return date } }
            throw APIError.badRequest("\(name) must be a time such as 2026-11-24T09:30:00Z, got '\(text.prefix(40))'")
        }

        var query: String {
            [("status", status), ("broker", broker), ("account", account), ("run", run), ("since", since), ("until", until)]
                .compactMap { name, value in value.map { "\(name)=\(HTML.query($0))" } }.joined(separator: "&")
        }
    }

    static func render(_ page: Page<Job>, filters: Filters) -> String {
        let states = [""] + JobStatus.allCases.map(\.rawValue)
        let options = states.map { "<option value=\"\($0)\"\($0 == (filters.status ?? "") ? " selected" : "")>\($0.isEmpty ? "any" : $0)</option>" }
            .joined()
        func field(_ name: String, _ label: String, _ value: String?, placeholder: String = "") -> String {
            "<label>\(label)<input name=\"\(name)\" value=\"\(HTML.escape(value ?? ""))\" placeholder=\"\(HTML.escape(placeholder))\" size=\"14\"></label>"
        }
        let form = """
            <form class="filters" method="get" action="/jobs"><label>State<select name="status">\(options)</select></label>\
            \(field("broker", "Broker", filters.broker, placeholder: "ZERODHA"))\(field("account", "Account", filters.account))\(field("run", "Run", filters.run))\
            \(field("since", "Since (UTC)", filters.since, placeholder: "2026-11-24T09:00:00Z"))\(field("until", "Until (UTC)", filters.until))\
            <button type="submit">Filter</button></form>
            """
        let next =
            page.nextCursor.map {
                "<p>\(HTML.link("/jobs?" + [filters.query, "cursor=\(HTML.query($0))"].filter { !$0.isEmpty }.joined(separator: "&"), "Older jobs →"))</p>"
            } ?? ""
        return form + jobTable(page.items, empty: "no job matches") + next
    }

    static func jobTable(_ jobs: [Job], empty: String) -> String {
        let rows = jobs.map { job -> [String] in
            [
                HTML.link("/jobs/\(job.id)", "#\(job.id)"), job.runID.map { HTML.link("/runs/\($0)", "#\($0)") } ?? "–", HTML.escape(job.brokerCode),
                "\(job.accountID)", HTML.escape(job.action.rawValue), HTML.badge(job.status.rawValue), "\(job.attempts)",
                HTML.escape(job.worker ?? "–"), HTML.time(job.queuedAt), HTML.time(job.finishedAt), HTML.escape(job.lastError ?? ""),
            ]
        }
        return HTML.table(
            ["Job", "Run", "Broker", "Account", "Action", "State", "Attempts", "Worker", "Queued", "Finished", "Error"], rows, empty: empty)
    }

    static func detail(_ detail: JobDetail) -> String {
        let job = detail.job
        let facts: [(String, String)] = [
            ("State", HTML.badge(job.status.rawValue)), ("Run", job.runID.map { HTML.link("/runs/\($0)", "#\($0)") } ?? "–"),
            ("Broker", HTML.escape(job.brokerCode)), ("Account", "\(job.accountID)"), ("Portfolio", "\(job.portfolioID)"),
            ("Action", HTML.escape(job.action.rawValue)), ("Attempts", "<span id=\"job-attempts\">\(job.attempts)</span>"),
            ("Worker", HTML.escape(job.worker ?? "–")), ("Queued", HTML.time(job.queuedAt)), ("Started", HTML.time(job.startedAt)),
            ("Finished", HTML.time(job.finishedAt)), ("Next attempt", HTML.time(job.nextAttemptAt)),
            ("Error", job.lastError.map { "<span class=\"error\">\(HTML.escape($0))</span>" } ?? "–"),
            ("Error kind", HTML.escape(job.errorKind?.rawValue ?? "–")),
            ("Note", job.note.map { "<span class=\"note\" id=\"job-note\">\(HTML.escape($0))</span>" } ?? "–"),
        ]
        let attempts = detail.attempts.map { attempt -> [String] in
            let took = attempt.startedAt.flatMap { start in attempt.finishedAt.map { $0.timeIntervalSince(start) } }
            return [
                attempt.attempt > 0 ? "\(attempt.attempt)" : "\(attempt.attempt) (before a retry)", HTML.badge(attempt.outcome),
                HTML.escape(attempt.worker ?? "–"), HTML.time(attempt.startedAt), HTML.time(attempt.finishedAt), HTML.duration(took),
                HTML.escape(attempt.errorKind?.rawValue ?? ""), HTML.escape(attempt.error ?? ""),
            ]
        }
        return HTML.table(["", ""], facts.map { ["<strong>\(HTML.escape($0.0))</strong>", $0.1] })
            + "<h2>Attempts</h2>"
            + HTML.table(
                ["Attempt", "Outcome", "Worker", "Started", "Finished", "Took", "Kind", "Error"], attempts, empty: "no attempt recorded yet")
    }
}
