import Contracts
import Foundation

/// Where output goes: tables and JSON on stdout, errors and advice on stderr.
enum Console {
    /// Whether `--json` was given anywhere on the command line.
    @TaskLocal static var json = false

    /// Whether stdout is a terminal (live progress) or a pipe or file (plain lines).
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// One line on stderr.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A prompt on stderr, without a newline.
    static func prompt(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Text on stdout, flushed at once (progress must show before the command ends).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// `value` as the services send it: sorted keys, decimals as exact strings, times ISO-8601 UTC.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONCoding.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        write(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
    }

    /// The JSON of `value` with `--json`, otherwise the text `human` renders.
    static func emit<Value: Encodable>(_ value: Value, _ human: (Value) -> String) throws {
        if json {
            try printJSON(value)
        } else {
            let text = human(value)
            write(text.hasSuffix("\n") || text.isEmpty ? text : text + "\n")
        }
    }
}
