import Contracts
import PostgresClient

/// Keyset paging: listings run newest first by id (or oldest first, for work queues), and the
/// cursor is the last id of a page.
struct Paging {
    static let defaultLimit = 50
    static let maximumLimit = 500

    /// Rows per page.
    let limit: Int
    /// The previous page's last id: the next page continues past it.
    let before: Int?
    /// Oldest first instead of newest first.
    let ascending: Bool

    /// Validates `cursor` and `limit`; a bad value is a 400/422 naming the field.
    init(_ request: some PagedRequest, ascending: Bool = false) throws {
        try self.init(cursor: request.cursor, limit: request.limit, ascending: ascending)
    }

    init(cursor: String?, limit: Int?, ascending: Bool = false) throws {
        self.ascending = ascending
        let limit = limit ?? Self.defaultLimit
        guard (1...Self.maximumLimit).contains(limit) else {
            throw APIError.unprocessable("limit must be 1-\(Self.maximumLimit), got \(limit)", field: "limit")
        }
        self.limit = limit
        if let cursor, !cursor.isEmpty {
            guard let id = Int(cursor), id > 0 else { throw APIError.badRequest("cursor '\(cursor.prefix(40))' is not one this service issued") }
            before = id
        } else {
            before = nil
        }
    }

    /// `AND <column> < cursor` (`>` oldest first), or nothing on the first page.
    func filter(_ column: SQL) -> SQL {
        guard let before else { return "" }
        return ascending ? "AND \(column) > \(before)" : "AND \(column) < \(before)"
    }

    /// `ORDER BY <column> DESC` (`ASC` oldest first).
    func order(_ column: SQL) -> SQL {
        ascending ? "ORDER BY \(column) ASC" : "ORDER BY \(column) DESC"
    }

    /// The page of `items` (fetched with `limit + 1`), with the cursor for the next.
    func page<Item>(_ items: [Item], id: (Item) -> Int) -> Page<Item> {
        let (shown, cursor) = slice(items, id: id)
        return Page(items: shown, nextCursor: cursor)
    }

    /// The rows of a page (fetched with `limit + 1`) and the next cursor.
    func slice<Row>(_ rows: [Row], id: (Row) -> Int) -> ([Row], String?) {
        guard rows.count > limit else { return (rows, nil) }
        let shown = Array(rows.prefix(limit))
        return (shown, shown.last.map { String(id($0)) })
    }

    /// How many rows to fetch: one more than a page, to know whether another follows.
    var fetch: Int { limit + 1 }
}
