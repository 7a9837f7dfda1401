import ArgumentParser

@main
struct BenchMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-bench",
        abstract: "Benchmarks of portfolio-sync on this machine; figures go to BENCHMARKS.md and Tests/Benchmarks/results.json.",
        subcommands: [
            PersistenceBenchmark.self, DispatchBenchmark.self, EndToEndBenchmark.self, LatencyBenchmark.self, RateLimitBenchmark.self,
            MemoryBenchmark.self, ProfileBenchmark.self, MicroReport.self, OverviewBenchmark.self, WebhooksBenchmark.self,
        ]
    )
}
