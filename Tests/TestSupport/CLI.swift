import Foundation

/// `psync` as a person runs it against a test's stack: configured by PSYNC_* variables, never by --token.
public struct CLI: Sendable {
    public var environment: [String: String]

    /// The CLI's environment for `stack`: its services' URLs, the admin token, a private HOME, UTC as local time.
    /// With `gatewayURLs` false the CLI has to find gateways through the monitor's registry (set PSYNC_MONITOR_URL).
    public init(_ stack: Stack, _ extra: [String: String] = [:], gatewayURLs: Bool = true) throws {
        let home = try TemporaryDirectory.make(prefix: "psync-home")
        var environment = [
            "HOME": home, "XDG_CONFIG_HOME": home + "/xdg", "TZ": "UTC", "USER": "tester",
            "PSYNC_ADMIN_TOKEN": Stack.adminToken, "PSYNC_MONITOR_URL": "http://127.0.0.1:9",
        ]
        let services = stack.environment()
        for name in ["PSYNC_PERSISTENCE_URL", "PSYNC_DISPATCHER_URL", "PSYNC_SCHEDULER_URL"] { environment[name] = services[name] }
        if gatewayURLs {
            for (broker, gateway) in stack.gateways() { environment["PSYNC_GATEWAY_\(broker)_URL"] = gateway.baseURL }
        }
        self.environment = environment.merging(extra) { _, new in new }
    }

    /// Runs `psync arguments…`.
    public func run(_ arguments: String..., stdin: String = "", environment extra: [String: String] = [:]) async throws -> CommandLineResult {
        try await CommandLineTool.run("psync", arguments, environment: environment.merging(extra) { _, new in new }, stdin: stdin)
    }

    /// Runs `psync arguments… --json` and parses stdout; a failed command throws with its output.
    public func json(_ arguments: String..., stdin: String = "") async throws -> JSON {
        let result = try await CommandLineTool.run("psync", arguments + ["--json"], environment: environment, stdin: stdin)
        guard result.status == 0 else { throw HarnessError("psync \(arguments.joined(separator: " ")) --json failed: \(result)") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed]) else {
            throw HarnessError("psync \(arguments.joined(separator: " ")) --json printed no JSON: \(result)")
        }
        return JSON(object)
    }
}

/// A parsed JSON value with subscripts that never crash, for checking shapes.
public struct JSON: CustomStringConvertible, @unchecked Sendable {
    // @unchecked Sendable: wraps JSONSerialization's immutable result.
    public let value: Any?

    public init(_ value: Any?) {
        self.value = value
    }

    public subscript(key: String) -> JSON { JSON((value as? [String: Any])?[key]) }
    public subscript(index: Int) -> JSON {
        guard let array = value as? [Any], array.indices.contains(index) else { return JSON(nil) }
        return JSON(array[index])
    }

    public var int: Int? { value as? Int }
    public var string: String? { value as? String }
    public var bool: Bool? { value as? Bool }
    public var array: [JSON] { (value as? [Any])?.map(JSON.init) ?? [] }
    public var isNull: Bool { value == nil || value is NSNull }

    public var description: String { value.map { "\($0)" } ?? "nil" }
}
