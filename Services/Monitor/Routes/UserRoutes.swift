import Contracts
import Hummingbird
import RPC
import ServiceKit

/// `/users`: list and search, one user, create, edit, disable / enable, delete (after a confirmation page).
struct UserRoutes {
    let data: MonitorData

    func register(on router: Router<ServiceRequestContext>) {
        let pages = PageRouter(router: router)
        let persistence = data.persistence
        pages.page("/users", title: "Users") { request, _, viewer in
            let search = ConsoleParts.query(request, "q")
            let cursor = ConsoleParts.query(request, "cursor")
            let listing = ListUsers(active: try ConsoleParts.activeFilter(request), search: search, cursor: cursor, limit: 50)
            let page = try await rpc { try await persistence.call(PersistenceAPI.listUsers, listing) }
            return ConsoleParts.notice(request)
                + UsersPage.list(page, search: search, active: ConsoleParts.query(request, "active"), cursor: cursor, viewer: viewer)
        }
        pages.page("/users/new", title: "New user", active: "/users") { _, _, viewer in
            UsersPage.form(FormView(), action: "/users/new", submit: "Create user", viewer: viewer)
        }
        pages.form("/users/new", active: "/users") { _, _, fields, viewer in
            var view = FormView(fields, UsersPage.fields)
            let request = CreateUser(email: view.value("email"), name: view.value("name"))
            let created = try await ConsoleChange.attempt(&view, fields: UsersPage.fields) {
                try await persistence.call(PersistenceAPI.createUser, request)
            }
            guard let created else {
                return ConsoleChange.again(
                    view, title: "New user", body: UsersPage.form(view, action: "/users/new", submit: "Create user", viewer: viewer))
            }
            return .redirect("/users/\(created.id)?notice=created")
        }
        pages.page("/users/{id}", title: "User", active: "/users") { request, context, viewer in
            let id = try PageRouter.id(context)
            let cursor = ConsoleParts.query(request, "cursor")
            let user = try await rpc { try await persistence.call(PersistenceAPI.getUser, ByID(id: id)) }
            let portfolios = try await rpc {
                try await persistence.call(PersistenceAPI.listPortfolios, ListPortfolios(userID: id, cursor: cursor, limit: 50))
            }
            return UsersPage.detail(user, portfolios: portfolios, cursor: cursor, viewer: viewer, notice: ConsoleParts.notice(request))
        }
        pages.page("/users/{id}/edit", title: "Edit user", active: "/users") { _, context, viewer in
            let id = try PageRouter.id(context)
            let user = try await rpc { try await persistence.call(PersistenceAPI.getUser, ByID(id: id)) }
            let view = FormView(values: ["name": user.name, "email": user.email])
            return UsersPage.form(view, action: "/users/\(id)/edit", submit: "Save", viewer: viewer)
        }
        pages.form("/users/{id}/edit", active: "/users") { _, context, fields, viewer in
            let id = try PageRouter.id(context)
            var view = FormView(fields, UsersPage.fields)
            for field in UsersPage.fields where view.values[field] == nil { view.errors[field] = "\(field) must not be empty" }
            if view.isValid {
                let request = UpdateUser(id: id, email: view.value("email"), name: view.value("name"))
                _ = try await ConsoleChange.attempt(&view, fields: UsersPage.fields) {
                    try await persistence.call(PersistenceAPI.updateUser, request)
                }
            }
            guard view.isValid else {
                return ConsoleChange.again(
                    view, title: "Edit user", body: UsersPage.form(view, action: "/users/\(id)/edit", submit: "Save", viewer: viewer))
            }
            return .redirect("/users/\(id)?notice=saved")
        }
        for (verb, active) in [("disable", false), ("enable", true)] {
            pages.action("/users/{id}/\(verb)") { context in
                let id = try PageRouter.id(context)
                _ = try await rpc { try await persistence.call(PersistenceAPI.updateUser, UpdateUser(id: id, active: active)) }
                return "/users/\(id)?notice=\(verb)d"
            }
        }
        pages.page("/users/{id}/delete", title: "Delete user", active: "/users") { _, context, viewer in
            let id = try PageRouter.id(context)
            let user = try await rpc { try await persistence.call(PersistenceAPI.getUser, ByID(id: id)) }
            return ConsoleParts.confirmDelete(
                what: "user \(user.id) (\(user.name), \(user.email))", consequence: "A user who still owns portfolios cannot be deleted.",
                action: "/users/\(id)/delete", back: "/users/\(id)", viewer: viewer)
        }
        pages.form("/users/{id}/delete", active: "/users") { _, context, fields, _ in
            let id = try PageRouter.id(context)
            guard fields["confirm"] == "yes" else { return .redirect("/users/\(id)/delete") }
            _ = try await rpc { try await persistence.call(PersistenceAPI.deleteUser, ByID(id: id)) }
            return .redirect("/users?notice=deleted")
        }
    }
}
