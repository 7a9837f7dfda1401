/// The body of `/healthz` and `/readyz`.
public struct HealthReport: Codable, Sendable, Equatable {
    /// `ok` or `unavailable`.
    public var status: String
    /// Which executable answered (`psync-persistence` …).
    public var service: String
    /// Its version.
    public var version: String
    /// Each dependency checked by `/readyz`: name → `ok` or why not.
    public var checks: [String: String]

    /// A report from its parts.
    public init(status: String, service: String, version: String, checks: [String: String] = [:]) {
        self.status = status
        self.service = service
        self.version = version
        self.checks = checks
    }
}
