internal import CProcessControl
import ServiceKit

#if canImport(Glibc)
    import Glibc
#endif

/// A gateway holds its broker's key and, for the length of a call, plaintext credentials: none of
/// that may land in a core file or be read through `/proc/<pid>/mem` by another process.
enum CoreDumps {
    /// Turns core dumps off for this process (RLIMIT_CORE 0, PR_SET_DUMPABLE 0), or throws.
    static func disable() throws {
        guard psync_disable_core_dumps() == 0 else {
            throw ConfigurationError("cannot turn core dumps off (errno \(errno)); a gateway holds keys and does not run with them on")
        }
    }
}
