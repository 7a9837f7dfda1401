import Contracts
import FoundationEssentials

/// Runs, newest first, and one run's progress per broker and state, outstanding jobs and failures by reason.
enum RunsPage {
    static func render(_ page: Page<Run>, status: String?) -> String {
        let options = ["", "dispatching", "running", "finished"].map { value in
            "<option value=\"\(value)\"\(value == (status ?? "") ? " selected" : "")>\(value.isEmpty ? "any" : value)</option>"
        }.joined()
        let rows = page.items.map { run -> [String] in
            let counts = run.counts
            return [
                HTML.link("/runs/\(run.id)", "#\(run.id)"), HTML.escape(run.trigger.rawValue), HTML.escape(run.scope.description),
                HTML.badge(run.status.rawValue),
                HTML.progress(done: counts.done, failed: counts.failed + counts.dead, total: counts.total), HTML.time(run.createdAt),
                HTML.duration(duration(run)),
            ]
        }
        let next =
            page.nextCursor.map {
                "<p>\(HTML.link("/runs?cursor=\(HTML.query($0))\(status.map { "&status=\(HTML.query($0))" } ?? "")", "Older runs →"))</p>"
            } ?? ""
        return """
            <form class="filters" method="get" action="/runs"><label>State<select name="status">\(options)</select></label><button type="submit">Filter</button></form>
            \(HTML.table(["Run", "Trigger", "Scope", "State", "Progress", "Created", "Duration"], rows, empty: "no runs"))\(next)
            """
    }

    /// The overview's table of current and last runs.
    static func runTable(_ details: [RunDetail]) -> String {
        let rows = details.map { detail -> [String] in
            let run = detail.run
            // The run's own counters: the overview reads no jobs (per broker and state is on the run's page).
            let failed = run.counts.failed + run.counts.dead
            return [
                HTML.link("/runs/\(run.id)", "#\(run.id)"), "<span data-run-status=\"\(run.id)\">\(HTML.badge(run.status.rawValue))</span>",
                HTML.escape(run.scope.description), HTML.progress(done: detail.done, failed: failed, total: detail.total, id: "\(run.id)"),
                "<span data-run-succeeded=\"\(run.id)\">\(run.counts.succeeded)</span>",
                "\(failed)", HTML.time(run.createdAt), HTML.duration(duration(run)),
            ]
        }
        return HTML.table(["Run", "State", "Scope", "Progress", "Succeeded", "Failed", "Created", "Duration"], rows, empty: "no runs yet")
    }

    static func duration(_ run: Run) -> Double? {
        (run.finishedAt ?? (run.status == .finished ? nil : Date())).map { $0.timeIntervalSince(run.createdAt) }
    }

    static func detail(_ progress: RunProgress, outstanding: [Job], viewer: Viewer) -> String {
        let detail = progress.detail
        let run = detail.run
        var buttons: [String] = []
        if viewer.canAct && run.status == .running {
            buttons.append("<a href=\"/runs/\(run.id)/cancel\" id=\"cancel-run\">Cancel run…</a>")
        }
        if viewer.canAct && run.counts.failed + run.counts.dead > 0 {
            buttons.append(
                viewer.actionForm(
                    "/runs/\(run.id)/retry-failed", label: "Retry \(run.counts.failed + run.counts.dead) failed jobs",
                    confirm: "Reopen the failed and dead jobs of this run and queue them again?"))
        }
        let actions = buttons.isEmpty ? "" : "<div id=\"run-actions\">\(buttons.joined(separator: " "))</div>"
        let states = JobStatus.allCases.map(\.rawValue)
        let brokerRows = detail.brokers.map { broker -> [String] in
            let failed = (broker.byStatus["failed"] ?? 0) + (broker.byStatus["dead"] ?? 0)
            let done = JobStatus.allCases.filter(\.isTerminal).reduce(0) { $0 + (broker.byStatus[$1.rawValue] ?? 0) }
            return [HTML.escape(broker.brokerCode), HTML.progress(done: done, failed: failed, total: broker.total)]
                + states.map { state in
                    let count = broker.byStatus[state] ?? 0
                    return count == 0
                        ? "<span class=\"muted\">0</span>"
                        : HTML.link("/jobs?run=\(run.id)&broker=\(HTML.query(broker.brokerCode))&status=\(state)", "\(count)")
                }
        }
        let failureRows = detail.failures.map { [HTML.escape($0.reason), HTML.escape($0.kind?.rawValue ?? "–"), "\($0.count)"] }
        let counts = run.counts
        let skipped = counts.skippedUsers + counts.skippedPortfolios + counts.skippedAccounts + counts.skippedReauth
        return """
            \(actions)<p>\(HTML.badge(run.status.rawValue)) \(progress.stuck ? HTML.badge("stuck") : "") · \(HTML.escape(run.trigger.rawValue)) run of \
            <strong>\(HTML.escape(run.scope.description))</strong> (\(HTML.escape(run.actions.map(\.rawValue).joined(separator: ", "))))\
            \(run.requestedBy.map { " · requested by \(HTML.escape($0))" } ?? "")</p>
            <p>\(HTML.progress(done: detail.done, failed: counts.failed + counts.dead, total: detail.total, id: "\(run.id)"))</p>
            <p>Created \(HTML.time(run.createdAt)) · dispatched \(HTML.time(run.dispatchedAt)) · finished \(HTML.time(run.finishedAt)) · \
            duration \(HTML.duration(duration(run))) · succeeded <strong id="run-succeeded">\(counts.succeeded)</strong> · \
            failed <strong id="run-failed">\(counts.failed)</strong> · dead <strong id="run-dead">\(counts.dead)</strong> · \
            cancelled <strong id="run-cancelled">\(counts.cancelled)</strong> · \
            needing re-auth \(counts.reauthRequired) · skipped \(skipped)</p>
            <h2>Per broker and state</h2>\(HTML.table(["Broker", "Progress"] + states, brokerRows, empty: "no jobs"))
            <h2>Failures by reason</h2>\(HTML.table(["Reason", "Kind", "Jobs"], failureRows, empty: "no failures"))
            <h2>Outstanding jobs</h2>\(JobsPage.jobTable(outstanding.isEmpty ? progress.waitingFor : outstanding, empty: "every job has ended"))
            """
    }
}
