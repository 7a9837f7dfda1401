import Synchronization

/// A bounded pool that lends each resource (a connection) to one task at a time.
///
/// Resources are made lazily, up to `maximum`; a borrower beyond that waits in FIFO order and
/// can be cancelled while it waits.
///
/// ```swift
/// let pool = ResourcePool(maximum: 8, make: { Connection() }, discard: { $0.close() })
/// let value = try await pool.withResource { connection in try await connection.get("k") }
/// ```
public final class ResourcePool<Resource: Sendable>: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Resource, any Error>
    }

    private struct State {
        var idle: [Resource] = []
        var created = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var closed = false
    }

    private enum Lease {
        case ready(Resource)
        case make
        case wait
        case closed
    }

    /// The most resources that exist at once.
    public let maximum: Int
    private let make: @Sendable () -> Resource
    private let discard: @Sendable (Resource) -> Void
    private let state = Mutex(State())

    /// Creates an empty pool; `make` builds a resource when one is needed, `discard` releases it on close.
    public init(maximum: Int, make: @escaping @Sendable () -> Resource, discard: @escaping @Sendable (Resource) -> Void) {
        precondition(maximum > 0, "a pool needs room for at least one resource")
        self.maximum = maximum
        self.make = make
        self.discard = discard
    }

    /// Lends a resource to `body` and takes it back afterwards, whether `body` returns or throws. With a `timeout`, a
    /// borrower that waits longer than that for a resource gets `ResourcePoolError.timedOut` instead.
    public func withResource<T>(timeout: Duration? = nil, _ body: (Resource) async throws -> T) async throws -> T {
        let resource = try await lease(timeout: timeout)
        defer { giveBack(resource) }
        return try await body(resource)
    }

    /// Refuses new leases, discards idle resources and fails every waiter; leased ones are discarded on return.
    public func close() {
        let (idle, waiters) = state.withLock { state -> ([Resource], [Waiter]) in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        idle.forEach(discard)
        for waiter in waiters {
            waiter.continuation.resume(throwing: ResourcePoolError.closed)
        }
    }

    /// How many resources exist now, leased or idle.
    public var count: Int { state.withLock { $0.created } }

    private func lease(timeout: Duration?) async throws -> Resource {
        let lease = state.withLock { state -> Lease in
            if state.closed { return .closed }
            if let resource = state.idle.popLast() { return .ready(resource) }
            if state.created < maximum {
                state.created += 1
                return .make
            }
            return .wait
        }
        switch lease {
        case .ready(let resource): return resource
        case .make: return make()
        case .closed: throw ResourcePoolError.closed
        case .wait:
            guard let timeout else { return try await waitForResource() }
            return try await waitForResource(timeout: timeout)
        }
    }

    /// Waits for a resource at most `timeout`; one that arrives after the timeout won is given straight back.
    private func waitForResource(timeout: Duration) async throws -> Resource {
        try await withThrowingTaskGroup(of: Resource?.self) { group in
            group.addTask { try await self.waitForResource() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            var outcome: Result<Resource, any Error>?
            while let next = await group.nextResult() {
                guard outcome == nil else {
                    if case .success(let late?) = next { giveBack(late) }
                    continue
                }
                group.cancelAll()
                switch next {
                case .success(let resource?): outcome = .success(resource)
                case .success(nil): outcome = .failure(ResourcePoolError.timedOut(timeout))
                case .failure(let error): outcome = .failure(error)
                }
            }
            return try outcome!.get()
        }
    }

    private func waitForResource() async throws -> Resource {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate = state.withLock { state -> Result<Resource, any Error>? in
                    if state.closed { return .failure(ResourcePoolError.closed) }
                    if let resource = state.idle.popLast() { return .success(resource) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private enum Next {
        case handTo(Waiter)
        case discard
        case keep
    }

    private func giveBack(_ resource: Resource) {
        let next = state.withLock { state -> Next in
            if !state.waiters.isEmpty { return .handTo(state.waiters.removeFirst()) }
            if state.closed {
                state.created -= 1
                return .discard
            }
            state.idle.append(resource)
            return .keep
        }
        switch next {
        case .handTo(let waiter): waiter.continuation.resume(returning: resource)
        case .discard: discard(resource)
        case .keep: break
        }
    }
}

/// Why a pool refused a lease.
public enum ResourcePoolError: Error, CustomStringConvertible {
    /// The pool was closed, usually because the service is shutting down.
    case closed
    /// Every resource stayed busy for the whole wait.
    case timedOut(Duration)

    public var description: String {
        switch self {
        case .closed: "the connection pool is closed"
        case .timedOut(let wait): "no pooled connection was free within \(wait)"
        }
    }
}
