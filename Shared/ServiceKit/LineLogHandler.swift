import Contracts
import FoundationEssentials
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes one line per log event to standard error: readable text or a JSON object.
///
/// Messages are constant phrases; data goes in dotted metadata keys (`job.id`, `request.id`).
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let service: String
    private let json: Bool

    /// A handler for `service`; `format` `.auto` picks text on a terminal.
    public init(service: String, format: LogFormat, level: Logger.Level) {
        self.service = service
        self.logLevel = level
        switch format {
        case .text: json = false
        case .json: json = true
        case .auto: json = isatty(2) == 0
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = .string("\(error)") }
        let time = ISO8601.format(Date())
        let line = json ? jsonLine(time, event, merged) : textLine(time, event, merged)
        LogOutput.write(line)
    }

    private func textLine(_ time: String, _ event: LogEvent, _ metadata: Logger.Metadata) -> String {
        var line = "\(time) \(event.level) \(service): \(event.message)"
        for key in metadata.keys.sorted() {
            line += " \(key)=\(Self.flatten(metadata[key]!))"
        }
        return line + "\n"
    }

    private func jsonLine(_ time: String, _ event: LogEvent, _ metadata: Logger.Metadata) -> String {
        var fields: [String: JSONValue] = [
            "time": .string(time), "level": .string(event.level.rawValue), "service": .string(service),
            "message": .string(event.message.description),
        ]
        for (key, value) in metadata where fields[key] == nil {
            fields[key] = .string(Self.flatten(value))
        }
        let bytes = (try? JSONCoding.encode(JSONValue.object(fields))) ?? Array(#"{"message":"unencodable log line"}"#.utf8)
        return String(decoding: bytes, as: UTF8.self) + "\n"
    }

    private static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        case .array(let values): "[" + values.map(flatten).joined(separator: ",") + "]"
        case .dictionary(let values): "{" + values.keys.sorted().map { "\($0)=\(flatten(values[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// Installs this handler for every logger in the process; only `main` calls it, once.
    public static func bootstrap(service: String, format: LogFormat, level: String) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { _ in LineLogHandler(service: service, format: format, level: parsed) }
    }
}

/// Serialises writes to standard error so lines from different threads never interleave.
enum LogOutput {
    private static let lock = Mutex(())

    static func write(_ line: String) {
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
                if written <= 0 { break }
                offset += written
            }
        }
    }
}
