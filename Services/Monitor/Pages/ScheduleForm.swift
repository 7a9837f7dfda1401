import Contracts
import FoundationEssentials
import Scheduling

/// The create and edit form of a schedule: what was typed (kept when it comes back with errors), turned into a definition
/// the scheduler validates. Text is only parsed here (`15m`, a wall time in the zone); cron, zones, past times and
/// scopes are checked by the scheduler and persistence, and their errors are shown by the field they name.
struct ScheduleForm: Sendable {
    var values: [String: String]
    var actions: [String]
    var errors: [String: String] = [:]

    static let timings = [("interval", "Every interval"), ("cron", "Cron, in a time zone"), ("once", "Once, at a time")]

    /// A new schedule's defaults.
    static let blank = ScheduleForm(
        values: ["timing": "interval", "every": "1h", "timeZone": "UTC", "scope": "all", "misfire": "once"], actions: ["holdings"])

    init(values: [String: String], actions: [String], errors: [String: String] = [:]) {
        self.values = values
        self.actions = actions
        self.errors = errors
    }

    /// The form as a person submitted it.
    init(fields: FormFields) {
        var values: [String: String] = [:]
        for name in ["name", "timing", "every", "cron", "timeZone", "runAt", "scope", "scopeID", "misfire", "paused"] {
            if let value = fields[name] { values[name] = value }
        }
        self.init(values: values, actions: fields.all("actions"))
    }

    /// The form filled in from a stored schedule.
    init(schedule: Schedule) {
        let definition = schedule.definition
        var values = [
            "name": definition.name, "timing": definition.kind.rawValue, "timeZone": definition.timeZone, "scope": definition.scope.kind.rawValue,
            "misfire": definition.misfirePolicy.rawValue,
        ]
        if let every = definition.everySeconds { values["every"] = DurationText.text(every) }
        if let cron = definition.cron { values["cron"] = cron }
        if let runAt = definition.runAt { values["runAt"] = WallTime.text(runAt, zone: definition.timeZone) }
        if let id = definition.scope.id { values["scopeID"] = String(id) }
        self.init(values: values, actions: definition.actions.map(\.rawValue))
    }

    /// The definition typed, or the form with its errors by the field.
    mutating func definition(enabled: Bool) -> ScheduleDefinition? {
        errors = [:]
        let name = values["name"] ?? ""
        if name.isEmpty { errors["name"] = "give the schedule a name" }
        let kind = ScheduleKind(rawValue: values["timing"] ?? "")
        if kind == nil { errors["timing"] = "choose interval, cron or once" }
        let zone = values["timeZone"] ?? "UTC"
        var every: Int?
        var runAt: Date?
        switch kind {
        case .interval:
            every = values["every"].flatMap(DurationText.seconds)
            if every == nil { errors["every"] = "an interval such as 5m, 1h, 1d or 1h30m, got '\(values["every"] ?? "")'" }
        case .cron:
            if (values["cron"] ?? "").isEmpty { errors["cron"] = "a five-field cron expression such as 0 9 * * MON-FRI" }
        case .once:
            runAt = values["runAt"].flatMap { WallTime.instant($0, zone: zone) }
            if runAt == nil, WallTime.isKnown(zone) {
                errors["runAt"] = "a time such as 2026-12-01 09:00 (in the time zone) or 2026-12-01T09:00:00+05:30, got '\(values["runAt"] ?? "")'"
            }
        case nil: break
        }
        if !WallTime.isKnown(zone) { errors["timeZone"] = "'\(zone)' is not an IANA time zone such as Asia/Kolkata or UTC" }
        let scopeKind = ScopeKind(rawValue: values["scope"] ?? "")
        if scopeKind == nil { errors["scope"] = "choose all, user, portfolio or account" }
        var scopeID: Int?
        if let scopeKind, scopeKind != .all {
            scopeID = values["scopeID"].flatMap(Int.init)
            if scopeID == nil || scopeID! <= 0 { errors["scopeID"] = "the \(scopeKind.rawValue)'s id, a positive number" }
        }
        let actions = actions.compactMap(JobAction.init(rawValue:))
        if actions.isEmpty { errors["actions"] = "choose at least one of holdings, transactions, positions" }
        let misfire = MisfirePolicy(rawValue: values["misfire"] ?? "")
        if misfire == nil { errors["misfire"] = "choose skip, once or all" }
        guard errors.isEmpty, let kind, let scopeKind, let misfire else { return nil }
        return ScheduleDefinition(
            name: name, kind: kind, everySeconds: every, cron: kind == .cron ? values["cron"] : nil, timeZone: zone, runAt: runAt,
            scope: SyncScope(kind: scopeKind, id: scopeID), actions: actions, enabled: enabled, misfirePolicy: misfire)
    }

