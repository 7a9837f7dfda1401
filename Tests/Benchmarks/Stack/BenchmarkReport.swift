import Foundation

/// Collects figures, prints them, and merges them into `results.json` and a section of `BENCHMARKS.md`.
struct BenchmarkReport {
    /// The repository root (found from this file's path at build time).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    let section: String
    let command: String
    var lines: [String] = []
    var figures: [String: Double] = [:]

    mutating func add(_ line: String) {
        print(line)
        lines.append(line)
    }

    /// Writes the figures and this section, replacing an earlier section of the same name.
    func write() throws {
        let resultsURL = Self.root.appendingPathComponent("Tests/Benchmarks/results.json")
        var results = (try? JSONSerialization.jsonObject(with: Data(contentsOf: resultsURL))) as? [String: Any] ?? [:]
        for (key, value) in figures { results[key] = value }
        let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: resultsURL)

        let markdownURL = Self.root.appendingPathComponent("BENCHMARKS.md")
        var markdown =
            (try? String(contentsOf: markdownURL, encoding: .utf8))
            ?? "# Benchmarks\n\nProduced by `make bench`; every figure is next to its limit.\n"
        let header = "## \(section)"
        let body =
            ([header, "", "Command: `\(command)`  ", "Machine: \(Machine.description)  ", "Date: \(Machine.date)", ""] + lines).joined(
                separator: "\n") + "\n"
        if let start = markdown.range(of: header + "\n") {
            let rest = markdown[start.upperBound...]
            let end = rest.range(of: "\n## ").map { $0.lowerBound } ?? markdown.endIndex
            markdown.replaceSubrange(
                start.lowerBound..<(end == markdown.endIndex ? end : markdown.index(after: end)), with: body + (end == markdown.endIndex ? "" : "\n"))
        } else {
            markdown += "\n" + body
        }
        try markdown.write(to: markdownURL, atomically: true, encoding: .utf8)
    }
}

/// What machine the figures came from.
enum Machine {
    static var description: String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = ProcessInfo.processInfo.physicalMemory >> 30
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(cores) cores (\(cpu)), \(memory) GiB, \(versions)"
    }

    static var versions: String {
        func firstLine(_ command: String, _ arguments: [String]) -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            guard (try? process.run()) != nil else { return "?" }
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text.split(separator: "\n").first.map(String.init) ?? "?"
        }
        let postgres = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last ?? "?"
        return "Swift \(firstLine("/usr/bin/env", ["swift", "--version"]).split(separator: " ").dropFirst(2).first ?? "?"), "
            + "\(firstLine("/usr/bin/env", ["redis-server", "--version"]).split(separator: " ").prefix(3).joined(separator: " ")), PostgreSQL \(postgres)"
    }

    static var date: String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}

/// Median of a sample.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

extension Double {
    /// `12,345` style, no decimals.
    var grouped: String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: self)) ?? String(Int(self))
    }
}
