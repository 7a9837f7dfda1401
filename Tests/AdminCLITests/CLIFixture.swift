import Foundation
import TestSupport
import Testing

/// `psync` as a person runs it against a test's stack: configured by PSYNC_* variables, never by --token.
struct CLI {
    var environment: [String: String]

    /// The CLI's environment for `stack`: its services' URLs, the admin token, a private HOME, UTC as local time.
    init(_ stack: Stack, _ extra: [String: String] = [:]) throws {
        let home = try TemporaryDirectory.make(prefix: "psync-home")
        var environment = [
            "HOME": home, "XDG_CONFIG_HOME": home + "/xdg", "TZ": "UTC", "USER": "tester",
            "PSYNC_ADMIN_TOKEN": Stack.adminToken, "PSYNC_MONITOR_URL": "http://127.0.0.1:9",
        ]
        let services = stack.environment()
        for name in ["PSYNC_PERSISTENCE_URL", "PSYNC_DISPATCHER_URL", "PSYNC_SCHEDULER_URL"] { environment[name] = services[name] }
        if let gateway = stack.first("psync-gateway", arguments: ["--broker", "SANDBOX"]) {
            environment["PSYNC_GATEWAY_SANDBOX_URL"] = gateway.baseURL
        }
        self.environment = environment.merging(extra) { _, new in new }
    }

    /// Runs `psync arguments…`.
    func run(_ arguments: String..., stdin: String = "", environment extra: [String: String] = [:]) async throws -> CommandLineResult {
        try await CommandLineTool.run("psync", arguments, environment: environment.merging(extra) { _, new in new }, stdin: stdin)
    }

    /// Runs `psync arguments… --json`, expects success, and parses stdout.
    func json(_ arguments: String..., stdin: String = "", sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        let result = try await CommandLineTool.run("psync", arguments + ["--json"], environment: environment, stdin: stdin)
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed]) else {
            throw HarnessError("psync \(arguments.joined(separator: " ")) --json printed no JSON: \(result)")
        }
        return JSON(object)
    }
}

/// A parsed JSON value with subscripts that never crash, for checking shapes.
struct JSON: CustomStringConvertible, @unchecked Sendable {
    // @unchecked Sendable: wraps JSONSerialization's immutable result.
    let value: Any?

    init(_ value: Any?) {
        self.value = value
    }

    subscript(key: String) -> JSON { JSON((value as? [String: Any])?[key]) }
    subscript(index: Int) -> JSON {
        guard let array = value as? [Any], array.indices.contains(index) else { return JSON(nil) }
        return JSON(array[index])
    }

    var int: Int? { value as? Int }
    var string: String? { value as? String }
    var bool: Bool? { value as? Bool }
    var array: [JSON] { (value as? [Any])?.map(JSON.init) ?? [] }
    var isNull: Bool { value == nil || value is NSNull }

    var description: String { value.map { "\($0)" } ?? "nil" }
}
