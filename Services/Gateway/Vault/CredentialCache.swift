import Contracts
import FoundationEssentials
import RPC
import Synchronization

/// Sealed boxes fetched from persistence, kept briefly so a batch of jobs costs one fetch.
/// Only ciphertext is cached; an auth failure drops the account's entry so a new login shows at once.
final class CredentialCache: Sendable {
    private struct Entry {
        let box: SealedCredentials?
        let fetched: ContinuousClock.Instant
    }

    private let persistence: RPCClient<CurlTransport>
    private let ttl: Duration
    private let entries = Mutex<[Int: Entry]>([:])

    init(persistence: RPCClient<CurlTransport>, ttl: Duration) {
        self.persistence = persistence
        self.ttl = ttl
    }

    /// Fetches, in one call, the boxes of `accountIDs` not cached yet.
    func prefetch(_ accountIDs: [Int]) async throws {
        let now = ContinuousClock.now
        let missing = entries.withLock { entries in
            Array(Set(accountIDs.filter { id in entries[id].map { now - $0.fetched > ttl } ?? true }))
        }
        guard !missing.isEmpty else { return }
        for chunk in stride(from: 0, to: missing.count, by: 500) {
            let ids = Array(missing[chunk..<min(chunk + 500, missing.count)])
            let page = try await persistence.call(PersistenceAPI.listCredentials, ListCredentials(accountIDs: ids, limit: 500))
            let found = Dictionary(page.items.map { ($0.accountID, $0) }, uniquingKeysWith: { first, _ in first })
            entries.withLock { entries in
                for id in ids { entries[id] = Entry(box: found[id], fetched: now) }
            }
        }
    }

    /// The account's box, or `nil` if it has none.
    func box(for accountID: Int) async throws -> SealedCredentials? {
        if let entry = entries.withLock({ $0[accountID] }), ContinuousClock.now - entry.fetched <= ttl { return entry.box }
        try await prefetch([accountID])
        return entries.withLock { $0[accountID]?.box }
    }

    func forget(_ accountID: Int) {
        entries.withLock { _ = $0.removeValue(forKey: accountID) }
    }
}
