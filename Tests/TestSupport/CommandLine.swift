import Foundation

/// What one run of a command-line tool did.
public struct CommandLineResult: Sendable, CustomStringConvertible {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Runs one of the package's built executables (`psync`) as a child process, with an environment
/// and standard input of the test's choosing; stdout and stderr go to files (never a terminal).
public enum CommandLineTool {
    /// Runs `product` with `arguments`, exactly `environment` (plus PATH), and `stdin`; waits up to `timeout`.
    public static func run(
        _ product: String = "psync",
        _ arguments: [String],
        environment: [String: String],
        stdin: String = "",
        timeout: Duration = .seconds(120)
    ) async throws -> CommandLineResult {
        let directory = try TemporaryDirectory.make(prefix: "cli")
        let inputPath = directory + "/stdin"
        let outputPath = directory + "/stdout"
        let errorPath = directory + "/stderr"
        try Data(stdin.utf8).write(to: URL(fileURLWithPath: inputPath))
        var environment = environment
        environment["PATH"] = environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"]
        let pid = try spawn(try BuiltProducts.path(product), arguments, environment, stdin: inputPath, stdout: outputPath, stderr: errorPath)
        ChildRegistry.shared.add(pid)
        defer { ChildRegistry.shared.remove(pid) }
        var status: Int32?
        try await eventually(timeout: timeout, every: .milliseconds(20), "\(product) \(arguments.joined(separator: " ")) to exit") {
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return false }
            let signal = raw & 0x7f
            status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            return true
        }
        let result = CommandLineResult(
            status: status!, stdout: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
        try? FileManager.default.removeItem(atPath: directory)
        return result
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], _ environment: [String: String], stdin: String, stdout: String, stderr: String
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
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
        // As in ChildProcess: bash closes every inherited descriptor above 2, then execs the tool.
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
