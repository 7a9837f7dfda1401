import Foundation

/// One of our executables running as a real process, found by the address its "ready" log line gives.
public struct ServiceProcess: Sendable {
    /// The process.
    public let child: ChildProcess
    /// `http://127.0.0.1:PORT`, from the ready line.
    public let baseURL: String

    /// Starts `product` (e.g. `psync-persistence`) on a free port and waits for its ready line.
    public static func start(
        _ product: String,
        arguments: [String] = [],
        environment: [String: String],
        timeout: Duration = .seconds(30)
    ) async throws -> ServiceProcess {
        let directory = try TemporaryDirectory.make(prefix: product)
        var environment = environment
        environment["PSYNC_HTTP_PORT"] = environment["PSYNC_HTTP_PORT"] ?? "0"
        environment["PSYNC_LOG_FORMAT"] = "json"
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        let child = try ChildProcess(
            executable: try BuiltProducts.path(product), arguments: arguments, environment: environment, logPath: directory + "/\(product).log")
        var address: String?
        try await eventually(timeout: timeout, "\(product) to log that it is ready") {
            guard child.isRunning else { throw HarnessError("\(product) exited with \(child.exitStatus ?? -1): \(child.output().suffix(1500))") }
            address = readyAddress(in: child.output())
            return address != nil
        }
        return ServiceProcess(child: child, baseURL: address!)
    }

    static func readyAddress(in log: String) -> String? {
        for line in log.split(separator: "\n") where line.contains("\"message\":\"ready\"") {
            guard let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let address = object["http.address"] as? String
            else { continue }
            return address
        }
        return nil
    }
}
