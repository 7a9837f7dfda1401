import Foundation
import Synchronization

/// A child process the test run started; killed at exit if a test forgot to stop it.
///
/// Spawned with `posix_spawn` and an empty signal mask (the test process runs with signals blocked
/// on some threads, and a child that inherited that mask would ignore SIGTERM), and with no
/// descriptor of the test process but standard input, output and error.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked Sendable: `status` is guarded by `lock`; everything else is immutable.
    /// The operating system's process id.
    public let pid: Int32
    /// Where its standard output and error go.
    public let logPath: String
    /// The executable's name, for messages.
    public let name: String
    private let lock = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` (and `environment`, or ours), its output appended to `logPath`.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil, logPath: String) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw HarnessError("\(executable) is not an executable file")
        }
        name = (executable as NSString).lastPathComponent
        self.logPath = logPath
        pid = try Self.spawn(executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment, stdout: logPath, appending: true)
        ChildRegistry.shared.add(pid)
        let watchdog = try Self.spawn(
            "/bin/sh",
            ["-c", "while kill -0 \(getpid()) 2>/dev/null && kill -0 \(pid) 2>/dev/null; do sleep 1; done; kill -9 \(pid) 2>/dev/null"],
            environment: ["PATH": "/usr/bin:/bin"],
            stdout: "/dev/null", appending: true
        )
        ChildRegistry.shared.add(watchdog)
    }

    /// Whether it is still running.
    public var isRunning: Bool { exitStatus == nil }

    /// Its exit status (128 + signal when killed by one), once it has exited.
    public var exitStatus: Int32? {
        lock.withLock { status in
            if let status { return status }
            status = Self.reap(pid)
            return status
        }
    }

    /// Sends `signal` (SIGTERM by default).
    public func signal(_ signal: Int32 = 15) {
        if isRunning { kill(pid, signal) }
    }

    /// Sends SIGTERM and waits up to `timeout`, then SIGKILL; returns how long it took to exit.
    @discardableResult
    public func stop(timeout: Duration = .seconds(10)) async -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        signal(SIGTERM)
        if !(await waitForExit(timeout: timeout)) {
            signal(SIGKILL)
            _ = await waitForExit(timeout: .seconds(5))
        }
        return clock.now - start
    }

    /// Kills it with SIGKILL (a crash), without waiting for anything graceful.
    public func kill9() async {
        signal(SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    /// Waits until it exits; false if `timeout` passed first.
    public func waitForExit(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Everything it has written so far.
    public func output() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// The exit status of `pid` (128 + signal when killed by one) if it has exited, reaping it; nil while it runs.
    static func reap(_ pid: Int32) -> Int32? {
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
        ChildRegistry.shared.remove(pid)
        let low = raw & 0x7f
        return low == 0 ? (raw >> 8) & 0xff : 128 + low
    }

    /// Starts `executable` with exactly `environment`, standard input from `stdin`, standard output to
    /// `stdout` (appended to or truncated) and standard error to `stderr`, or with the output when nil.
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], stdin: String = "/dev/null", stdout: String,
        appending: Bool, stderr: String? = nil
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | (appending ? O_APPEND : O_TRUNC), 0o644)
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | (appending ? O_APPEND : O_TRUNC), 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // bash closes every descriptor above 2 before exec'ing the program, so no pipe or socket of the
        // test process leaks into the child (and, say, keeps a pipe from reaching end-of-file).
        let trampoline = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec "$@""#
        let argv = (["/bin/bash", "-c", trampoline, "bash", executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: Int32 = 0
        let result = posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, envp)
        guard result == 0 else { throw HarnessError("cannot start \(executable): \(String(cString: strerror(result)))") }
        return pid
    }
}

/// Every child still running, killed when the test process exits.
final class ChildRegistry: Sendable {
    static let shared = ChildRegistry()
    private let pids = Mutex<Set<Int32>>([])

    private init() {
        atexit {
            for pid in ChildRegistry.shared.pids.withLock({ $0 }) { kill(pid, SIGKILL) }
        }
    }

    func add(_ pid: Int32) { pids.withLock { _ = $0.insert(pid) } }
    func remove(_ pid: Int32) { pids.withLock { _ = $0.remove(pid) } }
}

/// A test environment problem, with what to do about it.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it is true or `timeout` passes (never a fixed sleep).
public func eventually(
    timeout: Duration = .seconds(10),
    every interval: Duration = .milliseconds(25),
    _ what: String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    var lastError: (any Error)?
    while ContinuousClock.now < deadline {
        do {
            if try await condition() { return }
        } catch {
            lastError = error
        }
        try await Task.sleep(for: interval)
    }
    throw HarnessError("timed out after \(timeout) waiting for \(what)" + (lastError.map { " (last error: \($0))" } ?? ""))
}

/// A free TCP port on 127.0.0.1 (bound and released, so briefly racy, as every such helper is).
public func freePort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw HarnessError("cannot open a socket to find a free port") }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer -> Bool in
            bind(socketFD, sockaddrPointer, length) == 0 && getsockname(socketFD, sockaddrPointer, &length) == 0
        }
    }
    guard bound else { throw HarnessError("cannot bind a socket to find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Finds `name` on PATH or in `extraDirectories`; throws with what to install when it is missing.
public func locateExecutable(_ name: String, extraDirectories: [String] = [], install: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    let directories = path.split(separator: ":").map(String.init) + extraDirectories + ["/usr/sbin", "/usr/local/bin"]
    for directory in directories {
        let candidate = directory + "/" + name
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw HarnessError("\(name) is not installed; install it with `\(install)` (make test does this for you)")
}
