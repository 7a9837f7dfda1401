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
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let testing = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")

/// A service executable: one folder under Services/, linking the service kit.
func service(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["ServiceKit", "Contracts", argumentParser, logging] + dependencies,
        path: "Services/\(name)",
        swiftSettings: swiftSettings
    )
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
        .executable(name: "psync", targets: ["AdminCLI"]),
        .executable(name: "psync-brokersim", targets: ["BrokerSim"]),
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
    ],
    targets: [
        // C libraries from Debian, each wrapped once by the Swift module after it.
        .systemLibrary(name: "CHiredis", path: "Shared/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", path: "Shared/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Shared/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        .target(name: "BlockingIO", path: "Shared/BlockingIO", swiftSettings: swiftSettings),
        .target(name: "RedisClient", dependencies: ["CHiredis", "BlockingIO", logging], path: "Shared/RedisClient", swiftSettings: swiftSettings),
        .target(
            name: "PostgresClient", dependencies: ["CLibPQ", "BlockingIO", logging], path: "Shared/PostgresClient", swiftSettings: swiftSettings),
        .target(name: "CurlClient", dependencies: ["CCurl", logging], path: "Shared/CurlClient", swiftSettings: swiftSettings),
        .target(name: "Cryptography", dependencies: ["COpenSSL"], path: "Shared/Cryptography", swiftSettings: swiftSettings),
        .target(name: "Contracts", path: "Shared/Contracts", swiftSettings: swiftSettings),
        .target(name: "RPC", dependencies: ["Contracts", "CurlClient"], path: "Shared/RPC", swiftSettings: swiftSettings),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Contracts", "RedisClient", "RPC", "Cryptography", hummingbird, lifecycle, logging, metrics, argumentParser,
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Shared/ServiceKit",
            swiftSettings: swiftSettings
        ),

        service("Scheduler"),
        service("Dispatcher"),
        service("Gateway"),
        service("Persistence", ["PostgresClient"]),
        service("Monitor"),
        service("BrokerSim"),
        .executableTarget(
            name: "AdminCLI",
            dependencies: ["Contracts", "RPC", "CurlClient", argumentParser],
            path: "Services/AdminCLI",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "TestSupport", dependencies: ["RedisClient", "PostgresClient", logging], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "RedisClientTests", dependencies: ["RedisClient", "TestSupport"], path: "Tests/RedisClientTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "PostgresClientTests", dependencies: ["PostgresClient", "TestSupport"], path: "Tests/PostgresClientTests",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CurlClientTests",
            dependencies: ["CurlClient", "TestSupport", hummingbird, testing, .product(name: "HTTPTypes", package: "swift-http-types")],
            path: "Tests/CurlClientTests", swiftSettings: swiftSettings),
        .testTarget(name: "CryptographyTests", dependencies: ["Cryptography"], path: "Tests/CryptographyTests", swiftSettings: swiftSettings),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts"], path: "Tests/ContractsTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: [
                "ServiceKit", "RPC", "Contracts", "CurlClient", "TestSupport", "RedisClient", "PostgresClient", hummingbird, testing,
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/ServiceKitTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests", dependencies: ["TestSupport", "RPC", "Contracts"], path: "Tests/EndToEndTests", swiftSettings: swiftSettings),
    ]
)
