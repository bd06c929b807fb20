import Foundation
import XCTest
import NumaTestSupport
@testable import NumaTopology

/// The importers (sysfs copy, `numactl --hardware`, /proc/zoneinfo, this host through libnuma)
/// against real machines' files, plus broken inputs that must fail with a useful InputError.
/// Imports that must also boot are NumaCoreTests' ImportBootTests.
final class ImportTests: XCTestCase {
    func testSysfsSamplesImportNodesCPUsDistancesAndMemory() throws {
        for e in ImportFixtures.expected {
            let t = try SysfsImporter.load(path: ImportFixtures.sample(e.name))
            XCTAssertEqual(t.name, e.name)
            XCTAssertEqual(t.arch, .x86_64)
            XCTAssertEqual(t.source, "sysfs copy at \(ImportFixtures.sample(e.name))")
            XCTAssertEqual(t.nodeIDs, e.ids, e.name)
            XCTAssertEqual(t.nodes.map(\.cpus.description), e.cpus, e.name)
            XCTAssertEqual(t.distances, e.distances, e.name)
            XCTAssertEqual(t.nodes.map(\.managed), e.memTotalKB.map { $0 * 1024 }, e.name)
            XCTAssertEqual(t.nodes.map(\.free), e.memFreeKB.map { $0 * 1024 }, e.name)
            XCTAssertEqual(t.nodes.map(\.memory), e.memTotalKB.map { .size(ImportFixtures.roundedUp($0 * 1024)) }, e.name)
        }
        // Spot checks against the raw files.
        let arm = try SysfsImporter.load(path: ImportFixtures.sample("128arm-2pa2n8cluster4co"))
        XCTAssertEqual(arm.nodes[0].managed, 131_732_940 * 1024)
        XCTAssertEqual(arm.nodes[0].memory, .size(1006 * ImportFixtures.section)) // 128645.4 MiB → 1006 sections
        let amd = try SysfsImporter.load(path: ImportFixtures.sample("16amd64-8n2c"))
        XCTAssertEqual(amd.nodes[1].memory, .size(8 << 30)) // MemTotal exactly 8 GiB stays 8 GiB
    }


    func testSysfsAcceptsSysRootAndNodeDirectory() throws {
        for e in ImportFixtures.expected {
            let forms = [ImportFixtures.sample(e.name), ImportFixtures.sample(e.name) + "/sys", ImportFixtures.sample(e.name) + "/sys/devices/system/node"]
            var loaded = try forms.map { try SysfsImporter.load(path: $0) }
            for i in loaded.indices { loaded[i].source = nil }
            XCTAssertEqual(loaded[0], loaded[1], e.name)
            XCTAssertEqual(loaded[0], loaded[2], e.name)
            XCTAssertEqual(loaded[2].name, e.name)
        }
    }


    func testSysfsImportsRoundTripThroughYAML() throws {
        for e in ImportFixtures.expected {
            let t = try SysfsImporter.load(path: ImportFixtures.sample(e.name))
            let back = try TopologyFile.parse(TopologyWriter.yaml(t), file: "\(e.name).yaml")
            XCTAssertEqual(back, t, e.name)
        }
    }


