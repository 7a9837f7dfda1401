import Contracts
import FoundationEssentials
import Scheduling

/// Schedules with their next fires (in the schedule's own zone, and as a `<time>` the page script shows in the viewer's),
/// one schedule with its fire history, and the delete confirmation.
enum SchedulesPage {
    static func render(_ page: Page<ScheduleView>, state: String?, viewer: Viewer) -> String {
        let options = [("", "any"), ("enabled", "enabled"), ("paused", "paused")].map { value, label in
            "<option value=\"\(value)\"\(value == (state ?? "") ? " selected" : "")>\(label)</option>"
        }.joined()
        let rows = page.items.map { view -> [String] in
            let schedule = view.schedule
            let definition = schedule.definition
            return [
                "<span data-schedule=\"\(schedule.id)\">\(HTML.link("/schedules/\(schedule.id)", "#\(schedule.id)"))</span>",
                HTML.link("/schedules/\(schedule.id)", definition.name), HTML.escape(when(definition)), HTML.escape(definition.scope.description),
                HTML.escape(definition.actions.map(\.rawValue).joined(separator: ", ")),
                "<span data-schedule-state=\"\(schedule.id)\">\(HTML.badge(definition.enabled ? "active" : "paused"))</span>",
                nextFire(schedule.nextRunAt, zone: definition.timeZone, id: schedule.id), HTML.time(schedule.lastRunAt), "\(schedule.totalRunCount)",
            ]
        }
        let next =
            page.nextCursor.map {
                "<p>\(HTML.link("/schedules?cursor=\(HTML.query($0))\(state.map { "&state=\(HTML.query($0))" } ?? "")", "More schedules →"))</p>"
            } ?? ""
        let create = viewer.canAct ? "<p><a href=\"/schedules/new\" id=\"new-schedule\">New schedule</a></p>" : ""
        return """
            \(create)<form class="filters" method="get" action="/schedules"><label>State<select name="state">\(options)</select></label>\
            <button type="submit">Filter</button></form>
            \(HTML.table(["Id", "Name", "When", "Scope", "Actions", "State", "Next fire", "Last fire", "Fires"], rows, empty: "no schedules"))\(next)
            """
    }

    static func detail(_ view: ScheduleView, fires: Page<ScheduleFire>, viewer: Viewer) -> String {
        let schedule = view.schedule
        let definition = schedule.definition
        let id = schedule.id
        let facts: [(String, String)] = [
            ("State", "<span id=\"schedule-state\">\(HTML.badge(definition.enabled ? "active" : "paused"))</span>"),
            ("When", HTML.escape(when(definition))), ("Time zone", HTML.escape(definition.timeZone)),
            ("Scope", HTML.escape(definition.scope.description)),
            ("Actions", HTML.escape(definition.actions.map(\.rawValue).joined(separator: ", "))),
            ("Missed fires", HTML.escape(definition.misfirePolicy.rawValue)), ("Last fire", HTML.time(schedule.lastRunAt)),
            ("Fires", "\(schedule.totalRunCount)"), ("Created", HTML.time(schedule.createdAt)), ("Changed", HTML.time(schedule.updatedAt)),
        ]
        let upcoming = view.upcoming.map { "<li>\(inZone($0, zone: definition.timeZone)) · \(HTML.time($0))</li>" }.joined()
        var buttons = ""
        if viewer.canAct {
            buttons =
                "<div id=\"schedule-buttons\"><a href=\"/schedules/\(id)/edit\" id=\"edit-schedule\">Edit</a> "
                + (definition.enabled
                    ? viewer.actionForm("/schedules/\(id)/pause", label: "Pause") : viewer.actionForm("/schedules/\(id)/resume", label: "Resume"))
                + " " + viewer.actionForm("/schedules/\(id)/run", label: "Run now")
                + " <a href=\"/schedules/\(id)/delete\" id=\"delete-schedule\">Delete…</a></div>"
        }
        let fireRows = fires.items.map { fire -> [String] in
            [
                "\(inZone(fire.fireTime, zone: definition.timeZone)) · \(HTML.time(fire.fireTime))", fire.manual ? "run now" : "scheduled",
                HTML.time(fire.firedAt), HTML.time(fire.sentAt),
                fire.runID.map { "<span data-fire-run=\"\($0)\">\(HTML.link("/runs/\($0)", "#\($0)"))</span>" }
                    ?? "<span class=\"muted\">not yet</span>",
                fire.runStatus.map { HTML.badge($0.rawValue) } ?? "–",
            ]
        }
        let older = fires.nextCursor.map { "<p>\(HTML.link("/schedules/\(id)?fires=\(HTML.query($0))", "Older fires →"))</p>" } ?? ""
        return """
            \(buttons)
            \(HTML.table(["", ""], facts.map { ["<strong>\(HTML.escape($0.0))</strong>", $0.1] }))
            <h2>Next fires</h2>\(upcoming.isEmpty ? "<p class=\"muted\">none: the schedule is paused or done</p>" : "<ol id=\"upcoming\">\(upcoming)</ol>")
            <h2>Fire history</h2><div id="fires">\(HTML.table(["Fired for", "How", "Recorded", "Sent", "Run", "Run state"], fireRows, empty: "it has not fired yet"))</div>\(older)
            """
    }

    /// The delete confirmation (works without JavaScript): the POST goes only from here.
    static func confirmDelete(_ view: ScheduleView, viewer: Viewer) -> String {
        let id = view.schedule.id
        return """
            <p>Delete schedule <strong>\(HTML.escape(view.schedule.definition.name))</strong> (#\(id), \(HTML.escape(when(view.schedule.definition))))? \
            It stops firing; its runs stay.</p>
            <form method="post" action="/schedules/\(id)/delete" id="confirm-delete">\(viewer.csrfField)<button type="submit">Delete it</button> \
            <a href="/schedules/\(id)">Keep it</a></form>
            """
    }

    static func when(_ definition: ScheduleDefinition) -> String {
        switch definition.kind {
        case .interval: "every \(definition.everySeconds.map(DurationText.text) ?? "?")"
        case .cron: "cron \(definition.cron ?? "?") (\(definition.timeZone))"
        case .once: "once at \(definition.runAt.map { WallTime.display($0, zone: definition.timeZone) } ?? "?")"
        }
    }

    static func inZone(_ date: Date, zone: String) -> String {
        "<span class=\"in-zone\">\(HTML.escape(WallTime.display(date, zone: zone)))</span>"
    }

    static func nextFire(_ date: Date?, zone: String, id: Int) -> String {
        guard let date else { return "<span class=\"muted\" data-next-fire=\"\(id)\">–</span>" }
        return "<span data-next-fire=\"\(id)\">\(inZone(date, zone: zone))<br>\(HTML.time(date))</span>"
    }
}
