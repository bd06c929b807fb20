// swift-tools-version: 6.0
// numasim's libFuzzer targets (docs/fuzzing.md): a package of its own, over the main package by
// path, so the main `swift build`, `swift test` and CI never see the fuzzer flags. Build it with
//   swift build -c release -Xswiftc -sanitize=fuzzer,address   (what `make fuzz` does)
import PackageDescription

let package = Package(
    name: "numasim-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "numasim", path: "..")],
    targets: [
        // One executable, every reader: the reader is chosen by FUZZ_TARGET (scripts/fuzz.sh).
        // Its main.swift hands over to libFuzzer's driver (LLVMFuzzerRunDriver).
        .executableTarget(
            name: "NumasimFuzz",
            dependencies: [
                .product(name: "NumaTopology", package: "numasim"),
                .product(name: "NumaCore", package: "numasim"),
                .product(name: "NumaWorkload", package: "numasim"),
                .product(name: "NumaEngine", package: "numasim"),
            ]
        ),
    ]
)