    func testSysfsWithoutDistanceFilesUsesKernelDefault() throws {
        var files = goodTwoNodeFiles()
        files[0]!["distance"] = nil
        files[1]!["distance"] = nil
        let t = try SysfsImporter.load(path: makeSysfs(files))
        XCTAssertEqual(t.distances, [[10, 20], [20, 10]])
    }


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
    }


    /// A meminfo without MemFree is accepted with a warning naming the file: the node's free
    /// count stays unrecorded (all managed memory free at the start).
    func testSysfsMeminfoWithoutMemFreeWarns() throws {
        var files = goodTwoNodeFiles()
        files[1]!["meminfo"] = "Node 1 MemTotal:  1048576 kB\n"
        let root = try makeSysfs(files)
        var warnings: [InputWarning] = []
        let t = try SysfsImporter.load(path: root, warnings: &warnings)
        XCTAssertEqual(t.nodes[1].managed, 1_048_576 * 1024)
        XCTAssertNil(t.nodes[1].free)
        XCTAssertEqual(t.nodes[0].free, 900_000 * 1024)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].file.hasSuffix("node1/meminfo"), warnings.description)
        XCTAssertEqual(warnings[0].key, "MemFree")
        XCTAssertTrue(warnings[0].message.contains("missing") && warnings[0].message.contains("assumed all"), warnings[0].message)
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
        // A buggy SRAT: the kernel keeps the first node's claim, so node0 keeps CPU 1.
        var warnings: [InputWarning] = []
        let t = try SysfsImporter.load(path: root, warnings: &warnings)
        XCTAssertEqual(t.nodes.map(\.cpus.description), ["0-1", "2-3"])
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].file.hasSuffix("node1/cpulist"), warnings.description)
        XCTAssertEqual(warnings[0].line, 1)
        XCTAssertTrue(warnings[0].message.contains("CPU 1 also in node0"), warnings[0].message)
        XCTAssertTrue(warnings[0].description.contains("node1/cpulist:1: CPU 1"), warnings[0].description)
        // No warnings for a clean tree.
        var none: [InputWarning] = []
        _ = try SysfsImporter.load(path: try makeSysfs(goodTwoNodeFiles()), warnings: &none)
        XCTAssertEqual(none, [])
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


    func testNumactlErrorsNameTheLine() throws {
        let good = try String(contentsOfFile: ImportFixtures.fixture("numactl/32em64t-2n.txt"), encoding: .utf8)
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


    func testZoneinfoErrors() throws {
        var t = try TopologyFile.parse(ImportFixtures.nehalemYAML, file: "nehalem.yaml")
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
        // Named at the managed line, not the zone header.
        expectInputError(fileSuffix: "zi.txt", line: 3, mentions: ["managed (9) exceeds present (5)"]) {
            try ZoneinfoImporter.apply(text: "Node 0, zone      DMA\n        present  5\n        managed  9\n", file: "zi.txt", to: &t)
        }
        expectInputError(fileSuffix: "empty.txt", mentions: ["empty"]) {
            try ZoneinfoImporter.apply(text: "\n\0", file: "empty.txt", to: &t)
        }
        expectInputError(fileSuffix: "/nonexistent/zoneinfo", mentions: ["cannot read"]) {
            try ZoneinfoImporter.apply(path: "/nonexistent/zoneinfo", to: &t)
        }
        XCTAssertEqual(t, try TopologyFile.parse(ImportFixtures.nehalemYAML, file: "nehalem.yaml"), "a failed import changes nothing")
    }


    func testZoneinfoOfAnotherMachineIsRejected() throws {
        var t = try SysfsImporter.load(path: ImportFixtures.sample("16amd64-8n2c"))
        expectInputError(fileSuffix: "proc_zoneinfo.txt", line: 1,
                         mentions: ["node 0 manage 246303 pages", "2096676 pages", "same machine"]) {
            try ZoneinfoImporter.apply(path: ImportFixtures.fixture("kernel-samples/nehalem-2s/proc_zoneinfo.txt"), to: &t)
        }
    }


    func testHostSysfsFallback() throws {
        let t = try HostImporter.load(sysfsFallbackRoot: ImportFixtures.sample("32em64t-2n8c+dax+nvme+mic+dimms"), useLibnuma: false)
        XCTAssertEqual(t.nodeIDs, [0, 1])
        XCTAssertEqual(t.distances, [[10, 21], [21, 10]])
        expectInputError(fileSuffix: "/no/such/node/dir", mentions: ["NUMA unavailable", "does not exist"]) {
            _ = try HostImporter.load(sysfsFallbackRoot: "/no/such/node/dir", useLibnuma: false)
        }
    }
}
