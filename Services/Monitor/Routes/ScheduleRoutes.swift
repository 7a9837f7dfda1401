import Contracts
import Hummingbird
import RPC
import ServiceKit

/// The schedules pages and their forms: list, create, edit, pause, resume, run now, delete (after a confirmation page), and
/// each schedule's fire history. The scheduler validates and audits (as `monitor for <person>`); persistence holds the fires.
struct ScheduleRoutes {
    let data: MonitorData

    private var scheduler: RPCClient<CurlTransport> { data.scheduler }

    func register(on router: Router<ServiceRequestContext>) {
        let pages = PageRouter(router: router)
        pages.page("/schedules", title: "Schedules") { request, _, viewer in
            let query = request.uri.queryParameters
            let state = query.get("state").flatMap { $0.isEmpty ? nil : $0 }
            let enabled: Bool?
            switch state {
            case nil: enabled = nil
            case "enabled": enabled = true
            case "paused": enabled = false
            default: throw APIError.badRequest("state must be enabled or paused")
            }
            let cursor = query.get("cursor").flatMap { $0.isEmpty ? nil : $0 }
            let page = try await rpc {
                try await scheduler.call(SchedulerAPI.listSchedules, ListSchedules(enabled: enabled, cursor: cursor, limit: 50))
            }
            return SchedulesPage.render(page, state: state, viewer: viewer)
        }
        pages.page("/schedules/new", title: "New schedule", active: "/schedules") { _, _, viewer in
            guard viewer.canAct else { throw APIError.forbidden("creating a schedule needs an admin token") }
            return ScheduleForm.blank.render(action: "/schedules/new", submit: "Create schedule", viewer: viewer, creating: true)
        }
        pages.form("/schedules/new", active: "/schedules") { _, _, fields, viewer in
            var form = ScheduleForm(fields: fields)
            if let definition = form.definition(enabled: fields["paused"] == nil) {
                do {
                    let created = try await rpc { try await scheduler.call(SchedulerAPI.createSchedule, definition) }
                    return .redirect("/schedules/\(created.schedule.id)")
                } catch let error as APIError {
                    guard form.place(error) else { throw error }
                }
            }
            return .page(
                title: "New schedule", body: form.render(action: "/schedules/new", submit: "Create schedule", viewer: viewer, creating: true),
                status: .unprocessableContent)
        }
        pages.page("/schedules/{id}", title: "Schedule", active: "/schedules") { request, context, viewer in
            let id = try PageRouter.id(context)
            let view = try await rpc { try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: id)) }
            let cursor = request.uri.queryParameters.get("fires").flatMap { $0.isEmpty ? nil : $0 }
            let fires = try await rpc {
                try await data.persistence.call(PersistenceAPI.listScheduleFires, ListScheduleFires(id: id, cursor: cursor, limit: 50))
            }
            return "<h2 id=\"schedule-name\">\(HTML.escape(view.schedule.definition.name))</h2>"
                + SchedulesPage.detail(view, fires: fires, viewer: viewer)
        }
        pages.page("/schedules/{id}/edit", title: "Edit schedule", active: "/schedules") { _, context, viewer in
            guard viewer.canAct else { throw APIError.forbidden("changing a schedule needs an admin token") }
            let id = try PageRouter.id(context)
            let view = try await rpc { try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: id)) }
            return ScheduleForm(schedule: view.schedule).render(action: "/schedules/\(id)/edit", submit: "Save", viewer: viewer, creating: false)
        }
        pages.form("/schedules/{id}/edit", active: "/schedules") { _, context, fields, viewer in
            let id = try PageRouter.id(context)
            var form = ScheduleForm(fields: fields)
            if let definition = form.definition(enabled: true) {
                let patch = SchedulePatch(
                    id: id, name: definition.name, kind: definition.kind, everySeconds: definition.everySeconds, cron: definition.cron,
                    timeZone: definition.timeZone, runAt: definition.runAt, scope: definition.scope, actions: definition.actions,
                    misfirePolicy: definition.misfirePolicy)
                do {
                    _ = try await rpc { try await scheduler.call(SchedulerAPI.updateSchedule, patch) }
                    return .redirect("/schedules/\(id)")
                } catch let error as APIError {
                    guard form.place(error) else { throw error }
                }
            }
            return .page(
                title: "Edit schedule", body: form.render(action: "/schedules/\(id)/edit", submit: "Save", viewer: viewer, creating: false),
                status: .unprocessableContent)
        }
        pages.action("/schedules/{id}/pause") { context in
            let id = try PageRouter.id(context)
            _ = try await rpc { try await scheduler.call(SchedulerAPI.pauseSchedule, ByID(id: id)) }
            return "/schedules/\(id)"
        }
        pages.action("/schedules/{id}/resume") { context in
            let id = try PageRouter.id(context)
            _ = try await rpc { try await scheduler.call(SchedulerAPI.resumeSchedule, ByID(id: id)) }
            return "/schedules/\(id)"
        }
        pages.action("/schedules/{id}/run") { context in
            let id = try PageRouter.id(context)
            _ = try await rpc { try await scheduler.call(SchedulerAPI.runScheduleNow, ByID(id: id)) }
            return "/schedules/\(id)"
        }
        pages.page("/schedules/{id}/delete", title: "Delete schedule", active: "/schedules") { _, context, viewer in
            guard viewer.canAct else { throw APIError.forbidden("deleting a schedule needs an admin token") }
            let view = try await rpc { try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: try PageRouter.id(context))) }
            return SchedulesPage.confirmDelete(view, viewer: viewer)
        }
        pages.action("/schedules/{id}/delete") { context in
            let id = try PageRouter.id(context)
            _ = try await rpc { try await scheduler.call(SchedulerAPI.deleteSchedule, ByID(id: id)) }
            return "/schedules"
        }
    }
}
