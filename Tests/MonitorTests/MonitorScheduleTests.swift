import Contracts
import CurlClient
import Foundation
import RPC
import TestSupport
import Testing

@Suite("Monitor: schedules pages")
struct MonitorScheduleTests {
    @Test(
        "create and edit with a bad cron show the field error (422, values kept); pause, resume, run now and delete change the scheduler and are audited"
    )
    func schedulePages() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-dispatcher")
        try await stack.launch("psync-scheduler")
        try await stack.launch("psync-monitor")
        let scheduler = try stack.client("psync-scheduler")
        let session = try await stack.monitorLogin(token: Stack.adminToken)
        func post(_ path: String, _ form: [String: String] = [:]) async throws -> HTTPClientResponse {
            try await stack.monitorRequest("POST", path, cookie: session.cookie, form: form.merging(["csrf": session.csrf]) { _, new in new })
        }

        let blank = try await stack.monitorRequest("GET", "/schedules/new", cookie: session.cookie)
        #expect(blank.status == 200 && blank.text.contains("id=\"schedule-form\"") && blank.text.contains("name=\"csrf\""))
        var form = [
            "name": "mornings", "timing": "cron", "cron": "0 25 * * *", "timeZone": "Asia/Kolkata", "scope": "all", "actions": "holdings",
            "misfire": "skip",
        ]
        let bad = try await post("/schedules/new", form)
        #expect(bad.status == 422, "\(bad.text.prefix(400))")
        #expect(bad.text.contains("data-field=\"cron\"") && bad.text.contains("cron field &#39;hour&#39; must be 0-23, got 25"), "\(bad.text)")
        #expect(bad.text.contains("value=\"mornings\"") && bad.text.contains("value=\"0 25 * * *\"") && bad.text.contains("value=\"Asia/Kolkata\""))
        let badEvery = try await post("/schedules/new", ["name": "x", "timing": "interval", "every": "soon", "scope": "all", "actions": "holdings"])
        #expect(badEvery.status == 422 && badEvery.text.contains("data-field=\"every\""))
        #expect(try await scheduler.call(SchedulerAPI.listSchedules, ListSchedules()).items.isEmpty, "nothing created")