    /// Puts an error from the scheduler or persistence by the field it names; `false` when it names none of the form's.
    mutating func place(_ error: APIError) -> Bool {
        guard error.status == 422 || error.status == 409, case .object(let details) = error.details, case .string(let field) = details["field"]
        else { return false }
        let names = [
            "name": "name", "kind": "timing", "everySeconds": "every", "cron": "cron", "timeZone": "timeZone", "runAt": "runAt",
            "scope": "scopeID", "scopeID": "scopeID", "actions": "actions", "misfirePolicy": "misfire",
        ]
        guard let name = names[field] ?? names.values.first(where: { field.hasPrefix($0) }) else { return false }
        errors[name] = error.message
        return true
    }

    /// The form, posting to `action`.
    func render(action: String, submit: String, viewer: Viewer, creating: Bool) -> String {
        func value(_ name: String) -> String { HTML.escape(values[name] ?? "") }
        func error(_ name: String) -> String {
            errors[name].map { "<p class=\"field-error error\" data-field=\"\(name)\" role=\"alert\">\(HTML.escape($0))</p>" } ?? ""
        }
        func options(_ name: String, _ choices: [(String, String)]) -> String {
            choices.map { "<option value=\"\($0.0)\"\(values[name] == $0.0 ? " selected" : "")>\(HTML.escape($0.1))</option>" }.joined()
        }
        let actionBoxes = JobAction.allCases.map { action in
            let checked = actions.contains(action.rawValue) ? " checked" : ""
            return "<label><input type=\"checkbox\" name=\"actions\" value=\"\(action.rawValue)\"\(checked)> \(action.rawValue)</label>"
        }.joined(separator: " ")
        let paused =
            creating
            ? "<p><label><input type=\"checkbox\" name=\"paused\" value=\"1\"\(values["paused"] == nil ? "" : " checked")> create it paused</label></p>"
            : ""
        let summary = errors.isEmpty ? "" : "<p class=\"error\" role=\"alert\" id=\"form-errors\">Check the fields marked below.</p>"
        return """
            \(summary)<form method="post" action="\(HTML.escape(action))" id="schedule-form" class="schedule-form">\(viewer.csrfField)
            <p><label>Name<br><input name="name" id="schedule-name" value="\(value("name"))" maxlength="100" required></label></p>\(error("name"))
            <fieldset><legend>When</legend>
            <p><label>Timing<br><select name="timing" id="schedule-timing">\(options("timing", Self.timings))</select></label></p>\(error("timing"))
            <p><label>Every (interval: 5m, 1h, 1d, 1h30m)<br><input name="every" id="schedule-every" value="\(value("every"))"></label></p>\(error("every"))
            <p><label>Cron (five fields: minute hour day month weekday)<br><input name="cron" id="schedule-cron" value="\(value("cron"))" placeholder="0 9 * * MON-FRI"></label></p>\(error("cron"))
            <p><label>Once at (a wall time in the time zone)<br><input name="runAt" id="schedule-run-at" value="\(value("runAt"))" placeholder="2026-12-01 09:00"></label></p>\(error("runAt"))
            <p><label>Time zone (IANA, for cron and once)<br><input name="timeZone" id="schedule-time-zone" value="\(value("timeZone"))" placeholder="Asia/Kolkata"></label></p>\(error("timeZone"))
            <p><label>Missed fires (while no scheduler ran)<br><select name="misfire" id="schedule-misfire">\(options("misfire", [("skip", "skip them"), ("once", "fire once for all"), ("all", "fire each")]))</select></label></p>\(error("misfire"))
            </fieldset>
            <fieldset><legend>What</legend>
            <p><label>Scope<br><select name="scope" id="schedule-scope">\(options("scope", ScopeKind.allCases.map { ($0.rawValue, $0.rawValue) }))</select></label>
            <label>Id (user, portfolio or account)<br><input name="scopeID" id="schedule-scope-id" value="\(value("scopeID"))" inputmode="numeric"></label></p>\(error("scopeID"))\(error("scope"))
            <p id="schedule-job-actions">\(actionBoxes)</p>\(error("actions"))
            </fieldset>\(paused)
            <p><button type="submit" id="schedule-submit">\(HTML.escape(submit))</button></p></form>
            """
    }
}
