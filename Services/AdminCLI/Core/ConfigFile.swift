import Foundation

/// The settings file `make up` writes: shell-style `KEY=value` lines with the `PSYNC_*` names.
///
/// ```
/// # written by make up
/// PSYNC_PERSISTENCE_URL=http://127.0.0.1:7103
/// export PSYNC_ADMIN_TOKEN="…"
/// ```
/// Blank lines and `#` comments are skipped, `export ` is optional, values may be single- or double-quoted.
struct ConfigFile: Sendable {
    /// Where it was read from.
    let path: String
    /// Its settings by name.
    let values: [String: String]

    /// `$PSYNC_CONFIG`, else `$XDG_CONFIG_HOME/psync/config`, else `~/.config/psync/config`.
    static func defaultPath(environment: [String: String]) -> (path: String, explicit: Bool)? {
        if let path = environment["PSYNC_CONFIG"], !path.isEmpty { return (path, true) }
        if let base = environment["XDG_CONFIG_HOME"], !base.isEmpty { return (base + "/psync/config", false) }
        guard let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path.nonEmpty else { return nil }
        return (home + "/.config/psync/config", false)
    }

    /// The config file for `environment`: `nil` when there is none at the default place.
    static func load(environment: [String: String]) throws -> ConfigFile? {
        guard let (path, explicit) = defaultPath(environment: environment) else { return nil }
        guard FileManager.default.fileExists(atPath: path) else {
            if explicit { throw CLIError("PSYNC_CONFIG names \(path), which does not exist") }
            return nil
        }
        return try load(path: path)
    }

    /// Reads and checks the file at `path`: one holding the admin token must not be readable by group or others.
    static func load(path: String) throws -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read the config file \(path)") }
        let file = ConfigFile(path: path, values: parse(String(decoding: data, as: UTF8.self)))
        if file.values["PSYNC_ADMIN_TOKEN"] != nil {
            var info = stat()
            guard stat(path, &info) == 0 else { throw CLIError("cannot read the config file \(path)") }
            let mode = info.st_mode & 0o777
            if mode & 0o077 != 0 {
                throw CLIError(
                    "the config file \(path) holds the admin token but is readable by group or others (mode \(String(mode, radix: 8))); "
                        + "run `chmod 600 \(path)`")
            }
        }
        return file
    }

    /// The `KEY=value` pairs of `text`; malformed lines are ignored.
    static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            values[key] = unquote(String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces))
        }
        return values
    }

    private static func unquote(_ value: String) -> String {
        for quote in ["\"", "'"] where value.hasPrefix(quote) {
            let rest = value.dropFirst()
            guard let end = rest.firstIndex(of: Character(quote)) else { return String(rest) }
            return String(rest[..<end])
        }
        // An unquoted value ends at a ` #` comment.
        if let comment = value.range(of: " #") { return String(value[..<comment.lowerBound]).trimmingCharacters(in: .whitespaces) }
        return value
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
