// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "borg",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "borg-server", targets: ["borg-server"]),
        .executable(name: "borg-submit", targets: ["borg-submit"]),
        .executable(name: "borg-sandbox", targets: ["borg-sandbox"]),
        .executable(name: "borg-bench", targets: ["borg-bench"]),
        .executable(name: "borg-client", targets: ["borg-client"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swiftwasm/WasmKit.git", exact: "0.4.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // C libraries from Debian packages.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CDqlite", path: "Sources/CDqlite", pkgConfig: "dqlite", providers: [.apt(["libdqlite-dev"])]),
        .systemLibrary(name: "CISAL", path: "Sources/CISAL", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Libraries, one concern each.
        .target(name: "BorgCore"),
        .target(name: "BorgProtocol", dependencies: ["BorgCore"]),
        .target(
            name: "BorgStore",
            dependencies: [
                "BorgCore", "CSQLite",
                "BorgCluster",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "BorgCluster",
            dependencies: [
                "CDqlite",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(name: "BorgSandbox"),
        .target(name: "BorgStorage", dependencies: ["CISAL", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "BorgHTTP",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTPTypes", package: "swift-nio-extras")]
        ),

        // The coordinator: its engine (the lifecycle applied to the store, no HTTP), then the HTTP edge
        // and the replication between coordinators.
        .target(
            name: "BorgEngine",
            dependencies: [
                "BorgCore", "BorgProtocol", "BorgStore", "BorgStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Server/BorgEngine"
        ),
        .target(
            name: "BorgDashboard",
            dependencies: ["BorgCore", "BorgProtocol", .product(name: "Mustache", package: "swift-mustache")],
            path: "Server/BorgDashboard"
        ),
        .target(
            name: "BorgServer",
            dependencies: [
                "BorgCore", "BorgProtocol", "BorgStore", "BorgEngine", "BorgStorage",
                "BorgCluster", "BorgAPIClient", "BorgDashboard", "BorgHTTP", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Server/BorgServer"
        ),
        .executableTarget(
            name: "borg-server",
            dependencies: [
                "BorgServer", "BorgEngine", "BorgStore", "BorgCore",
                "BorgAPIClient", "BorgProtocol", "BorgCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Server/borg-server"
        ),

        // Clients of the coordinator API.
        .target(
            name: "BorgAPIClient",
            dependencies: [
                "BorgProtocol", "BorgCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Client/BorgAPIClient"
        ),
        .executableTarget(
            name: "borg-sandbox",
            dependencies: [
                "BorgSandbox",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmKitWASI", package: "WasmKit"),
                .product(name: "WASI", package: "WasmKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Client/borg-sandbox"
        ),
        .executableTarget(
            name: "borg-submit",
            dependencies: [
                "BorgAPIClient", "BorgProtocol", "BorgCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Client/borg-submit"
        ),
        .target(
            name: "BorgDonor",
            dependencies: [
                "BorgAPIClient", "BorgProtocol", "BorgCore", "BorgSandbox", "BorgStorage", "BorgHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Client/BorgDonor"
        ),
        .executableTarget(
            name: "borg-client",
            dependencies: [
                "BorgDonor", "BorgAPIClient", "BorgProtocol", "BorgCore", "BorgStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Client/borg-client"
        ),

        // Benchmarks.
        .executableTarget(
            name: "borg-bench",
            dependencies: [
                "BorgHarness", "BorgAPIClient", "BorgProtocol", "BorgCore", "BorgCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "BorgSandbox", "BorgStorage", "CISALBaseline",
            ],
            path: "Benchmarks/borg-bench"
        ),
        // The C baseline of borg-bench storage: ISA-L called from plain C.
        .target(name: "CISALBaseline", dependencies: ["CISAL"], path: "Benchmarks/CISALBaseline"),

        // Real processes and protocol-level hosts for scenario tests and benchmarks.
        // One simulated host as a process of its own, for the network fault tests' lab nodes.
        .executableTarget(name: "borg-lab-host", dependencies: ["BorgHarness", "BorgAPIClient", "BorgCore"], path: "Tests/borg-lab-host"),
        .target(name: "BorgHarness", dependencies: ["BorgAPIClient", "BorgProtocol", "BorgCore",
            "BorgCluster",
        ], path: "Tests/BorgHarness"),

        // Tests, one target per module plus multi-process scenarios.
        .testTarget(name: "BorgCoreTests", dependencies: [
            "BorgCore", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "BorgStoreTests", dependencies: ["BorgStore", "BorgCore",
            "BorgCluster",
        ]),
        .testTarget(name: "BorgClusterTests", dependencies: [
            "BorgCluster",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .testTarget(name: "BorgStorageTests", dependencies: ["BorgStorage"]),
        .testTarget(name: "BorgProtocolTests", dependencies: ["BorgProtocol", "BorgCore"]),
        .testTarget(name: "BorgEngineTests", dependencies: ["BorgEngine", "BorgStore", "BorgProtocol", "BorgCore"]),
        .testTarget(name: "BorgAPIClientTests", dependencies: [
            "BorgAPIClient", "BorgProtocol", "BorgHarness", "BorgCluster", "borg-server",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "BorgSandboxTests", dependencies: ["BorgSandbox", "BorgHarness", "borg-sandbox"], exclude: ["Fixtures"]),
        .testTarget(name: "BorgDashboardTests", dependencies: ["BorgDashboard", "BorgProtocol", "BorgCore"]),
        .testTarget(name: "BorgServerTests", dependencies: [
            "BorgServer", "BorgEngine", "BorgStore", "BorgCore", "BorgAPIClient", "BorgProtocol", "BorgStorage", "BorgHarness",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ScenarioTests", dependencies: [
            "BorgHarness", "BorgAPIClient", "BorgProtocol", "BorgCore", "BorgStore", "BorgCluster", "borg-server", "borg-submit", "borg-lab-host",
            "borg-client", "borg-sandbox", "BorgDonor", "BorgSandbox", "BorgStorage",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "BorgDonorTests", dependencies: [
            "BorgDonor", "BorgProtocol", "BorgCore", "BorgSandbox", "BorgServer", "BorgAPIClient", "BorgStorage", "BorgHarness",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
)
