internal import CCurl
internal import CProcessControl
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// libcurl's multi handle and the one thread that drives it.
///
/// Other threads only queue work (submissions, cancellations, shutdown) under a mutex and wake the
/// thread with `curl_multi_wakeup`; every libcurl call happens on the loop thread.
final class CurlMultiLoop: Sendable {
    private struct Inbox {
        var submitted: [CurlTransfer] = []
        var cancelled: Set<ObjectIdentifier> = []
        var stopping = false
        var stopped = false
    }

    /// The multi handle, created once; `curl_multi_wakeup` is the only call made on it off the loop thread.
    private let multi: UncheckedPointer
    private let inbox = Mutex(Inbox())
    private let opened = Atomic<Int>(0)

    private static let globalInit: Void = {
        _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// The name of every client's loop thread, as `top -H` and `/proc/PID/task/*/comm` show it.
    static let threadName = "curl-multi"

    init(configuration: HTTPClient.Configuration) {
        _ = Self.globalInit
        multi = UncheckedPointer(curl_multi_init())
        _ = psync_curl_multi_setopt_long(multi.pointer, CURLMOPT_MAXCONNECTS, configuration.maximumIdleConnections)
        _ = psync_curl_multi_setopt_long(multi.pointer, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maximumConnectionsPerHost)
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { context in
                let loop = Unmanaged<CurlMultiLoop>.fromOpaque(context!).takeRetainedValue()
                _ = psync_name_this_thread(CurlMultiLoop.threadName)
                loop.run()
                return nil
            }, context)
        precondition(created == 0, "pthread_create failed with \(created)")
        pthread_detach(thread)
    }

    var connectionsOpened: Int { opened.load(ordering: .relaxed) }

    // The wake-ups below happen with the inbox locked, so they can never race the final cleanup of `multi`.

    func submit(_ transfer: CurlTransfer) {
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.stopping else { return false }
            inbox.submitted.append(transfer)
            curl_multi_wakeup(multi.pointer)
            return true
        }
        if !accepted { transfer.fail(HTTPClientError(.shutdown, "the HTTP client was shut down")) }
    }

    func cancel(_ transfer: CurlTransfer) {
        inbox.withLock { inbox in
            guard !inbox.stopped else { return }
            inbox.cancelled.insert(ObjectIdentifier(transfer))
            curl_multi_wakeup(multi.pointer)
        }
    }

    func shutdown() {
        inbox.withLock { inbox in
            guard !inbox.stopped else { return }
            inbox.stopping = true
            curl_multi_wakeup(multi.pointer)
        }
    }

    private func run() {
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        var idleHandles: [UnsafeMutableRawPointer] = []
        var running: Int32 = 0
        while true {
            let (submitted, cancelled, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.submitted = []
                    inbox.cancelled = []
                }
                return (inbox.submitted, inbox.cancelled, inbox.stopping)
            }
            for transfer in submitted {
                if cancelled.contains(ObjectIdentifier(transfer)) {
                    transfer.fail(CancellationError())
                    continue
                }
                let handle = idleHandles.popLast() ?? curl_easy_init()!
                if let error = transfer.attach(to: handle) {
                    transfer.fail(error)
                    recycle(transfer, into: &idleHandles)
                    continue
                }
                active[handle] = transfer
                curl_multi_add_handle(multi.pointer, handle)
            }
            for (handle, transfer) in active where cancelled.contains(ObjectIdentifier(transfer)) || stopping {
                curl_multi_remove_handle(multi.pointer, handle)
                active[handle] = nil
                transfer.fail(stopping ? HTTPClientError(.shutdown, "the HTTP client was shut down") : CancellationError())
                recycle(transfer, into: &idleHandles)
            }
            if stopping { break }

            curl_multi_perform(multi.pointer, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi.pointer, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle, let transfer = active[handle] else {
                    continue
                }
                let result = message.pointee.data.result
                var connects = 0
                _ = psync_curl_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
                opened.add(connects, ordering: .relaxed)
                curl_multi_remove_handle(multi.pointer, handle)
                active[handle] = nil
                transfer.finish(result)
                recycle(transfer, into: &idleHandles)
            }
            curl_multi_poll(multi.pointer, nil, 0, 1000, nil)
        }
        idleHandles.forEach { curl_easy_cleanup($0) }
        inbox.withLock { inbox in
            inbox.stopped = true
            curl_multi_cleanup(multi.pointer)
            for transfer in inbox.submitted { transfer.fail(HTTPClientError(.shutdown, "the HTTP client was shut down")) }
            inbox.submitted = []
        }
    }

    /// Resets a finished transfer's handle so no option points into the transfer, and keeps it for reuse.
    private func recycle(_ transfer: CurlTransfer, into idle: inout [UnsafeMutableRawPointer]) {
        guard let handle = transfer.detach() else { return }
        curl_easy_reset(handle)
        if idle.count < 64 { idle.append(handle) } else { curl_easy_cleanup(handle) }
    }
}

/// A C pointer shared across threads. `@unchecked Sendable`: the loop thread alone uses it,
/// except `curl_multi_wakeup`, which libcurl documents as safe from any thread.
struct UncheckedPointer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer?) {
        self.pointer = pointer!
    }
}
