// swift-tools-version:6.1
import PackageDescription

/// One settings array for every Swift target (CONVENTIONS.md §1).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let hummingbirdTesting = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")

/// A library every executable may link: one folder under Shared/.
func library(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .target(name: name, dependencies: dependencies, path: "Shared/\(name)", swiftSettings: swiftSettings)
}

/// A service executable: one folder under Services/, linking the service kit.
func service(_ name: String, _ dependencies: [Target.Dependency] = [], resources: [Resource] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["ServiceKit", "Contracts", argumentParser, logging] + dependencies,
        path: "Services/\(name)",
        resources: resources,
        swiftSettings: swiftSettings
    )
}

/// A test target: one folder under Tests/ (fixture files it reads in `resources`).
func tests(_ name: String, _ dependencies: [Target.Dependency], resources: [Resource] = []) -> Target {
    .testTarget(name: name, dependencies: dependencies, path: "Tests/\(name)", resources: resources, swiftSettings: swiftSettings)
}

let package = Package(
    name: "portfolio-sync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "psync-scheduler", targets: ["Scheduler"]),
        .executable(name: "psync-dispatcher", targets: ["Dispatcher"]),
        .executable(name: "psync-gateway", targets: ["Gateway"]),
        .executable(name: "psync-persistence", targets: ["Persistence"]),
        .executable(name: "psync-monitor", targets: ["Monitor"]),
        .executable(name: "psync-webhooks", targets: ["Webhooks"]),
        .executable(name: "psync", targets: ["AdminCLI"]),
        .executable(name: "psync-brokersim", targets: ["BrokerSim"]),
        .executable(name: "psync-bench", targets: ["Benchmarks"]),
        .executable(name: "psync-chaos", targets: ["Chaos"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Statement import (BOM, quoted newlines, CRLF): SwiftCSV, in the local package mirror at 0.10.0.
        .package(url: "https://github.com/swiftcsv/SwiftCSV.git", from: "0.10.0"),
        // Micro-benchmarks (time and allocations per operation); the interposer counts mallocs on Linux.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // C libraries from Debian, each wrapped once by one Swift module below.
        .systemLibrary(name: "CHiredis", path: "Shared/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", path: "Shared/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Shared/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // libc's prctl and setrlimit: the gateway turns core dumps off; HTTP clients name their loop threads.
        .systemLibrary(name: "CProcessControl", path: "Shared/CProcessControl"),

        library("BlockingIO"),
        library("CivilTime"),
        library("RedisClient", ["CHiredis", "BlockingIO", logging]),
        library("ExactDecimal"),
        library("PostgresClient", ["CLibPQ", "BlockingIO", "ExactDecimal", "CivilTime", logging]),
        library("CurlClient", ["CCurl", "CProcessControl", logging]),
        library("Cryptography", ["COpenSSL"]),
        library("Contracts", ["ExactDecimal", "CivilTime"]),
        library("SandboxData"),
        library("Streams", ["Contracts", "RedisClient", "ExactDecimal", logging, metrics, lifecycle]),
        library("Scheduling", ["Contracts", "CivilTime"]),
        library(
            "Brokers", ["Contracts", "CurlClient", "Cryptography", "ExactDecimal", "CivilTime", .product(name: "SwiftCSV", package: "SwiftCSV")]),
        library("RPC", ["Contracts", "CurlClient", "Cryptography", "ExactDecimal"]),
        library(
            "ServiceKit",
            [
                "Contracts", "RedisClient", "RPC", "Cryptography", hummingbird, lifecycle, logging, metrics, argumentParser, prometheus, nioCore,
                httpTypes,
            ]
        ),

        service("Scheduler", ["Scheduling", "RPC", "RedisClient", "CurlClient", "Streams", hummingbird, lifecycle, metrics]),
        service("Dispatcher", ["Streams", "RPC", "RedisClient", "CurlClient", hummingbird, lifecycle, metrics]),
        service(
            "Gateway", ["Brokers", "Streams", "RedisClient", "RPC", "CurlClient", "Cryptography", "CProcessControl", hummingbird, lifecycle, metrics]),
        service("Persistence", ["Brokers", "PostgresClient", "RedisClient", "Streams", hummingbird], resources: [.embedInCode("Migrations")]),
        service(
            "Monitor",
            [
                "Brokers", "Streams", "RPC", "ExactDecimal", "RedisClient", "CurlClient", "Cryptography", "Scheduling", hummingbird, lifecycle,
                metrics, httpTypes,
                nioCore,
            ]),
        service("Webhooks", ["RPC", "CurlClient", "Cryptography", "BlockingIO", hummingbird, lifecycle, metrics]),
        service("BrokerSim", ["SandboxData", "Cryptography", "ExactDecimal", "CivilTime", hummingbird, httpTypes, nioCore]),
        .executableTarget(
            name: "AdminCLI",
            dependencies: ["Contracts", "RPC", "CurlClient", "Scheduling", argumentParser],
            path: "Services/AdminCLI",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "TestSupport",
            dependencies: ["RedisClient", "PostgresClient", "Contracts", "RPC", "CurlClient", "Streams", "SandboxData", "Cryptography", logging],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings),
        // Benchmarks against a running stack (`psync-bench`), and micro-benchmarks of the hot functions
        // (`swift package benchmark --target Micro`; ordo-one's plugin looks for targets in a folder named Benchmarks).
        .executableTarget(
            name: "Benchmarks",
            dependencies: ["TestSupport", "RPC", "Contracts", "CurlClient", "RedisClient", "PostgresClient", "Streams", argumentParser],
            path: "Tests/Benchmarks/Stack",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Micro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"), "Brokers", "Contracts", "CurlClient", "PostgresClient", "RedisClient",
                "TestSupport",
            ],
            path: "Tests/Benchmarks/Micro",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Chaos",
            dependencies: ["TestSupport", argumentParser],
            path: "Tests/Chaos",
            swiftSettings: swiftSettings
        ),
        tests("RedisClientTests", ["RedisClient", "TestSupport"]),
        tests("PostgresClientTests", ["PostgresClient", "TestSupport"]),
        tests("CurlClientTests", ["CurlClient", "TestSupport", hummingbird, hummingbirdTesting, httpTypes]),
        tests("CryptographyTests", ["Cryptography"]),
        tests("ContractsTests", ["Contracts", "ExactDecimal"]),
        tests("SchedulingTests", ["Scheduling", "Contracts"]),
        tests(
            "ServiceKitTests",
            [
                "ServiceKit", "RPC", "Contracts", "CurlClient", "TestSupport", "RedisClient", "PostgresClient", "Cryptography", hummingbird,
                hummingbirdTesting,
                httpTypes, lifecycle,
            ]
        ),
        tests("PersistenceTests", ["TestSupport", "RPC", "Contracts", "CurlClient", "RedisClient", "PostgresClient", "Streams"]),
        tests(
            "BrokersTests", ["Brokers", "Contracts", "CurlClient", hummingbird, hummingbirdTesting, httpTypes, nioCore],
            resources: [.copy("Fixtures")]),
        tests(
            "GatewayTests", ["Gateway", "TestSupport", "RPC", "Contracts", "CurlClient", "RedisClient", "PostgresClient", "Streams", "SandboxData"]),
        tests("BrokerSimTests", ["BrokerSim", "SandboxData", "TestSupport", "CurlClient", "Contracts", "ExactDecimal", "ServiceKit", nioCore]),
        tests("SchedulerTests", ["TestSupport", "RPC", "Contracts", "CurlClient", "RedisClient", "PostgresClient", "Streams"]),
        tests("DispatcherTests", ["TestSupport", "RPC", "Contracts", "CurlClient", "RedisClient", "PostgresClient", "Streams"]),
        tests("MonitorTests", ["TestSupport", "RPC", "Contracts", "CurlClient", "RedisClient", "PostgresClient", "Streams", "ExactDecimal"]),
        tests("WebhooksTests", ["Webhooks", "ServiceKit", "TestSupport", "RPC", "Contracts", "CurlClient", "Cryptography", "PostgresClient"]),
        tests("AdminCLITests", ["TestSupport", "RPC", "Contracts", "CurlClient", "RedisClient", "PostgresClient"]),
        tests("EndToEndTests", ["TestSupport", "RPC", "Contracts", "CurlClient", "RedisClient", "Streams", "PostgresClient", "SandboxData"]),
    ]
)
