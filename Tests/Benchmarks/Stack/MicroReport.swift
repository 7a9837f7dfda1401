import ArgumentParser
import Foundation

/// Files the micro-benchmarks' figures (`swift package benchmark --target Micro --format histogramPercentiles`)
/// beside the end-to-end ones: per benchmark, the median and p99 time and the allocations per operation.
struct MicroReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "micro", abstract: "File the figures of `swift package benchmark --target Micro` in BENCHMARKS.md and results.json.")

    @Option(help: "The folder `--format histogramPercentiles --path` wrote to.") var input = ".build/micro"

    func run() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: input).filter { $0.hasSuffix(".histogram.percentiles.tsv") }
        // Current_run.Micro.<benchmark>.<metric>.histogram.percentiles.tsv
        var figures: [String: [String: (p50: Double, p99: Double)]] = [:]
        for file in files {
            let parts = file.split(separator: ".").map(String.init)
            guard parts.count >= 6, parts[1] == "Micro" else { continue }
            let name = parts[2..<(parts.count - 4)].joined(separator: ".")
            let metric = parts[parts.count - 4]
            let text = try String(contentsOfFile: input + "/" + file, encoding: .utf8)
            var percentiles: [Int: Double] = [:]
            for line in text.split(separator: "\n").dropFirst() {
                let columns = line.split(separator: "\t")
                if columns.count == 2, let percentile = Int(columns[0]), let value = Double(columns[1]) { percentiles[percentile] = value }
            }
            if let p50 = percentiles[50], let p99 = percentiles[99] { figures[name, default: [:]][metric] = (p50, p99) }
        }
        guard !figures.isEmpty else { throw ValidationError("no micro-benchmark figures under \(input); run `make bench` first") }
        var report = BenchmarkReport(
            section: "Micro-benchmarks: the hot functions of one job",
            command: "swift package --disable-sandbox benchmark --target Micro --format histogramPercentiles --path .build/micro && psync-bench micro"
        )
        report.add("Per operation (ordo-one/benchmark; the malloc interposer counts allocations). Time is wall clock, median and p99 of")
        report.add("the samples; one end-to-end job does one of each.")
        report.add("")
        report.add("| benchmark | time p50 (µs) | time p99 (µs) | mallocs |")
        report.add("| --- | ---: | ---: | ---: |")
        for (name, metrics) in figures.sorted(by: { $0.key < $1.key }) {
            // Time units are microseconds (the configuration's timeUnits); malloc counts are plain numbers.
            let wall = metrics["wallClock"]
            let mallocs = metrics["mallocCountTotal"]
            func text(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "–" }
            report.add("| \(name) | \(text(wall?.p50)) | \(text(wall?.p99)) | \(mallocs.map { String(Int($0.p50)) } ?? "–") |")
            let key = "micro_" + name.replacingOccurrences(of: "-", with: "_")
            if let wall { report.figures[key + "_us"] = wall.p50 }
            if let mallocs { report.figures[key + "_mallocs"] = mallocs.p50 }
        }
        try report.write()
    }
}
