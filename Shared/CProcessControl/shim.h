#include <sys/prctl.h>
#include <sys/resource.h>

// prctl is variadic, which Swift cannot call: one typed wrapper.
// No core file (RLIMIT_CORE 0), and not dumpable: no core even if the limit is raised again, and
// /proc/<pid>/mem and ptrace closed to other processes of the same user. Returns 0, or -1 (errno set).
static inline int psync_disable_core_dumps(void) {
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

// Names the calling thread (at most 15 bytes are kept), as `top -H` and /proc/<pid>/task/*/comm show it.
static inline int psync_name_this_thread(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
