import Contracts
import PostgresClient

/// Users: create, list, read, change, delete.
struct UserStore: Sendable {
    let pool: PostgresPool

    func create(_ request: CreateUser, by actor: AuditActor) async throws -> User {
        let email = try Validate.email(request.email)
        let name = try Validate.name(request.name, field: "name")
        do {
            return try await pool.withTransaction { connection in
                let user = try connection.query(
                    "INSERT INTO users AS u (email, name) VALUES (\(email), \(name)) RETURNING \(Columns.user)"
                ).first!.user()
                try AuditLog.record(
                    on: connection, by: actor, action: "create", entity: "user", id: String(user.id), before: nil as User?, after: user)
                return user
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict("a user with email \(email) already exists", details: .object(["field": .string("email")]))
        }
    }

    func list(_ request: ListUsers) async throws -> Page<User> {
        let paging = try Paging(request)
        var filters: [SQL] = ["TRUE"]
        if let active = request.active { filters.append("u.active = \(active)") }
        if let pattern = try SearchPattern.make(request.search) { filters.append("(u.name ILIKE \(pattern) OR u.email ILIKE \(pattern))") }
        let rows = try await pool.query(
            """
            SELECT \(Columns.user) FROM users u WHERE \(SQL.join(filters, separator: " AND ")) \(paging.filter("u.id"))
            ORDER BY u.id DESC LIMIT \(paging.fetch)
            """
        )
        return paging.page(try rows.map { try $0.user() }, id: \.id)
    }

    func get(_ id: Int) async throws -> User {
        guard let row = try await pool.query("SELECT \(Columns.user) FROM users u WHERE u.id = \(id)").first else {
            throw APIError.notFound("user \(id) does not exist")
        }
        return try row.user()
    }

    func update(_ request: UpdateUser, by actor: AuditActor) async throws -> User {
        let email = try request.email.map { try Validate.email($0) }
        let name = try request.name.map { try Validate.name($0, field: "name") }
        do {
            return try await pool.withTransaction { connection in
                guard let before = try connection.query("SELECT \(Columns.user) FROM users u WHERE u.id = \(request.id) FOR UPDATE").first?.user()
                else { throw APIError.notFound("user \(request.id) does not exist") }
                let after = try connection.query(
                    """
                    UPDATE users AS u SET email = coalesce(\(email), u.email), name = coalesce(\(name), u.name),
                        active = coalesce(\(request.active), u.active), updated_at = now()
                    WHERE u.id = \(request.id) RETURNING \(Columns.user)
                    """
                ).first!.user()
                let action = request.active == false ? "disable" : request.active == true && !before.active ? "enable" : "update"
                try AuditLog.record(on: connection, by: actor, action: action, entity: "user", id: String(after.id), before: before, after: after)
                return after
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict("a user with email \(email ?? "") already exists", details: .object(["field": .string("email")]))
        }
    }

    /// Deletes a user who owns nothing: one with portfolios, or named by a schedule, is a 409 saying what to remove first.
    func delete(_ id: Int, by actor: AuditActor) async throws -> Deleted {
        try await pool.withTransaction { connection in
            guard let before = try connection.query("SELECT \(Columns.user) FROM users u WHERE u.id = \(id) FOR UPDATE").first?.user() else {
                throw APIError.notFound("user \(id) does not exist")
            }
            let portfolios: Int = try connection.query("SELECT count(*)::bigint FROM portfolios WHERE user_id = \(id)").scalar()
            guard portfolios == 0 else {
                throw APIError.conflict(
                    "user \(id) owns \(portfolios) portfolio\(portfolios == 1 ? "" : "s"); delete them first, or disable the user instead",
                    details: .object(["field": .string("id")]))
            }
            let schedules: Int = try connection.query("SELECT count(*)::bigint FROM schedules WHERE scope_kind = 'user' AND scope_id = \(id)")
                .scalar()
            guard schedules == 0 else {
                throw APIError.conflict(
                    "\(schedules) schedule\(schedules == 1 ? " syncs" : "s sync") user \(id); change or delete \(schedules == 1 ? "it" : "them") first",
                    details: .object(["field": .string("id")]))
            }
            try connection.execute("DELETE FROM users WHERE id = \(id)")
            try AuditLog.record(on: connection, by: actor, action: "delete", entity: "user", id: String(id), before: before, after: nil as User?)
            return Deleted(id: id)
        }
    }
}
