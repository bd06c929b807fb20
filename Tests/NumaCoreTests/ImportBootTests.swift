import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// Imported machines boot as the kernel booted them: managed pages, zonelists, watermarks and
/// every zoneinfo number of the real machines the samples come from.
final class ImportBootTests: XCTestCase {
    func zone(_ m: BootedMachine, _ node: Int, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> BootZone {
        let z = try XCTUnwrap(m.zones[node]?.first { $0.name == name }, "node \(node) zone \(name)", file: file, line: line)
        return z
    }


    func testSysfsImportsBootWithManagedEqualToMemTotal() throws {
        for e in ImportFixtures.expected {
            let t = try SysfsImporter.load(path: ImportFixtures.sample(e.name))
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
        let amd = try BootedMachine(topology: SysfsImporter.load(path: ImportFixtures.sample("16amd64-8n2c")))
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
        let msc = try BootedMachine(topology: SysfsImporter.load(path: ImportFixtures.sample("memorysidecaches")))
        XCTAssertEqual(orders(msc.bootZonelists), [[0, 2, 1, 3], [1, 3, 2, 0], [2, 0, 3, 1], [3, 1, 0, 2]])

        // 128arm, rows 10 16 32 33 / 16 10 25 32 / 32 25 10 16 / 33 32 16 10 (distinct distances,
        // so node_load and the lower-id penalty never change the order: pure distance ranking).
        // Node 0: 1 (16), 2 (32), 3 (33). Node 1: 0 (16+1), 2 (25), 3 (32).
        // Node 2: 3 (16), 1 (25+1), 0 (32+1). Node 3: 2 (16+1), 1 (32+1), 0 (33+1).
        let arm = try BootedMachine(topology: SysfsImporter.load(path: ImportFixtures.sample("128arm-2pa2n8cluster4co")))
        XCTAssertEqual(orders(arm.bootZonelists), [[0, 1, 2, 3], [1, 0, 2, 3], [2, 3, 1, 0], [3, 2, 1, 0]])

        let em = try BootedMachine(topology: SysfsImporter.load(path: ImportFixtures.sample("32em64t-2n8c+dax+nvme+mic+dimms")))
        XCTAssertEqual(orders(em.bootZonelists), [[0, 1], [1, 0]])
    }


    func testSysfsSparseIDsMemorylessNodeAndCpumapFallback() throws {
        let root = try makeSysfs([
            0: ["cpumap": "00000000,00000003\n", "distance": "10 21 31\n", "meminfo": "\n" + meminfo(0, totalKB: 2_097_152, freeKB: 2_000_000)],
            2: ["cpulist": "2-3\n\0", "distance": "21 10 21\n", "meminfo": meminfo(2, totalKB: 0, freeKB: 0)],
            5: ["distance": "31 21 10\n", "meminfo": meminfo(5, totalKB: 1_048_576, freeKB: 1_048_576)],
        ])
        let t = try SysfsImporter.load(path: root)
        XCTAssertEqual(t.nodeIDs, [0, 2, 5])
        XCTAssertEqual(t.nodes.map(\.cpus.description), ["0-1", "2-3", ""])
        XCTAssertEqual(t.nodes.map(\.memory), [.size(ImportFixtures.roundedUp(2 << 30 + 98 * 4096)), .size(0), .size(1 << 30)])
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
        XCTAssertEqual(t.nodes[0].memory, .size((1 << 30) + ImportFixtures.section))
        XCTAssertEqual(t.nodes[0].managed, 1 << 30)
        let m = try BootedMachine(topology: t)
        XCTAssertEqual(m.zones[0]!.reduce(0) { $0 + $1.managed }, 262_144)
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


    func testNumactlFixturesMatchTheSysfsSamples() throws {
        // 128arm-4n.txt is what numactl 2.0.16 prints for the 128arm sample: size/free are
        // MemTotal/MemFree in MiB, truncated.
        let arm = try NumactlImporter.load(path: ImportFixtures.fixture("numactl/128arm-4n.txt"))
        XCTAssertEqual(arm.name, "128arm-4n")
        XCTAssertEqual(arm.nodeIDs, [0, 1, 2, 3])
        XCTAssertEqual(arm.nodes.map(\.cpus.description), ["0-31", "32-63", "64-95", "96-127"])
        XCTAssertEqual(arm.distances, [[10, 16, 32, 33], [16, 10, 25, 32], [32, 25, 10, 16], [33, 32, 16, 10]])
        XCTAssertEqual(arm.nodes.map(\.managed), [128_645, 129_021, 129_021, 127_990].map { UInt64($0) << 20 })
        XCTAssertEqual(arm.nodes.map(\.free), [127_116, 128_793, 75_616, 122_894].map { UInt64($0) << 20 })
        XCTAssertEqual(arm.nodes.map(\.memory), [1006, 1008, 1008, 1000].map { .size(UInt64($0) * ImportFixtures.section) })
        let sysfs = try SysfsImporter.load(path: ImportFixtures.sample("128arm-2pa2n8cluster4co"))
        XCTAssertEqual(arm.distances, sysfs.distances)
        XCTAssertEqual(arm.nodes.map(\.cpus), sysfs.nodes.map(\.cpus))

        let em = try NumactlImporter.load(path: ImportFixtures.fixture("numactl/32em64t-2n.txt"))
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
        XCTAssertEqual(t.nodes.map(\.memory), [.size(2048 << 20 + ImportFixtures.section), .size(1 << 30), .size(0)])
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


    func testZoneinfoRecordsTheKernelsNumbers() throws {
        var t = try TopologyFile.parse(ImportFixtures.nehalemYAML, file: "nehalem.yaml")
        let text = try zoneinfoText("nehalem-2s")
        try ZoneinfoImporter.apply(text: text, file: "recomputed_zoneinfo.txt", to: &t)
        let dma32 = try XCTUnwrap(t.node(0)?.zones["DMA32"])
        var expected = ZoneOverride(startPfn: 4096, spanned: 258_048, present: 258_048, managed: 242_463,
                                    free: 238_747, min: 682, low: 924, high: 1166,
                                    protection: [0, 0, 0, 0, 0], pcpHigh: 462, pcpBatch: 63)
        // The state at the capture: every CPU's pageset count and the zone's LRU pages.
        expected.pcpCount = [319, 339, 3, 285]
        expected.lru = LRUCounts(activeAnon: 1)
        XCTAssertEqual(dma32, expected)
        let normal = try XCTUnwrap(t.node(0)?.zones["Normal"])
        XCTAssertNil(normal.startPfn, "unpopulated zones have no start_pfn line")
        XCTAssertNil(normal.pcpHigh)
        XCTAssertEqual(normal.spanned, 0)
        // The zones' spans place the node's memory (dmesg: node 0 [mem 0x1000-0x3fffffff]).
        XCTAssertEqual(t.nodes[0].memory, .ranges([MemoryRange(start: 0x1000, size: (1 << 30) - 0x1000)]),
                       "the zones' spans give the node's memory")

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
        var t = try TopologyFile.parse(ImportFixtures.nehalemYAML, file: "nehalem.yaml")
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
        let mfk = try String(contentsOfFile: ImportFixtures.fixture("kernel-samples/big-2s/sys_vm_min_free_kbytes.txt"), encoding: .utf8)
        XCTAssertEqual(mfk.trimmingCharacters(in: .whitespacesAndNewlines), "9821")
        for recordEverything in [true, false] {
            var t = try TopologyFile.parse(ImportFixtures.bigYAML, file: "big.yaml")
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


    /// The reported bug: big-2s's sysfs node files plus its own zoneinfo imported, then every
    /// stress ended with node 1 Normal holding 491520 of its 769160 managed pages. Sysfs has no
    /// addresses, so node 1 was laid right after node 0 (pfn 753664…1540095) while the zoneinfo
    /// put Normal at pfn 1048576 (4 GiB): boot freed only the overlap. The zones' spans now give
    /// the nodes' memory, as dmesg's "Early memory node ranges" show it.
    func testBig2sSysfsAndItsZoneinfoBootAllocateAndKeepTheInvariants() throws {
        let sysfs = try sysfsTree(fromKernelSample: "big-2s")
        let shortNormal = "Node 1, zone   Normal\n        spanned  786432\n        present  786432\n        managed  769160\n"
        for name in ["final_zoneinfo.txt", "recomputed_zoneinfo.txt", "four-lines"] {
            var t = try SysfsImporter.load(path: sysfs)
            if name == "four-lines" {
                try ZoneinfoImporter.apply(text: shortNormal, file: name, to: &t)
            } else {
                try ZoneinfoImporter.apply(path: ImportFixtures.fixture("kernel-samples/big-2s/\(name)"), to: &t)
            }
            // node 0: [mem 0x1000-0xbffdffff] (legacy holes removed by the boot), node 1: [mem 0x100000000-0x1bfffffff].
            if name != "four-lines" {
                XCTAssertEqual(t.node(0)?.memory, .ranges([MemoryRange(start: 0x1000, size: 0xbffe0000 - 0x1000)]), name)
            }
            XCTAssertEqual(t.node(1)?.memory, .ranges([MemoryRange(start: 0x1_0000_0000, size: 3 << 30)]), name)
            let m = try BootedMachine(topology: t)
            let a = PageAllocator(machine: m)
            let kernel = name == "four-lines" ? [] : parseKernelZoneinfo(
                try String(contentsOfFile: ImportFixtures.fixture("kernel-samples/big-2s/\(name)"), encoding: .utf8))
            for k in kernel where (k.fields["present"] ?? 0) > 0 {
                let idx = try XCTUnwrap(t.arch.zoneNames.firstIndex(of: k.name))
                let z = a.zone(node: k.node, index: idx)
                XCTAssertEqual(z.managed, k.fields["managed"], "\(name) node \(k.node) \(k.name) managed")
                XCTAssertEqual(z.nrFreePages, k.fields["free"], "\(name) node \(k.node) \(k.name) free")
                XCTAssertEqual(z.startPfn, k.fields["start_pfn"] ?? z.startPfn, "\(name) node \(k.node) \(k.name) start_pfn")
            }
            let normal1 = a.zone(node: 1, index: try XCTUnwrap(t.arch.zoneIndex(.normal)))
            XCTAssertEqual(normal1.managed, 769_160, name)
            XCTAssertEqual(normal1.startPfn, 1_048_576, name)

            // Fill node 1 (and spill to node 0), free half, and check every page is accounted.
            var held: [AllocatedBlock] = []
            var rng = TestRNG(seed: 7)
            for step in 0..<4_000 {
                let r = rng.next()
                if r % 4 != 0 || held.isEmpty {
                    let order = r & (1 << 20) != 0 ? 9 : 0
                    if case .success(let b) = a.allocPages(gfp: .highUserMovable, order: order, preferredNode: 1, cpu: 2 + step % 2) {
                        held.append(b)
                    }
                } else {
                    let i = Int(r >> 8) % held.count
                    held.swapAt(i, held.count - 1)
                    a.freePages(held.removeLast(), cpu: 2)
                }
            }
            for report in a.checkInvariants() {
                XCTAssertTrue(report.ok, "\(name): \(report.violations)")
            }
            for z in a.allZones where z.managed > 0 {
                let r = z.checkInvariants()
                XCTAssertEqual(r.freePages + r.pcpPages + r.allocatedPages, z.managed, "\(name) node \(z.node) \(z.name)")
            }
        }
    }


    func testZoneinfoFromFileOnSysfsImport() throws {
        // The command-line path: a sysfs import plus a zoneinfo file of the same machine.
        var t = try TopologyFile.parse(ImportFixtures.bigYAML, file: "big.yaml")
        try ZoneinfoImporter.apply(path: ImportFixtures.fixture("kernel-samples/big-2s/proc_zoneinfo.txt"), to: &t)
        XCTAssertEqual(t.node(1)?.zones["Normal"]?.startPfn, 1_048_576)
        XCTAssertEqual(t.node(1)?.zones["Normal"]?.managed, 769_160)
        _ = try BootedMachine(topology: t)
    }


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
}
