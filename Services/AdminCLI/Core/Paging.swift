import Contracts

/// Follows `nextCursor` until `limit` items are collected; the result's `nextCursor` says whether more exist.
enum Paging {
    static func collect<Item: Codable & Sendable>(
        limit: Int, _ fetch: (_ cursor: String?, _ pageSize: Int) async throws -> Page<Item>
    ) async throws -> Page<Item> {
        var items: [Item] = []
        var cursor: String?
        repeat {
            let page = try await fetch(cursor, min(500, max(1, limit - items.count)))
            items += page.items
            cursor = page.nextCursor
        } while cursor != nil && items.count < limit
        return Page(items: Array(items.prefix(limit)), nextCursor: cursor)
    }

    /// The table, with a hint when the listing stopped at `--limit`.
    static func footer<Item>(_ page: Page<Item>) -> String {
        page.nextCursor == nil ? "" : "(more not shown; raise --limit)\n"
    }
}
