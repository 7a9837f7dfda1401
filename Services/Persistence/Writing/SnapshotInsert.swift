import Contracts
import FoundationEssentials
import PostgresClient

/// Stores whole snapshots: one `holding_snapshots` row each, its rows by COPY, and the account's
/// current-snapshot pointer moved to the newest. A snapshot seen before (same job, or same source
/// id for the account) is skipped, so a redelivered result changes nothing.
enum SnapshotInsert {
    struct Input {
        var accountID: Int
        var runID: Int?
        var jobID: Int?
        var snapshot: HoldingsSnapshot
        /// Positions are kept apart from holdings: they never become the account's current holdings.
        var positions = false

        /// The snapshot's notes as JSON text, `nil` when it has none (the common case costs nothing).
        var notesJSON: String? {
            guard !snapshot.notes.isEmpty, let bytes = try? JSONCoding.encode(snapshot.notes) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Stores the inputs not stored before; returns the new snapshot ids by input index.
    static func store(_ inputs: [Input], on connection: isolated PostgresConnection) throws -> [Int: Int] {
        guard !inputs.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            INSERT INTO holding_snapshots (account_id, kind, run_id, job_id, source_snapshot_id, as_of, row_count, notes)
            SELECT account_id, kind, run_id, job_id, source_snapshot_id, as_of, row_count, coalesce(notes::jsonb, '[]')
            FROM unnest(\(inputs.map(\.accountID))::bigint[], \(inputs.map { $0.positions ? "positions" : "holdings" })::text[],
                \(inputs.map(\.runID))::bigint[], \(inputs.map(\.jobID))::bigint[],
                \(inputs.map(\.snapshot.sourceSnapshotID))::text[], \(inputs.map(\.snapshot.asOf))::timestamptz[],
                \(inputs.map(\.snapshot.holdings.count))::int[], \(Array(inputs.indices))::int[], \(inputs.map(\.notesJSON))::text[])
                AS u(account_id, kind, run_id, job_id, source_snapshot_id, as_of, row_count, position, notes)
            ORDER BY position
            ON CONFLICT DO NOTHING
            RETURNING id, account_id, source_snapshot_id
            """
        )
        var indexByKey: [String: Int] = [:]
        for (index, input) in inputs.enumerated() { indexByKey["\(input.accountID)|\(input.snapshot.sourceSnapshotID)"] = index }
        var stored: [Int: Int] = [:]
        for row in rows {
            let key = "\(try row.decode(Int.self, named: "account_id"))|\(try row.decode(String.self, named: "source_snapshot_id"))"
            if let index = indexByKey[key] { stored[index] = try row.decode(Int.self, named: "id") }
        }
        guard !stored.isEmpty else { return [:] }
        var copy = CopyRows(capacity: stored.count * 20 * 160)
        for (index, snapshotID) in stored {
            let input = inputs[index]
            let source = CopyRows.escape(input.snapshot.sourceSnapshotID)
            let asOf = CopyRows.escape(PostgresTimestamp.format(input.snapshot.asOf))
            for (line, holding) in input.snapshot.holdings.enumerated() {
                copy.append(snapshotID)
                copy.append(line)
                copy.append(input.accountID)
                copy.appendEscaped { HoldingsTable.appendFields(of: holding, to: &$0) }
                copy.append(escaped: source)
                copy.append(escaped: asOf)
                copy.endRow()
            }
        }
        if copy.count > 0 {
            try connection.copy(into: "holdings", columns: holdingColumns, rows: copy)
        }
        // Per account, the newest snapshot of this batch becomes current unless a newer one already is.
        let holdingsIDs = stored.filter { !inputs[$0.key].positions }.map(\.value)
        let positionsIDs = stored.filter { inputs[$0.key].positions }.map(\.value)
        if !holdingsIDs.isEmpty {
            // The accounts' current snapshots before they move (locked, in id order), for what changed.
            let accountIDs = Set(stored.filter { !inputs[$0.key].positions }.map { inputs[$0.key].accountID }).sorted()
            let previous = try connection.query(
                "SELECT id, current_snapshot_id, current_as_of FROM broker_accounts WHERE id = ANY(\(accountIDs)) ORDER BY id FOR UPDATE"
            ).reduce(into: [Int: (id: Int, asOf: Date)]()) { previous, row in
                if let id = try row.decode(Int?.self, named: "current_snapshot_id"), let asOf = try row.decode(Date?.self, named: "current_as_of") {
                    previous[try row.decode(Int.self, named: "id")] = (id, asOf)
                }
            }
            let moved = try connection.query(
                """
                UPDATE broker_accounts a SET current_snapshot_id = s.id, current_as_of = s.as_of, last_synced_at = now(), last_error = NULL,
                    status = CASE WHEN a.status = 'reauth_required' THEN 'active' ELSE a.status END, updated_at = now()
                FROM (SELECT DISTINCT ON (account_id) id, account_id, as_of FROM holding_snapshots WHERE id = ANY(\(holdingsIDs))
                      ORDER BY account_id, as_of DESC, id DESC) s
                WHERE a.id = s.account_id AND (a.current_as_of IS NULL OR s.as_of >= a.current_as_of)
                RETURNING a.id, s.id AS snapshot_id
                """
            ).map { (accountID: try $0.decode(Int.self, named: "id"), snapshotID: try $0.decode(Int.self, named: "snapshot_id")) }
            let inputBySnapshot = Dictionary(uniqueKeysWithValues: stored.map { ($0.value, inputs[$0.key]) })
            try recordChanges(
                moved.map {
                    (accountID: $0.accountID, input: inputBySnapshot[$0.snapshotID]!, snapshotID: $0.snapshotID, previous: previous[$0.accountID])
                }, on: connection)
        }
        if !positionsIDs.isEmpty {
            try connection.execute(
                """
                UPDATE broker_accounts a SET current_positions_snapshot_id = s.id, current_positions_as_of = s.as_of, last_synced_at = now(),
                    last_error = NULL, status = CASE WHEN a.status = 'reauth_required' THEN 'active' ELSE a.status END, updated_at = now()
                FROM (SELECT DISTINCT ON (account_id) id, account_id, as_of FROM holding_snapshots WHERE id = ANY(\(positionsIDs))
                      ORDER BY account_id, as_of DESC, id DESC) s
                WHERE a.id = s.account_id AND (a.current_positions_as_of IS NULL OR s.as_of >= a.current_positions_as_of)
                """
            )
        }
        return stored
    }

    /// Writes a `holdings.changed` event for each account whose current snapshot moved to one that differs from the
    /// one it replaced (the account's first snapshot opens every position it holds).
    private static func recordChanges(
        _ moves: [(accountID: Int, input: Input, snapshotID: Int, previous: (id: Int, asOf: Date)?)], on connection: isolated PostgresConnection
    ) throws {
        let previousIDs = moves.compactMap { $0.previous?.id }
        var before: [Int: [Holding]] = [:]
        if !previousIDs.isEmpty {
            for row in try connection.query(
                "SELECT h.snapshot_id, \(Columns.holding) FROM holdings h WHERE h.snapshot_id = ANY(\(previousIDs)) ORDER BY h.snapshot_id, h.line")
            {
                before[try row.decode(Int.self, named: "snapshot_id"), default: []].append(try row.holding())
            }
        }
        var entries: [FeedWriter.Entry] = []
        for move in moves.sorted(by: { $0.accountID < $1.accountID }) where move.previous?.id != move.snapshotID {
            let diff = SnapshotDiff(before: move.previous.map { before[$0.id] ?? [] } ?? [], after: move.input.snapshot.holdings)
            guard !diff.changes.isEmpty else { continue }
            let payload = HoldingsChanged(
                snapshotID: move.snapshotID, previousSnapshotID: move.previous?.id, asOf: move.input.snapshot.asOf, previousAsOf: move.previous?.asOf,
                diff: diff)
            entries.append(try FeedWriter.Entry(payload, accountID: move.accountID, runID: move.input.runID))
        }
        try FeedWriter.write(entries, on: connection)
    }

    /// The 16 between `account_id` and `source_snapshot_id` are `HoldingsTable`'s fields, in its order.
    static let holdingColumns = [
        "snapshot_id", "line", "account_id", "symbol", "exchange", "isin", "asset_type", "quantity", "avg_price", "last_price", "currency",
        "cost_value", "market_value", "free_quantity", "unsettled_quantity", "pledged_quantity", "lot", "multiplier", "meta",
        "source_snapshot_id", "as_of",
    ]
}

/// Checks a result's payload before it goes near the database; the reason names what is wrong.
enum ResultCheck {
    static func problem(in result: JobResult) -> String? {
        if result.attempt < 1 { return "attempt must be at least 1, got \(result.attempt)" }
        for (name, time) in [("startedAt", result.startedAt), ("finishedAt", result.finishedAt), ("nextAttemptAt", result.nextAttemptAt)] {
            if let time, !TimeBounds.contains(time) { return "\(name) is not a time in \(TimeBounds.years)" }
        }
        if result.outcome == .succeeded {
            switch result.action {
            case .holdings, .positions:
                guard let snapshot = result.snapshot else { return "a succeeded \(result.action.rawValue) result has no snapshot" }
                return problem(in: snapshot)
            case .transactions:
                guard let batch = result.transactions else { return "a succeeded transactions result has no transactions" }
                for (index, transaction) in batch.transactions.enumerated() {
                    if transaction.externalID.isEmpty || transaction.externalID.count > 200 { return "transaction \(index) has no valid externalID" }
                    if !isCurrency(transaction.currency) {
                        return "transaction \(index) has currency '\(transaction.currency.prefix(10))', not an ISO 4217 code"
                    }
                    if [transaction.quantity, transaction.price, transaction.amount].contains(where: { $0?.isNaN == true }) {
                        return "transaction \(index) has a quantity, price or amount that is not a number"
                    }
                    if !TimeBounds.contains(transaction.occurredAt) {
                        return "transaction \(index) has occurredAt \(ISO8601.format(transaction.occurredAt)), not a time in \(TimeBounds.years)"
                    }
                }
            }
        } else if result.error == nil {
            return "a \(result.outcome.rawValue) result has no error"
        }
        return nil
    }

    static func problem(in snapshot: HoldingsSnapshot) -> String? {
        if snapshot.sourceSnapshotID.isEmpty || snapshot.sourceSnapshotID.count > 200 { return "the snapshot has no valid sourceSnapshotID" }
        if snapshot.holdings.count > 100_000 { return "the snapshot has \(snapshot.holdings.count) holdings, over the 100,000 limit" }
        if !TimeBounds.contains(snapshot.asOf) { return "the snapshot's asOf \(ISO8601.format(snapshot.asOf)) is not a time in \(TimeBounds.years)" }
        for (index, holding) in snapshot.holdings.enumerated() {
            if holding.symbol.isEmpty || holding.symbol.count > 100 { return "holding \(index) has no valid symbol" }
            if !isCurrency(holding.currency) {
                return "holding \(index) (\(holding.symbol)) has currency '\(holding.currency.prefix(10))', not an ISO 4217 code"
            }
            let numbers = [holding.quantity, holding.averagePrice, holding.costValue, holding.lastPrice ?? 0, holding.marketValue ?? 0]
            if numbers.contains(where: \.isNaN) { return "holding \(index) (\(holding.symbol)) has a value that is not a number" }
            if let split = holding.split, split.total != holding.quantity {
                return "holding \(index) (\(holding.symbol)) has quantity \(holding.quantity) but free + unsettled + pledged = \(split.total)"
            }
        }
        if snapshot.notes.count > 10_000 { return "the snapshot has \(snapshot.notes.count) notes, over the 10,000 limit" }
        if let note = snapshot.notes.first(where: { $0.message.isEmpty || $0.message.utf8.count > 1000 || ($0.symbol?.utf8.count ?? 0) > 100 }) {
            return "a snapshot note (\(note.kind.rawValue)) has an empty or over-long message or symbol"
        }
        return nil
    }

    static func isCurrency(_ code: String) -> Bool {
        code.utf8.count == 3 && code.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
    }
}
