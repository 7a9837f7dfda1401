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
        let pid = try ChildProcess.spawn(
            try BuiltProducts.path(product), arguments, environment: environment, stdin: inputPath, stdout: outputPath, appending: false,
            stderr: errorPath)
        ChildRegistry.shared.add(pid)
        defer { ChildRegistry.shared.remove(pid) }
        var status: Int32?
        try await eventually(timeout: timeout, every: .milliseconds(20), "\(product) \(arguments.joined(separator: " ")) to exit") {
            status = ChildProcess.reap(pid)
            return status != nil
        }
        let result = CommandLineResult(
            status: status!, stdout: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
        try? FileManager.default.removeItem(atPath: directory)
        return result
    }
}
