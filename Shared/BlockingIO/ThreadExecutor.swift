#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A serial executor that runs every job on one dedicated OS thread.
///
/// An actor whose `unownedExecutor` is a `ThreadExecutor` may make blocking C calls (hiredis, libpq)
/// from its isolated methods without stalling Swift's cooperative pool, which has only as many threads
/// as cores. The thread lives until ``shutdown()`` is called; queued jobs still run before it exits.
///
/// ```swift
/// actor Connection {
///     private let executor = ThreadExecutor(name: "redis-1")
///     nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
/// }
/// ```
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked Sendable: every mutable field is read and written with `mutex` held.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var queue: [UnownedJob] = []
    private var stopping = false
    private var thread = pthread_t()
    private let name: String

    /// Starts the thread; `name` identifies it in failure messages.
    public init(name: String) {
        self.name = name
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(
            &thread, nil,
            { context in
                let executor = Unmanaged<ThreadExecutor>.fromOpaque(context!).takeRetainedValue()
                executor.runLoop()
                return nil
            }, context)
        precondition(created == 0, "pthread_create failed with \(created)")
        pthread_detach(thread)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Queues a job; it runs on the dedicated thread in submission order.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        queue.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// This executor as the unowned reference an actor returns from `unownedExecutor`.
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Traps unless called on this executor's thread (used by `assumeIsolated`).
    public func checkIsolated() {
        precondition(pthread_equal(pthread_self(), thread) != 0, "not on the \(name) thread")
    }

    /// Lets the thread finish the queued jobs and exit. Safe to call more than once, from any thread.
    public func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private func runLoop() {
        var batch: [UnownedJob] = []
        while true {
            pthread_mutex_lock(mutex)
            while queue.isEmpty && !stopping {
                pthread_cond_wait(condition, mutex)
            }
            if queue.isEmpty && stopping {
                pthread_mutex_unlock(mutex)
                return
            }
            swap(&batch, &queue)
            pthread_mutex_unlock(mutex)
            for job in batch {
                job.runSynchronously(on: asUnownedSerialExecutor())
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
