import Foundation
import XCTest
@testable import NumaCore
@testable import NumaTopology

/// The importers (sysfs copy, `numactl --hardware`, /proc/zoneinfo, this host through libnuma)
/// against real machines' files, plus broken inputs that must fail with a useful InputError.
final class ImportTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func fixture(_ relative: String) -> String { fixtures.appendingPathComponent(relative).path }
    static func sample(_ name: String) -> String { fixture("sysfs-samples/\(name)") }

    static let section: UInt64 = 128 << 20
    static func roundedUp(_ bytes: UInt64) -> UInt64 { (bytes + section - 1) / section * section }

    // MARK: - Helpers

    func zone(_ m: BootedMachine, _ node: Int, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> BootZone {
        let z = try XCTUnwrap(m.zones[node]?.first { $0.name == name }, "node \(node) zone \(name)", file: file, line: line)
        return z
    }

    /// Runs `body`, expects an InputError whose file ends with `fileSuffix`, whose line is `line`
    /// (when given) and whose message mentions every string of `mentions`.
    func expectInputError(fileSuffix: String, line: Int? = nil, mentions: [String],
                          file: StaticString = #filePath, testLine: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected an InputError about \(fileSuffix)", file: file, line: testLine)
        } catch let error as InputError {
            XCTAssertTrue(error.file.hasSuffix(fileSuffix), "file '\(error.file)' should end with '\(fileSuffix)' (\(error))",
                          file: file, line: testLine)
            if let line { XCTAssertEqual(error.line, line, "line of \(error)", file: file, line: testLine) }
            for m in mentions {
                XCTAssertTrue(error.description.contains(m), "'\(error)' should mention '\(m)'", file: file, line: testLine)
            }
        } catch {
            XCTFail("expected an InputError, got \(error)", file: file, line: testLine)
        }
    }

    /// A sysfs node directory in a fresh temporary folder: `files[nodeID][fileName] = contents`.
    func makeSysfs(_ files: [Int: [String: String]], extraDirs: [String] = []) throws -> String {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("numasim-import-\(UUID().uuidString)")
        let nodeDir = root.appendingPathComponent("sys/devices/system/node")
        try FileManager.default.createDirectory(at: nodeDir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        for (id, entries) in files {
            let dir = nodeDir.appendingPathComponent("node\(id)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, text) in entries {
                try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        for d in extraDirs {
            try FileManager.default.createDirectory(at: nodeDir.appendingPathComponent(d), withIntermediateDirectories: true)
        }
        return root.path
    }

    func meminfo(_ id: Int, totalKB: Int, freeKB: Int) -> String {
        """
        Node \(id) MemTotal:       \(totalKB) kB
        Node \(id) MemFree:        \(freeKB) kB
        Node \(id) MemUsed:        \(totalKB - freeKB) kB
        Node \(id) HugePages_Total:     0

        """
    }

    /// A good two-node tree (1 GiB each, 10/21), to break one file at a time.
    func goodTwoNodeFiles() -> [Int: [String: String]] {
        [0: ["cpulist": "0-1\n\0", "distance": "10 21\n", "meminfo": meminfo(0, totalKB: 1_000_000, freeKB: 900_000)],
         1: ["cpulist": "2-3\n\0", "distance": "21 10\n", "meminfo": meminfo(1, totalKB: 1_048_576, freeKB: 1_000_000)]]
    }

    // MARK: - sysfs: the four real machines

    struct Expected {
        var name: String
        var ids: [Int]
        var cpus: [String]
        var distances: [[Int]]
        /// MemTotal and MemFree in kB, read from node<N>/meminfo.
        var memTotalKB: [UInt64]
        var memFreeKB: [UInt64]
    }

    static let expected: [Expected] = [
        Expected(name: "128arm-2pa2n8cluster4co", ids: [0, 1, 2, 3], cpus: ["0-31", "32-63", "64-95", "96-127"],
                 distances: [[10, 16, 32, 33], [16, 10, 25, 32], [32, 25, 10, 16], [33, 32, 16, 10]],
                 memTotalKB: [131_732_940, 132_117_940, 132_117_936, 131_062_408],
                 memFreeKB: [130_167_340, 131_884_112, 77_430_888, 125_844_388]),
        Expected(name: "16amd64-8n2c", ids: Array(0...7),
                 cpus: ["0-1", "2-3", "4-5", "6-7", "8-9", "10-11", "12-13", "14-15"],
                 distances: (0..<8).map { i in (0..<8).map { j in i == j ? 10 : 20 } },
                 memTotalKB: [8_386_704] + [UInt64](repeating: 8_388_608, count: 7),
                 memFreeKB: [6_895_672, 8_226_932, 8_238_444, 8_230_804, 8_234_628, 8_246_360, 8_242_876, 8_249_784]),
        Expected(name: "32em64t-2n8c+dax+nvme+mic+dimms", ids: [0, 1], cpus: ["0-7", "8-15"],
                 distances: [[10, 21], [21, 10]],
                 memTotalKB: [16_747_124, 16_777_216], memFreeKB: [15_794_148, 13_669_108]),
        Expected(name: "memorysidecaches", ids: [0, 1, 2, 3],
                 cpus: (0..<4).map { n in stride(from: n, to: 80, by: 4).map(String.init).joined(separator: ",") },
                 distances: [[10, 21, 11, 21], [21, 10, 21, 11], [11, 21, 10, 21], [21, 11, 21, 10]],
                 memTotalKB: [388_492_316, 390_163_848, 390_163_840, 390_162_812],
                 memFreeKB: [387_668_228, 389_931_044, 389_589_156, 389_942_184]),
    ]

    func testSysfsSamplesImportNodesCPUsDistancesAndMemory() throws {
        for e in Self.expected {
            let t = try SysfsImporter.load(path: Self.sample(e.name))
            XCTAssertEqual(t.name, e.name)
            XCTAssertEqual(t.arch, .x86_64)
            XCTAssertEqual(t.source, "sysfs copy at \(Self.sample(e.name))")
            XCTAssertEqual(t.nodeIDs, e.ids, e.name)
            XCTAssertEqual(t.nodes.map(\.cpus.description), e.cpus, e.name)
            XCTAssertEqual(t.distances, e.distances, e.name)
            XCTAssertEqual(t.nodes.map(\.managed), e.memTotalKB.map { $0 * 1024 }, e.name)
            XCTAssertEqual(t.nodes.map(\.free), e.memFreeKB.map { $0 * 1024 }, e.name)
            XCTAssertEqual(t.nodes.map(\.memory), e.memTotalKB.map { .size(Self.roundedUp($0 * 1024)) }, e.name)
        }
        // Spot checks against the raw files.
        let arm = try SysfsImporter.load(path: Self.sample("128arm-2pa2n8cluster4co"))
        XCTAssertEqual(arm.nodes[0].managed, 131_732_940 * 1024)
        XCTAssertEqual(arm.nodes[0].memory, .size(1006 * Self.section)) // 128645.4 MiB → 1006 sections
        let amd = try SysfsImporter.load(path: Self.sample("16amd64-8n2c"))
        XCTAssertEqual(amd.nodes[1].memory, .size(8 << 30)) // MemTotal exactly 8 GiB stays 8 GiB
    }

    func testSysfsAcceptsSysRootAndNodeDirectory() throws {
        for e in Self.expected {
            let forms = [Self.sample(e.name), Self.sample(e.name) + "/sys", Self.sample(e.name) + "/sys/devices/system/node"]
            var loaded = try forms.map { try SysfsImporter.load(path: $0) }
            for i in loaded.indices { loaded[i].source = nil }
            XCTAssertEqual(loaded[0], loaded[1], e.name)
            XCTAssertEqual(loaded[0], loaded[2], e.name)
            XCTAssertEqual(loaded[2].name, e.name)
        }
    }

    func testSysfsImportsRoundTripThroughYAML() throws {
        for e in Self.expected {
            let t = try SysfsImporter.load(path: Self.sample(e.name))
            let back = try TopologyFile.parse(TopologyWriter.yaml(t), file: "\(e.name).yaml")
            XCTAssertEqual(back, t, e.name)
        }
    }

    func testSysfsImportsBootWithManagedEqualToMemTotal() throws {
        for e in Self.expected {
            let t = try SysfsImporter.load(path: Self.sample(e.name))
            let m = try BootedMachine(topology: t)
            for (i, id) in e.ids.enumerated() {
                let managed = (m.zones[id] ?? []).reduce(0) { $0 + $1.managed }
                XCTAssertEqual(managed, Int(e.memTotalKB[i] / 4), "\(e.name) node \(id) managed pages = MemTotal")
                let free = (m.zones[id] ?? []).reduce(0) { $0 + $1.free }
                XCTAssertEqual(free, Int(e.memFreeKB[i] / 4), "\(e.name) node \(id) free pages = MemFree")
            }
        }
    }

    func orders(_ z: Zonelists) -> [[Int]] { z.nodes.map { z.nodeOrder[$0] ?? [] } }

    /// Boot zonelists (no CPU penalty at boot). val = (distance + [n < local])·1024 + node_load[n];
    /// the smallest wins, ties go to the lower id; node_load[n] += 1 when n opens a new distance
    /// group of the list being built (the local node never does: its distance equals prev's).
    func testSysfsImportsBootWithKernelZonelists() throws {
        // 16amd64-8n2c, all remote 20. Node 0: all candidates 20·1024 → 1 (load[1]=1), 2…7.
        // Node k (1…6): k+1…7 cost 20·1024 + load (load[k+1] still 0, so k+1 first and it gets
        // load 1), lower ids cost 21·1024 + load with load[0]=0 < load[1…k]=1 → 0, then 1…k-1 by id.
        // Node 7: only lower ids: 0 (load 0) first, then 1…6 (load 1 each, ties by id).
        let amd = try BootedMachine(topology: SysfsImporter.load(path: Self.sample("16amd64-8n2c")))
        XCTAssertEqual(orders(amd.bootZonelists), (0..<8).map { k in Array(k..<8) + Array(0..<k) })
        XCTAssertEqual(orders(amd.bootZonelists)[1], [1, 2, 3, 4, 5, 6, 7, 0])
        XCTAssertEqual(orders(amd.bootZonelists)[2], [2, 3, 4, 5, 6, 7, 0, 1])
        XCTAssertEqual(orders(amd.bootZonelists)[7], [7, 0, 1, 2, 3, 4, 5, 6])

        // memorysidecaches, rows 10 21 11 21 / 21 10 21 11 / 11 21 10 21 / 21 11 21 10.
        // Node 0: 1 → 21·1024, 2 → 11·1024, 3 → 21·1024 → 2 (load[2]=1); then 1 vs 3 tie at 21·1024
        //   → 1 (lower id; new group 21 → load[1]=1); then 3 (same group). 0 2 1 3.
        // Node 1: 0 → 22·1024, 2 → 21·1024+1, 3 → 11·1024 → 3 (load[3]=1); then 2 (21·1024+1 <
        //   22·1024; load[2]=2); then 0. 1 3 2 0.
        // Node 2: 0 → 12·1024, 1 → 22·1024+1, 3 → 21·1024+1 → 0 (load[0]=1); then 3 (load[3]=2);
        //   then 1. 2 0 3 1.
        // Node 3: 0 → 22·1024+1, 1 → 12·1024+1, 2 → 22·1024+2 → 1 (load[1]=2); then 0 (22·1024+1
        //   < 22·1024+2); then 2. 3 1 0 2.
        let msc = try BootedMachine(topology: SysfsImporter.load(path: Self.sample("memorysidecaches")))
        XCTAssertEqual(orders(msc.bootZonelists), [[0, 2, 1, 3], [1, 3, 2, 0], [2, 0, 3, 1], [3, 1, 0, 2]])

        // 128arm, rows 10 16 32 33 / 16 10 25 32 / 32 25 10 16 / 33 32 16 10 (distinct distances,
        // so node_load and the lower-id penalty never change the order: pure distance ranking).
        // Node 0: 1 (16), 2 (32), 3 (33). Node 1: 0 (16+1), 2 (25), 3 (32).
        // Node 2: 3 (16), 1 (25+1), 0 (32+1). Node 3: 2 (16+1), 1 (32+1), 0 (33+1).
        let arm = try BootedMachine(topology: SysfsImporter.load(path: Self.sample("128arm-2pa2n8cluster4co")))
        XCTAssertEqual(orders(arm.bootZonelists), [[0, 1, 2, 3], [1, 0, 2, 3], [2, 3, 1, 0], [3, 2, 1, 0]])

        let em = try BootedMachine(topology: SysfsImporter.load(path: Self.sample("32em64t-2n8c+dax+nvme+mic+dimms")))
        XCTAssertEqual(orders(em.bootZonelists), [[0, 1], [1, 0]])
    }

    // MARK: - sysfs: edge cases that are not errors

    func testSysfsSparseIDsMemorylessNodeAndCpumapFallback() throws {
        let root = try makeSysfs([
            0: ["cpumap": "00000000,00000003\n", "distance": "10 21 31\n", "meminfo": "\n" + meminfo(0, totalKB: 2_097_152, freeKB: 2_000_000)],
            2: ["cpulist": "2-3\n\0", "distance": "21 10 21\n", "meminfo": meminfo(2, totalKB: 0, freeKB: 0)],
            5: ["distance": "31 21 10\n", "meminfo": meminfo(5, totalKB: 1_048_576, freeKB: 1_048_576)],
        ])
        let t = try SysfsImporter.load(path: root)
        XCTAssertEqual(t.nodeIDs, [0, 2, 5])
        XCTAssertEqual(t.nodes.map(\.cpus.description), ["0-1", "2-3", ""])
        XCTAssertEqual(t.nodes.map(\.memory), [.size(Self.roundedUp(2 << 30 + 98 * 4096)), .size(0), .size(1 << 30)])
        XCTAssertEqual(t.nodes[1].managed, 0)
        XCTAssertEqual(t.distances, [[10, 21, 31], [21, 10, 21], [31, 21, 10]])
        let m = try BootedMachine(topology: t)
        XCTAssertEqual(m.hasMemory(2), false)
        XCTAssertEqual(try TopologyFile.parse(TopologyWriter.yaml(t)), t)
    }

    /// The first node lies at address 0, where x86 has 98 pages of firmware holes: a MemTotal on a
    /// section boundary still fits, because the memory is rounded up with room for them.
    func testSysfsFirstNodeOnSectionBoundaryStillBoots() throws {
        let root = try makeSysfs([0: ["cpulist": "0", "meminfo": meminfo(0, totalKB: 1_048_576, freeKB: 1000)]])
        let t = try SysfsImporter.load(path: root)
        XCTAssertEqual(t.nodes[0].memory, .size((1 << 30) + Self.section))
        XCTAssertEqual(t.nodes[0].managed, 1 << 30)
        let m = try BootedMachine(topology: t)
        XCTAssertEqual(m.zones[0]!.reduce(0) { $0 + $1.managed }, 262_144)
    }

    func testSysfsWithoutDistanceFilesUsesKernelDefault() throws {
        var files = goodTwoNodeFiles()
        files[0]!["distance"] = nil
        files[1]!["distance"] = nil
        let t = try SysfsImporter.load(path: makeSysfs(files))
        XCTAssertEqual(t.distances, [[10, 20], [20, 10]])
    }

    // MARK: - sysfs: errors

    func testSysfsDistanceWithWrongCount() throws {
        var files = goodTwoNodeFiles()
        files[1]!["distance"] = "21 10 21\n"
        let root = try makeSysfs(files)
        expectInputError(fileSuffix: "node1/distance", line: 1, mentions: ["expected 2 distances", "node0, node1", "got 3"]) {
            _ = try SysfsImporter.load(path: root)
        }
    }

    func testSysfsNonNumericDistance() throws {
        var files = goodTwoNodeFiles()
        files[0]!["distance"] = "10 2x\n"
        let root = try makeSysfs(files)
        expectInputError(fileSuffix: "node0/distance", line: 1, mentions: ["expected a distance", "'2x'"]) {
            _ = try SysfsImporter.load(path: root)
        }
    }

    func testSysfsDiagonalOtherThanTenIsRejected() throws {
        var files = goodTwoNodeFiles()
        files[1]!["distance"] = "21 12\n"
        let root = try makeSysfs(files)
        expectInputError(fileSuffix: "node1/distance", mentions: ["expected 10", "got 12", "LOCAL_DISTANCE"]) {
            _ = try SysfsImporter.load(path: root)
        }
        files[1]!["distance"] = "10 10\n"
        let root2 = try makeSysfs(files)
        expectInputError(fileSuffix: "node1/distance", mentions: ["11...255", "got 10"]) {
            _ = try SysfsImporter.load(path: root2)
        }
    }

    func testSysfsPartialDistanceFiles() throws {
        var files = goodTwoNodeFiles()
        files[1]!["distance"] = nil
        let root = try makeSysfs(files)
        expectInputError(fileSuffix: "node1/distance", mentions: ["missing", "node0/distance exists", "every node<N>"]) {
            _ = try SysfsImporter.load(path: root)
        }
    }

    func testSysfsMissingMeminfo() throws {
        var files = goodTwoNodeFiles()
        files[1]!["meminfo"] = nil
        let root = try makeSysfs(files)
        expectInputError(fileSuffix: "node1/meminfo", mentions: ["missing", "MemTotal"]) {
            _ = try SysfsImporter.load(path: root)
        }
    }

    func testSysfsMeminfoOfAnotherNodeOrGarbage() throws {
        var files = goodTwoNodeFiles()
        files[1]!["meminfo"] = meminfo(0, totalKB: 1_048_576, freeKB: 10)
        let root = try makeSysfs(files)
        expectInputError(fileSuffix: "node1/meminfo", line: 1, mentions: ["node 0", "expected 'Node 1"]) {
            _ = try SysfsImporter.load(path: root)
        }
        files[1]!["meminfo"] = "Node 1 MemTotal:  lots kB\nNode 1 MemFree: 1 kB\n"
        let root2 = try makeSysfs(files)
        expectInputError(fileSuffix: "node1/meminfo", line: 1, mentions: ["MemTotal", "<number> kB"]) {
            _ = try SysfsImporter.load(path: root2)
        }
        files[1]!["meminfo"] = "Node 1 MemTotal:  1048576 kB\n"
        let root3 = try makeSysfs(files)
        expectInputError(fileSuffix: "node1/meminfo", mentions: ["MemFree", "missing"]) {
            _ = try SysfsImporter.load(path: root3)
        }
    }

    func testSysfsCpulistGarbage() throws {
        var files = goodTwoNodeFiles()
        files[0]!["cpulist"] = "0-x\n\0"
        let root = try makeSysfs(files)
        expectInputError(fileSuffix: "node0/cpulist", line: 1, mentions: ["expected a cpulist", "0-x"]) {
            _ = try SysfsImporter.load(path: root)
        }
        files[0]!["cpulist"] = nil
        files[0]!["cpumap"] = "zz\n"
        let root2 = try makeSysfs(files)
        expectInputError(fileSuffix: "node0/cpumap", line: 1, mentions: ["hex"]) {
            _ = try SysfsImporter.load(path: root2)
        }
    }

    func testSysfsCPUInTwoNodes() throws {
        var files = goodTwoNodeFiles()
        files[1]!["cpulist"] = "1-3\n"
        let root = try makeSysfs(files)
        expectInputError(fileSuffix: "node1/cpulist", line: 1, mentions: ["CPU 1 is also in node0"]) {
            _ = try SysfsImporter.load(path: root)
        }
    }

    func testSysfsWithoutNodeDirectories() throws {
        let root = try makeSysfs([:], extraDirs: ["power", "nodeX"])
        expectInputError(fileSuffix: "sys/devices/system/node", mentions: ["no node<N> directories", "expected a copy of /sys/devices/system/node"]) {
            _ = try SysfsImporter.load(path: root)
        }
        expectInputError(fileSuffix: "does-not-exist", mentions: ["does not exist"]) {
            _ = try SysfsImporter.load(path: root + "/does-not-exist")
        }
    }

    func testSysfsNodeWithoutAnyMemoryFailsToBoot() throws {
        var files = goodTwoNodeFiles()
        files[0]!["meminfo"] = meminfo(0, totalKB: 0, freeKB: 0)
        files[1]!["meminfo"] = meminfo(1, totalKB: 0, freeKB: 0)
        let t = try SysfsImporter.load(path: makeSysfs(files))
        XCTAssertThrowsError(try BootedMachine(topology: t)) { error in
            XCTAssertTrue("\(error)".contains("no node has memory"), "\(error)")
        }
    }

    // MARK: - numactl --hardware

    func testNumactlFixturesMatchTheSysfsSamples() throws {
        // 128arm-4n.txt is what numactl 2.0.16 prints for the 128arm sample: size/free are
        // MemTotal/MemFree in MiB, truncated.
        let arm = try NumactlImporter.load(path: Self.fixture("numactl/128arm-4n.txt"))
        XCTAssertEqual(arm.name, "128arm-4n")
        XCTAssertEqual(arm.nodeIDs, [0, 1, 2, 3])
        XCTAssertEqual(arm.nodes.map(\.cpus.description), ["0-31", "32-63", "64-95", "96-127"])
        XCTAssertEqual(arm.distances, [[10, 16, 32, 33], [16, 10, 25, 32], [32, 25, 10, 16], [33, 32, 16, 10]])
        XCTAssertEqual(arm.nodes.map(\.managed), [128_645, 129_021, 129_021, 127_990].map { UInt64($0) << 20 })
        XCTAssertEqual(arm.nodes.map(\.free), [127_116, 128_793, 75_616, 122_894].map { UInt64($0) << 20 })
        XCTAssertEqual(arm.nodes.map(\.memory), [1006, 1008, 1008, 1000].map { .size(UInt64($0) * Self.section) })
        let sysfs = try SysfsImporter.load(path: Self.sample("128arm-2pa2n8cluster4co"))
        XCTAssertEqual(arm.distances, sysfs.distances)
        XCTAssertEqual(arm.nodes.map(\.cpus), sysfs.nodes.map(\.cpus))

        let em = try NumactlImporter.load(path: Self.fixture("numactl/32em64t-2n.txt"))
        XCTAssertEqual(em.nodes.map(\.cpus.description), ["0-7", "8-15"])
        XCTAssertEqual(em.distances, [[10, 21], [21, 10]])
        XCTAssertEqual(em.nodes.map(\.managed), [16_354 << 20, 16_384 << 20])
        XCTAssertEqual(em.nodes.map(\.memory), [.size(16 << 30), .size(16 << 30)])

        for t in [arm, em] {
            let m = try BootedMachine(topology: t)
            XCTAssertEqual(try TopologyFile.parse(TopologyWriter.yaml(t)), t)
            for n in t.nodes {
                XCTAssertEqual((m.zones[n.id] ?? []).reduce(0) { $0 + $1.managed } * 4096, Int(n.managed ?? 0))
            }
        }
    }

    func testNumactlSparseNodesAndNoDistanceInformation() throws {
        let text = """
            available: 3 nodes (0-1,3)
            node 0 cpus: 0 1
            node 0 size: 2048 MB
            node 0 free: 1900 MB
            node 1 cpus:
            node 1 size: 1024 MB
            node 1 free: 1000 MB
            node 3 cpus: 2 3
            node 3 size: 0 MB
            node 3 free: 0 MB
            node distances:
            node   0   1   3 \u{20}
              0:  10  20  30 \u{20}
              1:  20  10  20 \u{20}
              3:  30  20  10 \u{20}

            """
        let t = try NumactlImporter.parse(text, file: "sparse.txt")
        XCTAssertEqual(t.nodeIDs, [0, 1, 3])
        XCTAssertEqual(t.nodes.map(\.cpus.description), ["0-1", "", "2-3"])
        XCTAssertEqual(t.nodes.map(\.memory), [.size(2048 << 20 + Self.section), .size(1 << 30), .size(0)])
        XCTAssertEqual(t.distances, [[10, 20, 30], [20, 10, 20], [30, 20, 10]])
        _ = try BootedMachine(topology: t)

        let noSLIT = """
            available: 2 nodes (0-1)
            node 0 cpus: 0
            node 0 size: 1024 MB
            node 0 free: 1000 MB
            node 1 cpus: 1
            node 1 size: 1024 MB
            node 1 free: 1000 MB
            No distance information available.
            """
        XCTAssertEqual(try NumactlImporter.parse(noSLIT, file: "x").distances, [[10, 20], [20, 10]])
    }

    func testNumactlErrorsNameTheLine() throws {
        let good = try String(contentsOfFile: Self.fixture("numactl/32em64t-2n.txt"), encoding: .utf8)
        var lines = good.components(separatedBy: "\n")

        var wrongCount = lines
        wrongCount[0] = "available: 3 nodes (0-1)"
        expectInputError(fileSuffix: "a.txt", line: 1, mentions: ["3 nodes", "lists 2"]) {
            _ = try NumactlImporter.parse(wrongCount.joined(separator: "\n"), file: "a.txt")
        }
        var missingNode = lines
        missingNode[0] = "available: 3 nodes (0-2)"
        expectInputError(fileSuffix: "a.txt", line: 1, mentions: ["node 2", "no 'node 2"]) {
            _ = try NumactlImporter.parse(missingNode.joined(separator: "\n"), file: "a.txt")
        }
        var garbageRow = lines
        garbageRow[10] = "  1:  21  ten "
        expectInputError(fileSuffix: "a.txt", line: 11, mentions: ["'ten'", "node 1"]) {
            _ = try NumactlImporter.parse(garbageRow.joined(separator: "\n"), file: "a.txt")
        }
        var shortRow = lines
        shortRow[9] = "  0:  10 "
        expectInputError(fileSuffix: "a.txt", line: 10, mentions: ["expected 2 distances", "got 1"]) {
            _ = try NumactlImporter.parse(shortRow.joined(separator: "\n"), file: "a.txt")
        }
        var badDiagonal = lines
        badDiagonal[9] = "  0:  11  21 "
        expectInputError(fileSuffix: "a.txt", line: 10, mentions: ["expected 10", "got 11"]) {
            _ = try NumactlImporter.parse(badDiagonal.joined(separator: "\n"), file: "a.txt")
        }
        var unknown = lines
        unknown[3] = "node 1 kittens: 4"
        expectInputError(fileSuffix: "a.txt", line: 4, mentions: ["expected 'node N cpus:", "kittens"]) {
            _ = try NumactlImporter.parse(unknown.joined(separator: "\n"), file: "a.txt")
        }
        var notAvailable = lines
        notAvailable[2] = "node 0 size: <not available>"
        expectInputError(fileSuffix: "a.txt", line: 3, mentions: ["<not available>", "<number> MB"]) {
            _ = try NumactlImporter.parse(notAvailable.joined(separator: "\n"), file: "a.txt")
        }
        var badHeader = lines
        badHeader[8] = "node   0   2 "
        expectInputError(fileSuffix: "a.txt", line: 9, mentions: ["header", "0 1"]) {
            _ = try NumactlImporter.parse(badHeader.joined(separator: "\n"), file: "a.txt")
        }
        var sharedCPU = lines
        sharedCPU[4] = "node 1 cpus: 7 8"
        expectInputError(fileSuffix: "a.txt", line: 5, mentions: ["CPU 7 is also in node 0"]) {
            _ = try NumactlImporter.parse(sharedCPU.joined(separator: "\n"), file: "a.txt")
        }
        var badFirst = lines
        badFirst[0] = "hello"
        expectInputError(fileSuffix: "a.txt", line: 1, mentions: ["available: N nodes"]) {
            _ = try NumactlImporter.parse(badFirst.joined(separator: "\n"), file: "a.txt")
        }
        lines.removeLast(5)
        expectInputError(fileSuffix: "a.txt", mentions: ["node distances:"]) {
            _ = try NumactlImporter.parse(lines.joined(separator: "\n"), file: "a.txt")
        }
        expectInputError(fileSuffix: "empty.txt", mentions: ["empty"]) {
            _ = try NumactlImporter.parse("\n", file: "empty.txt")
        }
    }

    // MARK: - /proc/zoneinfo

    static let nehalemYAML = """
        name: nehalem-2s
        nodes:
          - {id: 0, cpus: "0-1", memory: 1GiB}
          - {id: 1, cpus: "2-3", ranges: [{start: 0x40000000, size: 0x3ffdd000}]}
        distances: [[10, 21], [21, 10]]
        sysctl: {min_free_kbytes: 5626, transparent_hugepage: never}
        """
    static let bigYAML = """
        name: big-2s
        nodes:
          - {id: 0, cpus: "0-1", ranges: [{start: 0, size: 0xbffe0000}]}
          - {id: 1, cpus: "2-3", ranges: [{start: 0x100000000, size: 3GiB}]}
        distances: [[10, 21], [21, 10]]
        sysctl: {min_free_kbytes: 9821, transparent_hugepage: never}
        """

    func zoneinfoText(_ sample: String) throws -> String {
        try String(contentsOfFile: Self.fixture("kernel-samples/\(sample)/recomputed_zoneinfo.txt"), encoding: .utf8)
    }

    /// Only the zone headers and spanned/present/managed: everything else must be computed.
    func sizesOnly(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            let first = t.split(separator: " ").first.map(String.init) ?? ""
            return t.hasPrefix("Node ") || ["spanned", "present", "managed"].contains(first)
        }.joined(separator: "\n")
    }

    func testZoneinfoRecordsTheKernelsNumbers() throws {
        var t = try TopologyFile.parse(Self.nehalemYAML, file: "nehalem.yaml")
        let text = try zoneinfoText("nehalem-2s")
        try ZoneinfoImporter.apply(text: text, file: "recomputed_zoneinfo.txt", to: &t)
        let dma32 = try XCTUnwrap(t.node(0)?.zones["DMA32"])
        XCTAssertEqual(dma32, ZoneOverride(startPfn: 4096, spanned: 258_048, present: 258_048, managed: 242_463,
                                           free: 238_747, min: 682, low: 924, high: 1166,
                                           protection: [0, 0, 0, 0, 0], pcpHigh: 462, pcpBatch: 63))
        let normal = try XCTUnwrap(t.node(0)?.zones["Normal"])
        XCTAssertNil(normal.startPfn, "unpopulated zones have no start_pfn line")
        XCTAssertNil(normal.pcpHigh)
        XCTAssertEqual(normal.spanned, 0)
        XCTAssertEqual(t.nodes[0].memory, .size(1 << 30), "memory is left alone; the overrides win")

        let m = try BootedMachine(topology: t)
        let n0dma32 = try zone(m, 0, "DMA32")
        XCTAssertEqual(n0dma32.managed, 242_463)
        XCTAssertEqual([n0dma32.watermark.min, n0dma32.watermark.low, n0dma32.watermark.high], [682, 924, 1166])
        XCTAssertEqual(n0dma32.pcpHigh, 462)
        XCTAssertEqual(n0dma32.pcpBatch, 63)
        XCTAssertEqual(try zone(m, 0, "DMA").lowmemReserve, [0, 947, 947, 947, 947])
        let n1dma32 = try zone(m, 1, "DMA32")
        XCTAssertEqual(n1dma32.managed, 253_224)
        XCTAssertEqual([n1dma32.watermark.min, n1dma32.watermark.low, n1dma32.watermark.high], [712, 965, 1218])
        XCTAssertEqual(n1dma32.pcpHigh, 482)
        XCTAssertEqual(try TopologyFile.parse(TopologyWriter.yaml(t)), t)
    }

    /// With only spanned/present/managed recorded, numasim computes the kernel's watermarks,
    /// protection and pcp sizes itself (min_free_kbytes 5626, watermark_scale_factor 10):
    /// pages_min = 1406, lowmem = 3840 + 242463 + 253224 = 499527;
    /// node 0 DMA32: min = 1406·242463/499527 = 682, delta = max(170, 242) → low 924, high 1166,
    /// pcp high = 924 / 2 CPUs = 462; node 0 DMA protection = 242463 / 256 = 947;
    /// node 1 DMA32: min 712, delta 253 → 965, 1218, pcp high 482.
    func testZoneinfoSizesAloneReproduceTheKernelFormulasNehalem() throws {
        var t = try TopologyFile.parse(Self.nehalemYAML, file: "nehalem.yaml")
        try ZoneinfoImporter.apply(text: sizesOnly(try zoneinfoText("nehalem-2s")), file: "sizes", to: &t)
        XCTAssertNil(t.node(0)?.zones["DMA32"]?.min)
        XCTAssertNil(t.node(0)?.zones["DMA32"]?.pcpHigh)
        let m = try BootedMachine(topology: t)
        let n0dma32 = try zone(m, 0, "DMA32")
        XCTAssertEqual([n0dma32.watermark.min, n0dma32.watermark.low, n0dma32.watermark.high], [682, 924, 1166])
        XCTAssertEqual(n0dma32.pcpHigh, 462)
        XCTAssertEqual(n0dma32.pcpBatch, 63)
        XCTAssertEqual(try zone(m, 0, "DMA").lowmemReserve, [0, 947, 947, 947, 947])
        let n1dma32 = try zone(m, 1, "DMA32")
        XCTAssertEqual([n1dma32.watermark.min, n1dma32.watermark.low, n1dma32.watermark.high], [712, 965, 1218])
        XCTAssertEqual(n1dma32.pcpHigh, 482)
        try compareEveryZone(m, with: try zoneinfoText("nehalem-2s"))
    }

    /// big-2s, min_free_kbytes 9821 (sys_vm_min_free_kbytes.txt): pages_min = 2455,
    /// lowmem = 3840 + 742143 + 769160 = 1515143. DMA: min 2455·3840/1515143 = 6, delta
    /// max(1, 3) = 3 → 9, 12; protection 742143/256 = 2898. DMA32: min 1202, delta 742 → 1944,
    /// 2686, pcp high 1944/2 = 972. Node 1 Normal: min 1246, delta 769 → 2015, 2784, pcp 1007.
    func testZoneinfoBig2sRecordedAndComputed() throws {
        let text = try zoneinfoText("big-2s")
        let mfk = try String(contentsOfFile: Self.fixture("kernel-samples/big-2s/sys_vm_min_free_kbytes.txt"), encoding: .utf8)
        XCTAssertEqual(mfk.trimmingCharacters(in: .whitespacesAndNewlines), "9821")
        for recordEverything in [true, false] {
            var t = try TopologyFile.parse(Self.bigYAML, file: "big.yaml")
            try ZoneinfoImporter.apply(text: recordEverything ? text : sizesOnly(text), file: "z", to: &t)
            let m = try BootedMachine(topology: t)
            let dma = try zone(m, 0, "DMA")
            XCTAssertEqual([dma.watermark.min, dma.watermark.low, dma.watermark.high], [6, 9, 12], "record all: \(recordEverything)")
            XCTAssertEqual(dma.lowmemReserve, [0, 2898, 2898, 2898, 2898])
            let dma32 = try zone(m, 0, "DMA32")
            XCTAssertEqual([dma32.watermark.min, dma32.watermark.low, dma32.watermark.high], [1202, 1944, 2686])
            XCTAssertEqual(dma32.pcpHigh, 972)
            let normal = try zone(m, 1, "Normal")
            XCTAssertEqual([normal.watermark.min, normal.watermark.low, normal.watermark.high], [1246, 2015, 2784])
            XCTAssertEqual(normal.pcpHigh, 1007)
            try compareEveryZone(m, with: text)
        }
    }

    /// Every populated zone's min/low/high, protection and pcp high/batch against the kernel's file.
    func compareEveryZone(_ m: BootedMachine, with text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for k in parseKernelZoneinfo(text) where (k.fields["present"] ?? 0) > 0 {
            let z = try zone(m, k.node, k.name)
            let label = "node \(k.node) \(k.name)"
            XCTAssertEqual(z.managed, k.fields["managed"], label, file: file, line: line)
            XCTAssertEqual(z.watermark.min, k.fields["min"], label, file: file, line: line)
            XCTAssertEqual(z.watermark.low, k.fields["low"], label, file: file, line: line)
            XCTAssertEqual(z.watermark.high, k.fields["high"], label, file: file, line: line)
            XCTAssertEqual(z.lowmemReserve, k.protection, label, file: file, line: line)
            XCTAssertEqual(z.pcpHigh, k.pcpHigh, label, file: file, line: line)
            XCTAssertEqual(z.pcpBatch, k.pcpBatch, label, file: file, line: line)
        }
    }

    func testZoneinfoErrors() throws {
        var t = try TopologyFile.parse(Self.nehalemYAML, file: "nehalem.yaml")
        let text = try zoneinfoText("nehalem-2s")

        let otherNode = text.replacingOccurrences(of: "Node 1, zone   Normal", with: "Node 7, zone   Normal")
        let node7Line = otherNode.components(separatedBy: "\n").firstIndex { $0.hasPrefix("Node 7") }.map { $0 + 1 }
        expectInputError(fileSuffix: "zi.txt", line: node7Line, mentions: ["node 7 is not in the topology (nodes: 0, 1)"]) {
            try ZoneinfoImporter.apply(text: otherNode, file: "zi.txt", to: &t)
        }

        var lines = text.components(separatedBy: "\n")
        let managedIndex = try XCTUnwrap(lines.firstIndex { $0.contains("managed  242463") })
        lines[managedIndex] = "        managed  24x463"
        expectInputError(fileSuffix: "zi.txt", line: managedIndex + 1, mentions: ["managed", "expected a number of pages", "24x463"]) {
            try ZoneinfoImporter.apply(text: lines.joined(separator: "\n"), file: "zi.txt", to: &t)
        }

        var statLines = text.components(separatedBy: "\n")
        let statIndex = try XCTUnwrap(statLines.firstIndex { $0.contains("nr_free_pages") })
        statLines[statIndex] = "      nr_free_pages many"
        expectInputError(fileSuffix: "zi.txt", line: statIndex + 1, mentions: ["nr_free_pages", "expected a number"]) {
            try ZoneinfoImporter.apply(text: statLines.joined(separator: "\n"), file: "zi.txt", to: &t)
        }

        var protLines = text.components(separatedBy: "\n")
        let protIndex = try XCTUnwrap(protLines.firstIndex { $0.contains("protection:") })
        protLines[protIndex] = "        protection: (0, 947, 947, 947)"
        expectInputError(fileSuffix: "zi.txt", line: protIndex + 1, mentions: ["expected 5 values", "got 4"]) {
            try ZoneinfoImporter.apply(text: protLines.joined(separator: "\n"), file: "zi.txt", to: &t)
        }

        expectInputError(fileSuffix: "zi.txt", line: 1, mentions: ["unknown zone 'HighMem'", "DMA32"]) {
            try ZoneinfoImporter.apply(text: "Node 0, zone  HighMem\n  pages free     0\n", file: "zi.txt", to: &t)
        }
        expectInputError(fileSuffix: "zi.txt", line: 1, mentions: ["expected a zone header"]) {
            try ZoneinfoImporter.apply(text: "  pages free     0\n", file: "zi.txt", to: &t)
        }
        expectInputError(fileSuffix: "zi.txt", line: 1, mentions: ["managed (9) exceeds present (5)"]) {
            try ZoneinfoImporter.apply(text: "Node 0, zone      DMA\n        present  5\n        managed  9\n", file: "zi.txt", to: &t)
        }
        expectInputError(fileSuffix: "empty.txt", mentions: ["empty"]) {
            try ZoneinfoImporter.apply(text: "\n\0", file: "empty.txt", to: &t)
        }
        expectInputError(fileSuffix: "/nonexistent/zoneinfo", mentions: ["cannot read"]) {
            try ZoneinfoImporter.apply(path: "/nonexistent/zoneinfo", to: &t)
        }
        XCTAssertEqual(t, try TopologyFile.parse(Self.nehalemYAML, file: "nehalem.yaml"), "a failed import changes nothing")
    }

    /// The kernel samples saved node<N>/{cpulist,distance,meminfo} as nodes/nodeN.*.txt: put them
    /// back into a sysfs tree.
    func sysfsTree(fromKernelSample sample: String) throws -> String {
        var files: [Int: [String: String]] = [:]
        for id in 0...1 {
            for name in ["cpulist", "distance", "meminfo"] {
                files[id, default: [:]][name] = try String(
                    contentsOfFile: Self.fixture("kernel-samples/\(sample)/nodes/node\(id).\(name).txt"), encoding: .utf8)
            }
        }
        return try makeSysfs(files)
    }

    /// The whole workflow on a real 6.1 machine: its sysfs node files, then its zoneinfo.
    /// nehalem-2s: MemTotal 985212 kB = 246303 pages = DMA 3840 + DMA32 242463, so even sysfs alone
    /// gives the kernel's per-zone managed counts (DMA loses the 158 pages below 1 MiB, the rest
    /// is DMA32) and the kernel's watermarks; the zoneinfo then pins everything.
    func testSysfsThenZoneinfoOfTheSameMachine() throws {
        let kernel = try zoneinfoText("nehalem-2s")
        var t = try SysfsImporter.load(path: sysfsTree(fromKernelSample: "nehalem-2s"))
        XCTAssertEqual(t.nodes.map(\.managed), [985_212 * 1024, 1_012_896 * 1024])
        t.sysctl.minFreeKbytes = 5626
        t.sysctl.transparentHugepage = .never
        try compareEveryZone(BootedMachine(topology: t), with: kernel)
        try ZoneinfoImporter.apply(text: sizesOnly(kernel), file: "zoneinfo", to: &t)
        try compareEveryZone(BootedMachine(topology: t), with: kernel)
        try ZoneinfoImporter.apply(text: kernel, file: "zoneinfo", to: &t)
        try compareEveryZone(BootedMachine(topology: t), with: kernel)
        XCTAssertEqual(try TopologyFile.parse(TopologyWriter.yaml(t)), t)

        // big-2s: sysfs has no physical addresses, so numasim lays node 1 right after node 0 and
        // part of it lands in DMA32; the zoneinfo's spans put it back in Normal, as on the machine.
        let big = try zoneinfoText("big-2s")
        var b = try SysfsImporter.load(path: sysfsTree(fromKernelSample: "big-2s"))
        b.sysctl.minFreeKbytes = 9821
        b.sysctl.transparentHugepage = .never
        try ZoneinfoImporter.apply(text: sizesOnly(big), file: "zoneinfo", to: &b)
        let m = try BootedMachine(topology: b)
        XCTAssertEqual(try zone(m, 1, "DMA32").present, 0)
        try compareEveryZone(m, with: big)
    }

    func testZoneinfoOfAnotherMachineIsRejected() throws {
        var t = try SysfsImporter.load(path: Self.sample("16amd64-8n2c"))
        expectInputError(fileSuffix: "proc_zoneinfo.txt", line: 1,
                         mentions: ["node 0 manage 246303 pages", "2096676 pages", "same machine"]) {
            try ZoneinfoImporter.apply(path: Self.fixture("kernel-samples/nehalem-2s/proc_zoneinfo.txt"), to: &t)
        }
    }

    func testZoneinfoFromFileOnSysfsImport() throws {
        // The command-line path: a sysfs import plus a zoneinfo file of the same machine.
        var t = try TopologyFile.parse(Self.bigYAML, file: "big.yaml")
        try ZoneinfoImporter.apply(path: Self.fixture("kernel-samples/big-2s/proc_zoneinfo.txt"), to: &t)
        XCTAssertEqual(t.node(1)?.zones["Normal"]?.startPfn, 1_048_576)
        XCTAssertEqual(t.node(1)?.zones["Normal"]?.managed, 769_160)
        _ = try BootedMachine(topology: t)
    }

    // MARK: - this host

    func testHostImportThroughLibnuma() throws {
        let t = try HostImporter.load()
        XCTAssertGreaterThanOrEqual(t.nodes.count, 1)
        for n in t.nodes where !n.memory.isEmpty {
            XCTAssertGreaterThan(n.managed ?? 0, 0, "node \(n.id)")
        }
        for i in t.distances.indices { XCTAssertEqual(t.distances[i][i], 10) }
        XCTAssertFalse(t.allCPUs.isEmpty)
        _ = try BootedMachine(topology: t)
        XCTAssertEqual(try TopologyFile.parse(TopologyWriter.yaml(t)), t)
    }

    func testHostSysfsFallback() throws {
        let t = try HostImporter.load(sysfsFallbackRoot: Self.sample("32em64t-2n8c+dax+nvme+mic+dimms"), useLibnuma: false)
        XCTAssertEqual(t.nodeIDs, [0, 1])
        XCTAssertEqual(t.distances, [[10, 21], [21, 10]])
        expectInputError(fileSuffix: "/no/such/node/dir", mentions: ["NUMA unavailable", "does not exist"]) {
            _ = try HostImporter.load(sysfsFallbackRoot: "/no/such/node/dir", useLibnuma: false)
        }
    }
}
