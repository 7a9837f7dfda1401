import Foundation

/// At most a few stacks run at once in one test process. Each stack is several processes of ours
/// plus a Redis; two cores shared by a dozen of them starve the shared PostgreSQL until its
/// connections time out. `PSYNC_TEST_STACKS` sets the limit (default 4).
final class StackSlots: @unchecked Sendable {
    // @unchecked Sendable: `available` and `waiters` are guarded by `lock`.
    static let shared = StackSlots(limit: ProcessInfo.processInfo.environment["PSYNC_TEST_STACKS"].flatMap { Int($0) } ?? 4)

    private let lock = NSLock()
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        available = max(1, limit)
    }

    /// Waits for a free slot.
    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if available > 0 {
                available -= 1
                lock.unlock()
                continuation.resume()
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }

    /// Frees a slot, handing it straight to the longest waiter.
    func release() {
        lock.lock()
        if waiters.isEmpty {
            available += 1
            lock.unlock()
        } else {
            let next = waiters.removeFirst()
            lock.unlock()
            next.resume()
        }
    }
}

/// One stack's hold on a slot, given back once: on `stop()`, or when the stack is dropped by a test
/// that failed before stopping it.
final class StackSlot: @unchecked Sendable {
    // @unchecked Sendable: `held` is guarded by `lock`.
    private let lock = NSLock()
    private var held = true

    func release() {
        let wasHeld = lock.withLock {
            defer { held = false }
            return held
        }
        if wasHeld { StackSlots.shared.release() }
    }

    deinit { release() }
}
