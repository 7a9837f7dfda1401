/// The workers' own metrics, summed across instances, for the monitor's `/metrics`: one scrape sees the whole system.
///
/// Only the families below are taken; series with the same name and labels are added together, so a broker's
/// job counts and duration histogram cover every replica of its gateway.
enum MetricsFederation {
    static let families = [
        "psync_jobs_total", "psync_job_duration_seconds", "psync_rate_limiter_wait_seconds", "psync_broker_http_responses_total",
        "psync_stream_messages_handled_total", "psync_stream_messages_dead_lettered_total", "psync_stream_batch_duration_seconds",
    ]

    /// Exposition text of the chosen families in `scrapes`, summed.
    static func merge(_ scrapes: [String]) -> String {
        var types: [String: String] = [:]
        var order: [String] = []
        var samples: [String: [(series: String, value: Double)]] = [:]
        for text in scrapes {
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# TYPE ") {
                    let parts = line.split(separator: " ")
                    if parts.count == 4, families.contains(String(parts[2])) { types[String(parts[2])] = String(parts[3]) }
                    continue
                }
                if line.hasPrefix("#") { continue }
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
                let series = String(line[..<space])
                let name = String(series.prefix { $0 != "{" })
                guard let family = family(of: name) else { continue }
                if samples[family] == nil { order.append(family) }
                if let index = samples[family]?.firstIndex(where: { $0.series == series }) {
                    samples[family]![index].value += value
                } else {
                    samples[family, default: []].append((series, value))
                }
            }
        }
        var output = ""
        for family in order {
            output += "# TYPE \(family) \(types[family] ?? "untyped")\n"
            for sample in samples[family] ?? [] { output += "\(sample.series) \(format(sample.value))\n" }
        }
        return output
    }

    static func family(of name: String) -> String? {
        if families.contains(name) { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if families.contains(base) { return base }
        }
        return nil
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
