// swift-tools-version: 6.0
// numasim — a NUMA multi-node simulator of the Linux 6.1 physical page allocator.
import PackageDescription

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
        // Layer 2: the kernel model — boot (zones, watermarks, pcp sizing, zonelists) and later the allocator.
        .target(name: "NumaCore", dependencies: ["NumaTopology"]),
        // Layer 2b: address spaces — paging modes, page tables, direct map, TLB. Independent of
        // NumaCore: page-table pages come through a protocol the allocator will implement.
        .target(name: "NumaMM", dependencies: ["NumaTopology"]),
        // Layer 3: the concurrent engine — node actors on Dispatch queues, kswapd loops.
        .target(name: "NumaEngine", dependencies: ["NumaCore", "NumaTopology"]),
        // Layer 4: workloads (what simulated threads do), the deterministic and concurrent stress drivers.
        .target(name: "NumaWorkload", dependencies: ["NumaCore", "NumaEngine", "NumaMM", "NumaTopology", .product(name: "Yams", package: "Yams"),
                                                    .product(name: "Histogram", package: "hdrhistogram-swift")]),
        // Layer 5: the kernel's text formats and JSON views of the model.
        .target(name: "NumaReports", dependencies: ["NumaCore", "NumaTopology", "NumaWorkload"]),
        // Layer 6: experiments over the model — the bench cases, sweeps of stress runs over a grid.
        .target(name: "NumaExperiments", dependencies: ["NumaCore", "NumaTopology", "NumaWorkload"]),
        .executableTarget(
            name: "numasim",
            dependencies: [
                "NumaTopology", "NumaCore", "NumaReports", "NumaWorkload", "NumaMM", "NumaExperiments",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "NumaSimTests",
            dependencies: ["NumaTopology", "NumaCore", "NumaReports", "NumaWorkload", "NumaMM", "NumaEngine"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "NumaExperimentsTests",
            dependencies: ["NumaExperiments", "NumaTopology", "NumaCore", "NumaWorkload"]
        ),
    ]
)
