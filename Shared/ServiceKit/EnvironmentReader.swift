import FoundationEssentials

/// Typed reads of `PSYNC_*` settings from an environment dictionary that `main` passes in.
///
/// Secrets may come from a file instead: `PSYNC_ADMIN_TOKEN_FILE=/run/secrets/admin` is read
/// when `PSYNC_ADMIN_TOKEN` is not set (trailing newlines trimmed).
public struct EnvironmentReader: Sendable {
    private let values: [String: String]

    /// Reads from `values`, normally `ProcessInfo.processInfo.environment`.
    public init(_ values: [String: String]) {
        self.values = values
    }

    /// A plain setting; empty counts as unset.
    public func string(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// Every setting whose name starts with `prefix`, by the rest of its name (`PSYNC_ZERODHA_LOGIN_URL` → `LOGIN_URL`).
    public func values(withPrefix prefix: String) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in values where name.hasPrefix(prefix) && !name.hasSuffix("_KEY") && !name.hasSuffix("_FILE") {
            result[String(name.dropFirst(prefix.count))] = value
        }
        return result
    }

    /// A secret from `NAME`, or from the file named by `NAME_FILE`.
    public func secret(_ name: String) throws -> String? {
        if let value = string(name) { return value }
        guard let path = string(name + "_FILE") else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(name)_FILE names \(path), which cannot be read")
        }
        var text = String(decoding: data, as: UTF8.self)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        guard !text.isEmpty else { throw ConfigurationError("\(name)_FILE names \(path), which is empty") }
        return text
    }

    /// A secret only from the file `NAME_FILE` names: `NAME` itself is refused, so the secret never sits in the environment.
    public func fileSecret(_ name: String) throws -> String? {
        guard string(name) == nil else {
            throw ConfigurationError("\(name) is not read from the environment: write it to a file only this service can read and set \(name)_FILE")
        }
        return try secret(name)
    }

    /// An integer setting within `range`.
    public func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("\(name) must be a whole number \(range.lowerBound)-\(range.upperBound), got '\(text.prefix(40))'")
        }
        return value
    }

    /// A port number, 0 meaning any free port.
    public func port(_ name: String) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), (0...65535).contains(value) else {
            throw ConfigurationError("\(name) must be a port number 0-65535, got '\(text.prefix(40))'")
        }
        return value
    }

    /// A duration written `250ms`, `5s`, `2m` or `1h`.
    public func duration(_ name: String) throws -> Duration? {
        guard let text = string(name) else { return nil }
        guard let value = Self.parseDuration(text) else {
            throw ConfigurationError("\(name) must be a duration such as 250ms, 5s, 2m or 1h, got '\(text.prefix(40))'")
        }
        return value
    }

    /// `true`/`false`, `1`/`0`, `yes`/`no`.
    public func bool(_ name: String) throws -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError("\(name) must be true or false, got '\(text.prefix(40))'")
        }
    }

    /// One of `choices`.
    public func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let text = string(name) else { return nil }
        guard choices.contains(text.lowercased()) else {
            throw ConfigurationError("\(name) must be one of \(choices.joined(separator: ", ")), got '\(text.prefix(40))'")
        }
        return text.lowercased()
    }

    /// Parses `250ms`, `5s`, `2m`, `1h` (a bare number is seconds).
    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            guard let value = Int64(text.dropLast(suffix.count)), value >= 0 else { return nil }
            let (total, overflow) = value.multipliedReportingOverflow(by: milliseconds)
            return overflow ? nil : .milliseconds(total)
        }
        return Int64(text).flatMap { $0 >= 0 ? Duration.seconds($0) : nil }
    }
}
