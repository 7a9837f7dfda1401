import BlockingIO
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Resolves host names with `getaddrinfo` on threads of its own, never on the cooperative pool, and gives up waiting
/// after `timeout` (the lookup itself cannot be interrupted: its thread stays busy until libc returns, and the pool
/// lends the other threads meanwhile).
///
/// A `Service`: lookups run as children of its `run()`, so a caller that stops waiting leaves nothing unstructured behind.
final class EgressResolver: Service, Sendable {
    /// The longest a caller waits for an answer.
    static let timeout: Duration = .seconds(5)
    /// The most addresses one host may resolve to (all of them are checked, and pinned).
    static let maximumAddresses = 32

    private let lookups: AsyncStream<Lookup>
    private let submit: AsyncStream<Lookup>.Continuation
    private let threads: Int

    /// A resolver that runs at most `threads` lookups at once.
    init(threads: Int = 8) {
        (lookups, submit) = AsyncStream.makeStream(of: Lookup.self)
        self.threads = threads
    }

    func run() async throws {
        let pool = ResourcePool<ResolverThread>(
            maximum: threads, make: { ResolverThread(name: "resolver") }, discard: { $0.shutdown() })
        await withDiscardingTaskGroup { group in
            for await lookup in lookups.cancelOnGracefulShutdown() {
                group.addTask {
                    guard !lookup.answer.isSettled else { return }
                    let result = try? await pool.withResource { thread in await thread.addresses(of: lookup.host) }
                    lookup.answer.settle(result ?? .failure(EgressRefusal("cannot resolve \(lookup.host): the resolver is shutting down")))
                }
            }
        }
        pool.close()
    }

    /// Every address `host` resolves to (IPv4 and IPv6, without duplicates), or why there are none.
    func addresses(of host: String, timeout: Duration = EgressResolver.timeout) async throws(EgressRefusal) -> [EgressAddress] {
        let lookup = Lookup(host: host)
        if case .dropped = submit.yield(lookup) { throw EgressRefusal("cannot resolve \(host): the resolver is not running") }
        let answer = lookup.answer
        let result = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                answer.settle(.failure(EgressRefusal("cannot resolve \(host): no answer from DNS within \(timeout)")))
            }
            let result = await answer.value()
            group.cancelAll()
            return result
        }
        return try result.get()
    }

    /// Stops taking lookups (the service's `run()` then ends).
    func finish() { submit.finish() }
}

/// One lookup on its way through the resolver.
private struct Lookup: Sendable {
    let host: String
    let answer = Answer()
}

/// A result settled once, by the lookup or by the caller's timeout, whichever comes first.
private final class Answer: Sendable {
    typealias Value = Result<[EgressAddress], EgressRefusal>
    private enum State {
        case waiting(CheckedContinuation<Value, Never>?)
        case settled(Value)
    }

    private let state = Mutex(State.waiting(nil))

    var isSettled: Bool {
        state.withLock { if case .settled = $0 { true } else { false } }
    }

    func settle(_ value: Value) {
        let waiter = state.withLock { state -> CheckedContinuation<Value, Never>? in
            guard case .waiting(let waiter) = state else { return nil }
            state = .settled(value)
            return waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> Value {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let settled = state.withLock { state -> Value? in
                    if case .settled(let value) = state { return value }
                    state = .waiting(continuation)
                    return nil
                }
                if let settled { continuation.resume(returning: settled) }
            }
        } onCancel: {
            settle(.failure(EgressRefusal("the lookup was cancelled")))
        }
    }
}

/// One thread that makes blocking `getaddrinfo` calls.
private actor ResolverThread {
    private let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(name: String) {
        executor = ThreadExecutor(name: name)
    }

    nonisolated func shutdown() { executor.shutdown() }

    func addresses(of host: String) -> Result<[EgressAddress], EgressRefusal> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let list else {
            if status == EAI_NONAME { return .failure(EgressRefusal("refused: host \(host) does not resolve")) }
            return .failure(EgressRefusal("cannot resolve \(host): \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [EgressAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry, addresses.count < EgressResolver.maximumAddresses {
            entry = current.pointee.ai_next
            guard let socketAddress = current.pointee.ai_addr else { continue }
            let address: EgressAddress?
            switch current.pointee.ai_family {
            case AF_INET:
                address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var value = pointer.pointee.sin_addr
                    return EgressAddress(bytes: withUnsafeBytes(of: &value) { Array($0) })
                }
            case AF_INET6:
                address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var value = pointer.pointee.sin6_addr
                    return EgressAddress(bytes: withUnsafeBytes(of: &value) { Array($0) })
                }
            default:
                address = nil
            }
            if let address, !addresses.contains(address) { addresses.append(address) }
        }
        guard !addresses.isEmpty else { return .failure(EgressRefusal("refused: host \(host) does not resolve")) }
        return .success(addresses)
    }
}
