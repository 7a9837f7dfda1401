import Contracts
import FoundationEssentials
import PostgresClient

/// Schedules as the scheduler saves them, and their fires, recorded once under a fencing token.
struct ScheduleStore: Sendable {
    let pool: PostgresPool

    func create(_ request: SaveSchedule, by actor: AuditActor) async throws -> Schedule {
        let definition = try Self.check(request.definition)
        do {
            return try await pool.withTransaction { connection in
                let schedule = try connection.query(
                    """
                    INSERT INTO schedules AS sc (name, kind, every_seconds, cron, time_zone, run_at, scope_kind, scope_id, actions, enabled,
                        misfire_policy, next_run_at)
                    VALUES (\(definition.name), \(definition.kind.rawValue), \(definition.everySeconds), \(definition.cron), \(definition.timeZone),
                        \(definition.runAt), \(definition.scope.kind.rawValue), \(definition.scope.id), \(definition.actions.map(\.rawValue))::text[],
                        \(definition.enabled), \(definition.misfirePolicy.rawValue), \(request.nextRunAt))
                    RETURNING \(Columns.schedule)
                    """
                ).first!.schedule()
                try Self.bumpMark(on: connection)
                try AuditLog.record(
                    on: connection, by: actor, action: "create", entity: "schedule", id: String(schedule.id), before: nil as Schedule?,
                    after: schedule)
                return schedule
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict("a schedule named '\(definition.name)' already exists", details: .object(["field": .string("name")]))
        }
    }

    func update(_ request: SaveSchedule, by actor: AuditActor) async throws -> Schedule {
        guard let id = request.id else { throw APIError.badRequest("field 'id' is required") }
        let definition = try Self.check(request.definition)
        do {
            return try await pool.withTransaction { connection in
                guard
                    let before = try connection.query("SELECT \(Columns.schedule) FROM schedules sc WHERE sc.id = \(id) FOR UPDATE").first?.schedule()
                else {
                    throw APIError.notFound("schedule \(id) does not exist")
                }
                let after = try connection.query(
                    """
                    UPDATE schedules sc SET name = \(definition.name), kind = \(definition.kind.rawValue), every_seconds = \(definition.everySeconds),
                        cron = \(definition.cron), time_zone = \(definition.timeZone), run_at = \(definition.runAt),
                        scope_kind = \(definition.scope.kind.rawValue), scope_id = \(definition.scope.id),
                        actions = \(definition.actions.map(\.rawValue))::text[], enabled = \(definition.enabled),
                        misfire_policy = \(definition.misfirePolicy.rawValue), next_run_at = \(request.nextRunAt), version = sc.version + 1,
                        updated_at = now()
                    WHERE sc.id = \(id) RETURNING \(Columns.schedule)
                    """
                ).first!.schedule()
                try Self.bumpMark(on: connection)
                let action =
                    before.definition.enabled && !after.definition.enabled
                    ? "pause" : !before.definition.enabled && after.definition.enabled ? "resume" : "update"
                try AuditLog.record(on: connection, by: actor, action: action, entity: "schedule", id: String(id), before: before, after: after)
                return after
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict("a schedule named '\(definition.name)' already exists", details: .object(["field": .string("name")]))
        }
    }

    func delete(_ id: Int, by actor: AuditActor) async throws -> Deleted {
        try await pool.withTransaction { connection in
            guard let before = try connection.query("SELECT \(Columns.schedule) FROM schedules sc WHERE sc.id = \(id) FOR UPDATE").first?.schedule()
            else {
                throw APIError.notFound("schedule \(id) does not exist")
            }
            try connection.execute("DELETE FROM schedules WHERE id = \(id)")
            try Self.bumpMark(on: connection)
            try AuditLog.record(
                on: connection, by: actor, action: "delete", entity: "schedule", id: String(id), before: before, after: nil as Schedule?)
            return Deleted(id: id)
        }
    }

    func list(_ request: ListSchedules) async throws -> Page<Schedule> {
        let paging = try Paging(request, ascending: true)
        let enabled: SQL = request.enabled.map { "AND sc.enabled = \($0)" } ?? ""
        let rows = try await pool.query(
            "SELECT \(Columns.schedule) FROM schedules sc WHERE TRUE \(enabled) \(paging.filter("sc.id")) \(paging.order("sc.id")) LIMIT \(paging.fetch)"
        )
        return paging.page(try rows.map { try $0.schedule() }, id: \.id)
    }

    func get(_ id: Int) async throws -> Schedule {
        guard let schedule = try await pool.query("SELECT \(Columns.schedule) FROM schedules sc WHERE sc.id = \(id)").first?.schedule() else {
            throw APIError.notFound("schedule \(id) does not exist")
        }
        return schedule
    }

    func changeMark() async throws -> ScheduleChangeMark {
        ScheduleChangeMark(mark: try await pool.query("SELECT mark FROM schedule_changes WHERE id = 1").scalar())
    }

    /// Records the fire once: refuses a fencing token older than the newest seen (a deposed leader),
    /// and reports `recorded: false` for a fire already recorded. The schedule's next fire is left to `advance`.
    /// A manual fire (no fencing token: a run-now) is audited as `run` under `actor`.
    func recordFire(_ request: RecordFire, by actor: AuditActor) async throws -> FireRecorded {
        try await pool.withTransaction { connection in
            if let fence = request.fence { try Self.checkFence(fence, on: connection) }
            guard try connection.query("SELECT 1 FROM schedules WHERE id = \(request.id) FOR UPDATE").first != nil else {
                throw APIError.notFound("schedule \(request.id) does not exist")
            }
            let inserted = try connection.execute(
                """
                INSERT INTO schedule_fires (schedule_id, fire_time, fence) VALUES (\(request.id), \(request.fireTime), \(request.fence))
                ON CONFLICT (schedule_id, fire_time) DO NOTHING
                """
            )
            if inserted == 1 {
                try connection.execute(
                    """
                    UPDATE schedules SET last_run_at = greatest(last_run_at, \(request.fireTime)), total_run_count = total_run_count + 1
                    WHERE id = \(request.id)
                    """
                )
            }
            let schedule = try connection.query("SELECT \(Columns.schedule) FROM schedules sc WHERE sc.id = \(request.id)").first!.schedule()
            if inserted == 1, request.fence == nil {
                try AuditLog.record(
                    on: connection, by: actor, action: "run", entity: "schedule", id: String(request.id), before: nil as JSONValue?,
                    after: JSONValue.object(["fireTime": .string(ISO8601.format(request.fireTime))]))
            }
            return FireRecorded(recorded: inserted == 1, schedule: schedule)
        }
    }

    /// A schedule's fires, newest first, each with the run the dispatcher created for it.
    func fires(_ request: ListScheduleFires) async throws -> Page<ScheduleFire> {
        let paging = try Paging(cursor: nil, limit: request.limit)
        var before: SQL = ""
        if let cursor = request.cursor, !cursor.isEmpty {
            guard let milliseconds = Int(cursor), milliseconds > 0 else {
                throw APIError.badRequest("cursor '\(cursor.prefix(40))' is not one this service issued")
            }
            before = "AND f.fire_time < \(Date(timeIntervalSince1970: Double(milliseconds) / 1000))"
        }
        guard try await pool.query("SELECT 1 FROM schedules WHERE id = \(request.id)").first != nil else {
            throw APIError.notFound("schedule \(request.id) does not exist")
        }
        let rows = try await pool.query(
            """
            SELECT f.schedule_id, f.fire_time, f.fired_at, f.sent_at, f.fence IS NULL AS manual, r.id AS run_id, r.status AS run_status
            FROM schedule_fires f LEFT JOIN runs r ON r.schedule_id = f.schedule_id AND r.fire_time = f.fire_time
            WHERE f.schedule_id = \(request.id) \(before) ORDER BY f.fire_time DESC LIMIT \(paging.fetch)
            """
        )
        let fires = try rows.map { row in
            ScheduleFire(
                scheduleID: try row.decode(named: "schedule_id"),
                fireTime: try row.decode(named: "fire_time"),
                firedAt: try row.decode(named: "fired_at"),
                sentAt: try row.decode(named: "sent_at"),
                manual: try row.decode(named: "manual"),
                runID: try row.decode(named: "run_id"),
                runStatus: try row.optionalEnumeration(RunStatus.self, named: "run_status")
            )
        }
        guard fires.count > paging.limit else { return Page(items: fires, nextCursor: nil) }
        let shown = Array(fires.prefix(paging.limit))
        return Page(items: shown, nextCursor: shown.last.map { String(Int(($0.fireTime.timeIntervalSince1970 * 1000).rounded(.down))) })
    }

    /// Moves the next fire, unless the schedule was edited since the leader planned (its version moved on).
    /// With no next fire a one-off schedule is disabled.
    func advance(_ request: AdvanceSchedule) async throws -> Schedule {
        try await pool.withTransaction { connection in
            try Self.checkFence(request.fence, on: connection)
            if let sent = request.sentFireTime {
                try connection.execute(
                    "UPDATE schedule_fires SET sent_at = now() WHERE schedule_id = \(request.id) AND fire_time = \(sent) AND sent_at IS NULL")
            }
            try connection.execute(
                """
                UPDATE schedules SET next_run_at = \(request.nextRunAt),
                    enabled = CASE WHEN kind = 'once' AND \(request.nextRunAt)::timestamptz IS NULL THEN false ELSE enabled END
                WHERE id = \(request.id) AND version = \(request.version)
                """
            )
            guard let row = try connection.query("SELECT \(Columns.schedule) FROM schedules sc WHERE sc.id = \(request.id)").first else {
                throw APIError.notFound("schedule \(request.id) does not exist")
            }
            return try row.schedule()
        }
    }

    func markSent(_ request: MarkFiresSent) async throws -> StoredCount {
        guard !request.fires.isEmpty else { return StoredCount(stored: 0) }
        guard request.fires.count <= 1000 else { throw APIError.unprocessable("at most 1000 fires at a time", field: "fires") }
        let marked = try await pool.execute(
            """
            UPDATE schedule_fires f SET sent_at = now()
            FROM unnest(\(request.fires.map(\.scheduleID))::bigint[], \(request.fires.map(\.fireTime))::timestamptz[]) AS s(schedule_id, fire_time)
            WHERE f.schedule_id = s.schedule_id AND f.fire_time = s.fire_time AND f.sent_at IS NULL
            """
        )
        return StoredCount(stored: marked)
    }

    func unsent() async throws -> UnsentFires {
        let rows = try await pool.query(
            """
            SELECT f.schedule_id, f.fire_time, s.scope_kind, s.scope_id, s.actions FROM schedule_fires f JOIN schedules s ON s.id = f.schedule_id
            WHERE f.sent_at IS NULL ORDER BY f.fired_at, f.schedule_id LIMIT 1000
            """
        )
        return UnsentFires(
            fires: try rows.map { row in
                FireMessage(
                    scheduleID: try row.decode(named: "schedule_id"),
                    fireTime: try row.decode(named: "fire_time"),
                    scope: SyncScope(kind: try row.enumeration(ScopeKind.self, named: "scope_kind"), id: try row.decode(named: "scope_id")),
                    actions: try row.decode([String].self, named: "actions").compactMap(JobAction.init(rawValue:))
                )
            })
    }

    /// Postgres is the fence authority: the token must be at least the newest recorded, which it then becomes.
    private static func checkFence(_ fence: Int, on connection: isolated PostgresConnection) throws {
        guard try connection.execute("UPDATE scheduler_fence SET fence = \(fence) WHERE id = 1 AND fence <= \(fence)") == 1 else {
            throw APIError.conflict("fencing token \(fence) is stale: a newer scheduler leader has taken over")
        }
    }

    private static func bumpMark(on connection: isolated PostgresConnection) throws {
        try connection.execute("UPDATE schedule_changes SET mark = mark + 1 WHERE id = 1")
    }

    /// Storage-level checks (the scheduler validates cron and zones before saving).
    static func check(_ definition: ScheduleDefinition) throws -> ScheduleDefinition {
        var definition = definition
        definition.name = try Validate.name(definition.name, field: "name", maximum: 100)
        if let problem = definition.scope.problem { throw APIError.unprocessable(problem, field: "scope") }
        guard !definition.actions.isEmpty else { throw APIError.unprocessable("actions must name at least one action", field: "actions") }
        switch definition.kind {
        case .interval:
            guard let every = definition.everySeconds, every > 0 else {
                throw APIError.unprocessable("an interval schedule needs everySeconds > 0", field: "everySeconds")
            }
            definition.cron = nil
            definition.runAt = nil
        case .cron:
            guard let cron = definition.cron, !cron.isEmpty else {
                throw APIError.unprocessable("a cron schedule needs a cron expression", field: "cron")
            }
            definition.everySeconds = nil
            definition.runAt = nil
        case .once:
            guard definition.runAt != nil else { throw APIError.unprocessable("a one-off schedule needs runAt", field: "runAt") }
            definition.everySeconds = nil
            definition.cron = nil
        }
        return definition
    }
}
