import Synchronization

/// The faults queued per token: the next requests with that token get them in order.
final class FaultBook: Sendable {
    private struct State {
        var queues: [String: [Fault]] = [:]
        var pending = 0
    }

    private let state = Mutex(State())
    /// Whether any fault is queued, read without the lock on the hot path.
    private let anyPending = Atomic<Bool>(false)

    /// Appends `faults` to `token`'s queue; returns how many are now queued for it.
    @discardableResult
    func enqueue(_ faults: [Fault], for token: String) -> Int {
        state.withLock { state in
            state.queues[token, default: []].append(contentsOf: faults)
            state.pending += faults.count
            anyPending.store(state.pending > 0, ordering: .releasing)
            return state.queues[token]?.count ?? 0
        }
    }

    /// Takes the next fault queued for `token`, if any.
    func next(for token: String) -> Fault? {
        guard anyPending.load(ordering: .acquiring) else { return nil }
        return state.withLock { state in
            guard var queue = state.queues[token], !queue.isEmpty else { return nil }
            let fault = queue.removeFirst()
            state.queues[token] = queue.isEmpty ? nil : queue
            state.pending -= 1
            anyPending.store(state.pending > 0, ordering: .releasing)
            return fault
        }
    }

    /// Drops every queued fault; returns how many there were.
    @discardableResult
    func clear() -> Int {
        state.withLock { state in
            let count = state.pending
            state = State()
            anyPending.store(false, ordering: .releasing)
            return count
        }
    }
}
