import Contracts
import FoundationEssentials
import PostgresClient

/// Broker transactions: upserted by (account, broker's id), listed newest first.
struct TransactionStore: Sendable {
    let pool: PostgresPool

    func list(_ request: ListTransactions) async throws -> Page<StoredTransaction> {
        let paging = try Paging(request)
        let since: SQL = request.since.map { "AND t.occurred_at >= \($0)" } ?? ""
        let rows = try await pool.query(
            """
            SELECT t.id, t.account_id, t.external_id, t.kind, t.symbol, t.exchange, t.isin, t.quantity, t.price, t.amount, t.currency,
                t.occurred_at, t.multiplier, t.meta::text AS meta
            FROM transactions t WHERE t.account_id = \(request.id) \(since) \(paging.filter("t.id")) ORDER BY t.id DESC LIMIT \(paging.fetch)
            """
        )
        if rows.isEmpty, paging.before == nil, try await pool.query("SELECT 1 FROM broker_accounts WHERE id = \(request.id)").isEmpty {
            throw APIError.notFound("account \(request.id) does not exist")
        }
        let items = try rows.map { row in
            StoredTransaction(
                id: try row.decode(named: "id"),
                accountID: try row.decode(named: "account_id"),
                transaction: BrokerTransaction(
                    externalID: try row.decode(named: "external_id"),
                    kind: try row.enumeration(TransactionKind.self, named: "kind"),
                    symbol: try row.decode(named: "symbol"),
                    exchange: try row.decode(named: "exchange"),
                    isin: try row.decode(named: "isin"),
                    quantity: try row.decode(named: "quantity"),
                    price: try row.decode(named: "price"),
                    amount: try row.decode(named: "amount"),
                    currency: try row.decode(named: "currency"),
                    occurredAt: try row.decode(named: "occurred_at"),
                    multiplier: try row.decode(named: "multiplier"),
                    meta: try row.rawJSON(named: "meta")
                )
            )
        }
        return paging.page(items, id: \.id)
    }

    /// Upserts `batches` (account id → transactions) through a staging table; returns how many rows were written.
    static func upsert(_ batches: [(accountID: Int, batch: TransactionsBatch)], on connection: isolated PostgresConnection) throws -> Int {
        var rows = CopyRows()
        for (accountID, batch) in batches {
            for transaction in batch.transactions {
                rows.append(accountID)
                rows.append(transaction.externalID)
                rows.append(transaction.kind.rawValue)
                rows.append(transaction.symbol)
                rows.append(transaction.exchange)
                rows.append(transaction.isin)
                rows.append(transaction.quantity)
                rows.append(transaction.price)
                rows.append(transaction.amount)
                rows.append(transaction.currency)
                rows.append(transaction.occurredAt)
                rows.append(transaction.multiplier)
                rows.append(transaction.meta?.text)
                rows.endRow()
            }
        }
        for (accountID, batch) in batches {
            if let cursor = batch.cursor {
                try connection.execute("UPDATE broker_accounts SET transactions_cursor = \(cursor) WHERE id = \(accountID)")
            }
        }
        guard rows.count > 0 else { return 0 }
        try connection.runScript(
            """
            CREATE TEMP TABLE IF NOT EXISTS transactions_staging (
                account_id bigint, external_id text, kind text, symbol text, exchange text, isin text, quantity numeric, price numeric,
                amount numeric, currency text, occurred_at timestamptz, multiplier numeric, meta jsonb, seq bigserial
            ) ON COMMIT DELETE ROWS
            """
        )
        try connection.copy(
            into: "transactions_staging",
            columns: [
                "account_id", "external_id", "kind", "symbol", "exchange", "isin", "quantity", "price", "amount", "currency", "occurred_at",
                "multiplier",
                "meta",
            ],
            rows: rows
        )
        let written = try connection.query(
            """
            INSERT INTO transactions (account_id, external_id, kind, symbol, exchange, isin, quantity, price, amount, currency, occurred_at,
                multiplier, meta)
            SELECT DISTINCT ON (account_id, external_id) account_id, external_id, kind, symbol, exchange, isin, quantity, price, amount, currency,
                occurred_at, multiplier, meta
            FROM transactions_staging ORDER BY account_id, external_id, seq DESC
            ON CONFLICT (account_id, external_id) DO UPDATE SET kind = excluded.kind, symbol = excluded.symbol, exchange = excluded.exchange,
                isin = excluded.isin, quantity = excluded.quantity, price = excluded.price, amount = excluded.amount,
                currency = excluded.currency, occurred_at = excluded.occurred_at, multiplier = excluded.multiplier, meta = excluded.meta, updated_at = now()
            RETURNING account_id, external_id, (xmax = 0) AS inserted
            """
        )
        try recordAdded(written.filter { try $0.decode(Bool.self, named: "inserted") }, from: batches, on: connection)
        return written.count
    }

    /// Writes a `transactions.added` event per account for the transactions stored for the first time, oldest first.
    private static func recordAdded(
        _ inserted: [PostgresRow], from batches: [(accountID: Int, batch: TransactionsBatch)], on connection: isolated PostgresConnection
    ) throws {
        guard !inserted.isEmpty else { return }
        var added: [Int: Set<String>] = [:]
        for row in inserted { added[try row.decode(Int.self, named: "account_id"), default: []].insert(try row.decode(named: "external_id")) }
        var entries: [FeedWriter.Entry] = []
        for (accountID, externalIDs) in added.sorted(by: { $0.key < $1.key }) {
            // The last report of a transaction in the batch is the one stored (as the upsert's DISTINCT ON picks it).
            var latest: [String: BrokerTransaction] = [:]
            for (batchAccount, batch) in batches where batchAccount == accountID {
                for transaction in batch.transactions where externalIDs.contains(transaction.externalID) {
                    latest[transaction.externalID] = transaction
                }
            }
            let transactions = latest.values.sorted { ($0.occurredAt, $0.externalID) < ($1.occurredAt, $1.externalID) }
            // At most 500 a event, so a statement import of years does not make one huge delivery.
            for start in stride(from: 0, to: transactions.count, by: 500) {
                let part = Array(transactions[start..<min(start + 500, transactions.count)])
                entries.append(try FeedWriter.Entry(TransactionsAdded(transactions: part), accountID: accountID))
            }
        }
        try FeedWriter.write(entries, on: connection)
    }
}
