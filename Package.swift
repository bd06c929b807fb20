// swift-tools-version: 6.0
// numasim — a NUMA multi-node simulator of the Linux 6.1 physical page allocator.
import PackageDescription

/// Cheap `_checkInvariants()` hooks at mutation points (zones, pagesets, nodes, zonelists, page
/// tables), as swift-collections' COLLECTIONS_INTERNAL_CHECKS: on in debug builds (tests), compiled
/// out of release builds. The full invariant checker runs at the end of phases either way.
let internalChecks: [SwiftSetting] = [.define("NUMASIM_INTERNAL_CHECKS", .when(configuration: .debug))]

let package = Package(
    name: "numasim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "numasim", targets: ["numasim"]),
        .library(name: "NumaTopology", targets: ["NumaTopology"]),
        .library(name: "NumaCore", targets: ["NumaCore"]),
        .library(name: "NumaReports", targets: ["NumaReports"]),
        .library(name: "NumaWorkload", targets: ["NumaWorkload"]),
        .library(name: "NumaEngine", targets: ["NumaEngine"]),
        .library(name: "NumaMM", targets: ["NumaMM"]),
        .library(name: "NumaProcess", targets: ["NumaProcess"]),
        .library(name: "NumaExperiments", targets: ["NumaExperiments"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Latency percentiles per operation class (stress --latency).
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // <numa.h> from Debian's libnuma-dev (libnuma 2.0.16): the host topology source.
        .systemLibrary(
            name: "CNuma",
            path: "Sources/CNuma",
            pkgConfig: "numa",
            providers: [.apt(["libnuma-dev"])]
        ),
        // Layer 1: machines — nodes, CPUs, memory, SLIT distances, sysctls; parsers and importers.
        .target(
            name: "NumaTopology",
            dependencies: ["CNuma", .product(name: "Yams", package: "Yams")]
        ),
        // Layer 2: the kernel model — boot (zones, watermarks, pcp sizing, zonelists), the nodes
        // (pg_data_t), the allocator (buddy, pcp, __alloc_pages, policies), reclaim and kswapd, hotplug.
        .target(name: "NumaCore", dependencies: ["NumaTopology"], swiftSettings: internalChecks),
        // Layer 2b: address spaces — paging modes, page tables, direct map, TLB. Independent of
        // NumaCore: page-table pages come through a protocol (PageTablePageSource).
        .target(name: "NumaMM", dependencies: ["NumaTopology"], swiftSettings: internalChecks),
        // Layer 2c: processes as the kernel holds them — an mm_struct bound to the allocator, the
        // fault path (mm/memory.c), page-table pages from the allocator, per-CPU TLBs.
        .target(name: "NumaProcess", dependencies: ["NumaCore", "NumaMM", "NumaTopology"]),
        // Layer 3: workloads — their description and parsing, simulated tasks and processes.
        .target(name: "NumaWorkload", dependencies: ["NumaCore", "NumaMM", "NumaTopology", .product(name: "Yams", package: "Yams"),
                                                    .product(name: "Histogram", package: "hdrhistogram-swift")]),
        // Layer 4: the two engines over one phase loop — deterministic (one thread, fixed order)
        // and concurrent (host threads, node actors and kswapd loops on Dispatch queues).
        .target(name: "NumaEngine", dependencies: ["NumaCore", "NumaMM", "NumaProcess", "NumaTopology", "NumaWorkload"]),
        // Layer 5: the kernel's text formats, JSON and HTML views of the model and of a run.
        .target(name: "NumaReports", dependencies: ["NumaCore", "NumaMM", "NumaProcess", "NumaTopology", "NumaWorkload", "NumaEngine"]),
        // Layer 6: experiments over the model — the bench cases, sweeps of stress runs over a grid.
        .target(name: "NumaExperiments", dependencies: ["NumaCore", "NumaTopology", "NumaWorkload", "NumaEngine", "NumaReports"]),
        .executableTarget(
            name: "numasim",
            dependencies: [
                "NumaTopology", "NumaCore", "NumaReports", "NumaWorkload", "NumaEngine", "NumaMM", "NumaProcess", "NumaExperiments",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Tests: one target per module, each importing that module and what is below it, plus
        // the shared fixtures and helpers (seeded RNG, kernel samples, the built binary).
        .target(name: "NumaTestSupport", dependencies: ["NumaTopology", "NumaCore"], path: "Tests/NumaTestSupport"),
        .testTarget(name: "NumaTopologyTests", dependencies: ["NumaTopology", "NumaTestSupport"]),
        .testTarget(name: "NumaCoreTests", dependencies: ["NumaCore", "NumaTopology", "NumaTestSupport"]),
        .testTarget(name: "NumaMMTests", dependencies: ["NumaMM", "NumaTopology", "NumaTestSupport"]),
        .testTarget(name: "NumaProcessTests", dependencies: ["NumaProcess", "NumaCore", "NumaMM", "NumaTopology", "NumaTestSupport"]),
        .testTarget(name: "NumaWorkloadTests", dependencies: ["NumaWorkload", "NumaCore", "NumaTopology", "NumaTestSupport"]),
        .testTarget(name: "NumaEngineTests", dependencies: ["NumaEngine", "NumaWorkload", "NumaProcess", "NumaCore", "NumaMM",
                                                            "NumaTopology", "NumaTestSupport"]),
        .testTarget(name: "NumaReportsTests", dependencies: ["NumaReports", "NumaEngine", "NumaWorkload", "NumaCore", "NumaTopology",
                                                             "NumaTestSupport"]),
        .testTarget(name: "NumaExperimentsTests", dependencies: ["NumaExperiments", "NumaEngine", "NumaWorkload", "NumaCore",
                                                                 "NumaTopology", "NumaTestSupport"]),
        // The command line, through the built binary (`swift build` first).
        .testTarget(name: "numasimTests", dependencies: ["NumaReports", "NumaEngine", "NumaWorkload", "NumaCore", "NumaTopology",
                                                         "NumaTestSupport"]),
    ]
)
