public import ServiceLifecycle

// glibc's <malloc.h>, which the Glibc module does not export.
#if os(Linux)
    @_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
    @_silgen_name("malloc_trim") private func malloc_trim(_ padding: Int) -> Int32
    private let M_TRIM_THRESHOLD: Int32 = -1
    private let M_MMAP_THRESHOLD: Int32 = -3
    private let M_ARENA_MAX: Int32 = -8
#endif

/// Keeps an idle service's resident memory near what it needs: glibc's malloc otherwise keeps the
/// heap a burst of work grew (one arena per busy thread, and a trim threshold that rises with every
/// large free), so a service that synced 100,000 accounts an hour ago still holds that memory.
public enum MallocTuning {
    /// Two arenas, a fixed mmap threshold (so the trim threshold stops rising) and trimming of the
    /// heap's top above 1 MiB. Called once at start-up, before the threads exist.
    public static func apply() {
        #if os(Linux)
            _ = mallopt(M_ARENA_MAX, 2)
            _ = mallopt(M_MMAP_THRESHOLD, 256 * 1024)
            _ = mallopt(M_TRIM_THRESHOLD, 1 << 20)
        #endif
    }
}

/// Gives free heap pages back to the system every `interval` (`malloc_trim`): cheap when there is
/// nothing to give back, and what makes an idle service small again after a run.
public struct MemoryTrimmer: Service {
    let interval: Duration

    public init(interval: Duration = .seconds(5)) {
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            #if os(Linux)
                _ = malloc_trim(0)
            #endif
        }
    }
}
