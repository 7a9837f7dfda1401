import FoundationEssentials
import Metrics
public import Prometheus
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The Prometheus registry behind swift-metrics, plus process gauges refreshed at each scrape.
public final class MetricsRegistry: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let residentMemory: Prometheus.Gauge
    private let cpuSeconds: Prometheus.Gauge
    private let startTime: Prometheus.Gauge
    private let appendix = Mutex<String>("")

    /// Bootstraps swift-metrics with a Prometheus factory; only `main` calls it, once.
    public static func bootstrap() -> MetricsRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return MetricsRegistry(registry: registry)
    }

    /// A registry not installed as the global factory (for tests).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        residentMemory = registry.makeGauge(
            descriptor: .init(namespace: "process", metricName: "resident_memory", unitName: "bytes", helpText: "Resident set size."))
        cpuSeconds = registry.makeGauge(
            descriptor: .init(namespace: "process", metricName: "cpu_seconds", unitName: "total", helpText: "User and system CPU time spent."))
        startTime = registry.makeGauge(
            descriptor: .init(
                namespace: "process", metricName: "start_time", unitName: "seconds", helpText: "Start time of the process since the epoch."))
        startTime.set(Date().timeIntervalSince1970)
    }

    /// The exposition text.
    public func render() -> String {
        if let usage = ProcessUsage.current() {
            residentMemory.set(Double(usage.residentBytes))
            cpuSeconds.set(usage.cpuSeconds)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self) + appendix.withLock { $0 }
    }

    /// Exposition text added after the registry's at every scrape (the monitor's federation of its workers' metrics).
    public func setAppendix(_ text: String) {
        appendix.withLock { $0 = text }
    }
}

/// Resident memory and CPU time of this process, from `/proc/self`.
public struct ProcessUsage: Sendable {
    /// Resident set size in bytes.
    public var residentBytes: Int
    /// User plus system CPU seconds.
    public var cpuSeconds: Double

    /// Reads `/proc/self/statm` and `/proc/self/stat`; `nil` where they do not exist.
    public static func current() -> ProcessUsage? {
        guard let statm = FileManager.default.contents(atPath: "/proc/self/statm"),
            let stat = FileManager.default.contents(atPath: "/proc/self/stat")
        else { return nil }
        let pages = String(decoding: statm, as: UTF8.self).split(separator: " ")
        let statText = String(decoding: stat, as: UTF8.self)
        guard pages.count > 1, let resident = Int(pages[1]), let close = statText.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = statText[statText.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return ProcessUsage(residentBytes: resident * sysconf(Int32(_SC_PAGESIZE)), cpuSeconds: (user + system) / Double(sysconf(Int32(_SC_CLK_TCK))))
    }
}