        form["cron"] = "0 9 * * MON-FRI"
        let created = try await post("/schedules/new", form)
        #expect(created.status == 303, "\(created.text.prefix(400))")
        let location = try #require(created.header("Location"))
        let id = try #require(Int(location.dropFirst("/schedules/".count)))
        var view = try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: id))
        #expect(view.schedule.definition.cron == "0 9 * * MON-FRI" && view.schedule.definition.timeZone == "Asia/Kolkata")
        #expect(view.schedule.definition.misfirePolicy == .skip && view.schedule.definition.enabled)

        let list = try await stack.monitorRequest("GET", "/schedules", cookie: session.cookie)
        #expect(list.status == 200 && list.text.contains("data-schedule=\"\(id)\"") && list.text.contains("data-next-fire=\"\(id)\""))
        #expect(
            list.text.contains("<time datetime=\"") && (list.text.contains(" IST</span>") || list.text.contains(" Asia/Kolkata</span>")),
            "\(list.text)")
        let edit = try await stack.monitorRequest("GET", "/schedules/\(id)/edit", cookie: session.cookie)
        #expect(edit.status == 200 && edit.text.contains("value=\"0 9 * * MON-FRI\""))

        form["cron"] = "0 9 * * FUNDAY"
        let badEdit = try await post("/schedules/\(id)/edit", form)
        #expect(badEdit.status == 422 && badEdit.text.contains("data-field=\"cron\"") && badEdit.text.contains("value=\"0 9 * * FUNDAY\""))
        let edited = try await post(
            "/schedules/\(id)/edit",
            [
                "name": "hourly", "timing": "interval", "every": "1h", "timeZone": "UTC", "scope": "all", "actions": "holdings", "misfire": "once",
            ])
        #expect(edited.status == 303 && edited.header("Location") == "/schedules/\(id)", "\(edited.text.prefix(400))")
        view = try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: id))
        #expect(
            view.schedule.definition.kind == .interval && view.schedule.definition.everySeconds == 3600 && view.schedule.definition.name == "hourly")

        #expect(try await post("/schedules/\(id)/pause").status == 303)
        #expect(try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: id)).schedule.definition.enabled == false)
        #expect(try await post("/schedules/\(id)/resume").status == 303)
        #expect(try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: id)).schedule.definition.enabled == true)
        #expect(try await post("/schedules/\(id)/run").status == 303)
        #expect(try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: id)).schedule.totalRunCount == 1)
        try await eventually(timeout: .seconds(20), "the fire history to show the run it started") {
            try await stack.monitorRequest("GET", "/schedules/\(id)", cookie: session.cookie).text.contains("data-fire-run=\"")
        }
        let detail = try await stack.monitorRequest("GET", "/schedules/\(id)", cookie: session.cookie).text
        #expect(detail.contains("run now") && detail.contains("id=\"upcoming\""))
        #expect(
            detail.contains("id=\"schedule-buttons\"") && detail.contains("action=\"/schedules/\(id)/pause\"")
                && detail.contains("id=\"delete-schedule\""))

        let confirm = try await stack.monitorRequest("GET", "/schedules/\(id)/delete", cookie: session.cookie)
        #expect(
            confirm.status == 200 && confirm.text.contains("id=\"confirm-delete\"") && confirm.text.contains("action=\"/schedules/\(id)/delete\""))
        let deleted = try await post("/schedules/\(id)/delete")
        #expect(deleted.status == 303 && deleted.header("Location") == "/schedules")
        await #expect(throws: RPCError.self) { try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: id)) }

        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "schedule", entityID: "\(id)")).items
        #expect(audit.map(\.action) == ["delete", "run", "resume", "pause", "update", "create"], "\(audit.map(\.action))")
        #expect(audit.allSatisfy { $0.actor.hasSuffix("monitor for admin") }, "\(audit.map(\.actor))")
        await stack.stop()
    }

    @Test("a read-only session sees schedules without buttons and gets 403 on every schedule form")
    func readOnly() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-scheduler")
        try await stack.launch("psync-monitor")
        let created = try await stack.client("psync-scheduler").call(
            SchedulerAPI.createSchedule, ScheduleDefinition(name: "demo", kind: .interval, everySeconds: 300, scope: .all))
        let id = created.schedule.id
        let session = try await stack.monitorLogin(token: Stack.readToken)
        let list = try await stack.monitorRequest("GET", "/schedules", cookie: session.cookie)
        #expect(list.status == 200 && list.text.contains("data-schedule=\"\(id)\"") && !list.text.contains("id=\"new-schedule\""))
        let detail = try await stack.monitorRequest("GET", "/schedules/\(id)", cookie: session.cookie)
        #expect(
            detail.status == 200 && !detail.text.contains("method=\"post\" action=\"/schedules") && !detail.text.contains("id=\"schedule-buttons\""))
        #expect(try await stack.monitorRequest("GET", "/schedules/new", cookie: session.cookie).status == 403)
        for path in [
            "/schedules/new", "/schedules/\(id)/edit", "/schedules/\(id)/pause", "/schedules/\(id)/resume", "/schedules/\(id)/run",
            "/schedules/\(id)/delete",
        ] {
            let response = try await stack.monitorRequest(
                "POST", path, cookie: session.cookie, form: ["csrf": session.csrf, "name": "x", "timing": "interval", "every": "1m"])
            #expect(response.status == 403, "\(path)")
        }
        #expect(try await stack.client("psync-scheduler").call(SchedulerAPI.getSchedule, ByID(id: id)).schedule.definition.enabled)
        #expect(try await stack.monitorRequest("GET", "/schedules/abc", cookie: session.cookie).status == 400)
        #expect(try await stack.monitorRequest("GET", "/schedules/99999", cookie: session.cookie).status == 404)
        await stack.stop()
    }
}
