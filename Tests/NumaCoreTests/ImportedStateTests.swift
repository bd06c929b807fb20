import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// A machine booted into the state its /proc files recorded behaves as the kernel did from
/// there: the pages on its pcp lists are allocated first, a fallback steal boosts the watermark
/// and wakes kswapd, and a node recorded unreclaimable has kswapd given up.
final class ImportedStateTests: XCTestCase {
    func fixture(_ sample: String, _ file: String) -> String { ImportFixtures.fixture("kernel-samples/\(sample)/\(file)") }

    func imported(_ sample: String, zoneinfo: String, pagetypeinfo: String? = nil, sysctls: [String]) throws -> Topology {
        var t = try SysfsImporter.load(path: try sysfsTree(fromKernelSample: sample))
        try ZoneinfoImporter.apply(path: fixture(sample, zoneinfo), to: &t)
        var warnings: [InputWarning] = []
        if let p = pagetypeinfo { try PagetypeinfoImporter.apply(path: fixture(sample, p), to: &t, warnings: &warnings) }
        for s in sysctls { try t.sysctl.apply(assignment: s, arch: t.arch) }
        return t
    }

    func assertWithin1Percent(_ ours: Int, _ kernel: Int, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(Double(ours - kernel)), max(1, Double(kernel) * 0.01), "\(what): numasim \(ours), kernel \(kernel)",
                                 file: file, line: line)
    }

    /// big-2s wl1: CPU 0 first-touches 922141 pages (node 0's free memory + 25 %). The capture
    /// had 4906 pages on pcp lists; CPU 0's Movable list of node 0 DMA32 is used before the buddy.
    func testFirstTouchUsesTheImportedPcpPagesFirst() throws {
        let t = try imported("big-2s", zoneinfo: "workloads/wl1_firsttouch.zoneinfo_before.txt",
                             sysctls: ["vm.min_free_kbytes=9821", "transparent_hugepage=never"])
        let recorded = try XCTUnwrap(t.node(0)?.zones["DMA32"]?.pcpCount)
        let a = PageAllocator(machine: try BootedMachine(topology: t))
        let dma32 = a.zone(node: 0, index: try XCTUnwrap(t.arch.zoneIndex(.dma32)))
        XCTAssertEqual((0..<recorded.count).map { dma32.pcp[$0].count }, recorded, "every CPU's pcp holds its recorded count")
        let cpu0 = dma32.pcp[0].count
        XCTAssertGreaterThan(cpu0, 0)
        let onList = dma32.memmap.pfns(of: dma32.pcp[0].lists[PerCPUPages.pindex(order: 0, .movable)])
        XCTAssertEqual(onList.count, cpu0, "user pages sit on the Movable list")
        let freeBefore = dma32.nrFreePages

        var served = [0, 0]
        var first: [Int] = []
        for i in 0..<922_141 {
            // The first touch of each 2 MiB allocates its page-table page (GFP_PGTABLE_USER).
            if i % 512 == 0 && i >= cpu0, case .failure(let f) = a.allocPages(gfp: .kernel, order: 0, preferredNode: 0, cpu: 0) {
                return XCTFail("page table: \(f)")
            }
            switch a.allocPages(gfp: .highUserMovable, order: 0, preferredNode: 0, cpu: 0) {
            case .success(let b):
                served[b.node] += 1
                if i < cpu0 { first.append(b.pfn) }
                if i == cpu0 - 1 {
                    XCTAssertEqual(dma32.nrFreePages, freeBefore, "the first \(cpu0) pages came from the pcp list, not the buddy")
                    XCTAssertEqual(dma32.pcp[0].count, 0)
                }
            case .failure(let f): XCTFail("\(f)"); return
            }
        }
        XCTAssertEqual(first, onList, "the imported pcp pages are allocated first, head to tail")
        // The kernel's move_pages: 731398 pages on node 0, 190743 on node 1.
        print("first touch from the imported state: node 0 \(served[0]) (kernel 731398), node 1 \(served[1]) (kernel 190743)")
        assertWithin1Percent(served[0], 731_398, "pages placed on node 0")
        assertWithin1Percent(served[1], 190_743, "pages placed on node 1")
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// An Unmovable allocation that finds no Unmovable or Reclaimable free block falls back into
    /// a Movable pageblock below pageblock order: `steal_suitable_fallback` → `boost_watermark`
    /// raises the zone's watermarks by a pageblock and `rmqueue` wakes kswapd (ZONE_BOOSTED_WATERMARK).
    func testUnmovableStealFromImportedStateBoostsAndWakesKswapd() throws {
        var t = try imported("nehalem-2s", zoneinfo: "proc_zoneinfo.txt", pagetypeinfo: "proc_pagetypeinfo.txt",
                             sysctls: ["vm.min_free_kbytes=5626", "transparent_hugepage=never"])
        // A fragmented capture of node 0's DMA32: 400 free order-8 Movable blocks, nothing else free.
        var o = try XCTUnwrap(t.node(0)?.zones["DMA32"])
        var rows = Array(repeating: Array(repeating: 0, count: 11), count: 5)
        rows[1][8] = 400
        o.freeBlocks = rows
        o.free = 400 * 256
        t.nodes[0].zones["DMA32"] = o
        let a = PageAllocator(machine: try BootedMachine(topology: t))
        let z = a.zone(node: 0, index: 1)
        XCTAssertEqual(z.nrFreePages, 102_400)
        XCTAssertEqual(z.freeBlocks(order: 8, .movable), 400)
        XCTAssertEqual(z.watermarkBoost, 0)
        XCTAssertEqual(a.kswapdWakeups[0] ?? 0, 0)
        let unmovableBlocks = (0..<z.memmap.pageblockCount).filter {
            z.memmap.pageblockMigrateType(pfn: max(z.startPfn, (z.startPfn >> 9 + $0) << 9)) == .unmovable
        }.count
        XCTAssertEqual(unmovableBlocks, 15, "the recorded pageblock types")

        guard case .success(let b) = a.allocPages(gfp: .kernel, order: 0, preferredNode: 0, cpu: 0) else {
            return XCTFail("GFP_KERNEL allocation failed")
        }
        XCTAssertEqual(b.node, 0)
        XCTAssertEqual(z.watermarkBoost, 512, "boost_watermark: + pageblock_nr_pages")
        XCTAssertEqual(z.watermark.minPages, z.baseWatermark.min + 512)
        XCTAssertEqual(a.kswapdWakeups[0], 1, "rmqueue woke kswapd for the boosted watermark")
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// A recorded boost is the zone's watermark_boost (zoneinfo's min/low/high include it), and a
    /// recorded node_unreclaimable leaves kswapd given up on the node.
    func testRecordedBoostAndUnreclaimable() throws {
        var t = try imported("nehalem-2s", zoneinfo: "proc_zoneinfo.txt", sysctls: ["transparent_hugepage=never"])
        var o = try XCTUnwrap(t.node(1)?.zones["DMA32"])
        o.boost = 300
        o.min = 714 + 300; o.low = 966 + 300; o.high = 1218 + 300
        t.nodes[1].zones["DMA32"] = o
        t.nodes[1].unreclaimable = true
        let a = PageAllocator(machine: try BootedMachine(topology: t))
        let z = a.zone(node: 1, index: 1)
        XCTAssertEqual(z.watermarkBoost, 300)
        XCTAssertEqual([z.baseWatermark.min, z.baseWatermark.low, z.baseWatermark.high], [714, 966, 1218])
        XCTAssertEqual([z.watermark.minPages, z.watermark.lowPages, z.watermark.highPages], [1014, 1266, 1518])
        XCTAssertGreaterThanOrEqual(a.nodes[1].reclaim.kswapdFailures, PageAllocator.maxReclaimRetries)
        XCTAssertLessThan(a.nodes[0].reclaim.kswapdFailures, PageAllocator.maxReclaimRetries)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// Free blocks too fragmented for the zone's used pages (each free order-0 page needs a used
    /// buddy) cannot be laid out: a boot error naming the key.
    func testALayoutTheZoneCannotHoldIsABootError() throws {
        var t = try imported("nehalem-2s", zoneinfo: "proc_zoneinfo.txt", sysctls: ["transparent_hugepage=never"])
        var o = try XCTUnwrap(t.node(0)?.zones["DMA32"])
        var rows = Array(repeating: Array(repeating: 0, count: 11), count: 5)
        rows[1][0] = 200_000
        o.freeBlocks = rows
        o.free = 200_000
        o.pcpCount = nil
        t.nodes[0].zones["DMA32"] = o
        XCTAssertThrowsError(try BootedMachine(topology: t)) { error in
            guard case .recordedLayout(let node, let zone, let key, let message)? = error as? BootError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual([String(node), zone, key], ["0", "DMA32", "free_blocks"])
            XCTAssertTrue(message.contains("Movable block(s) of order 0 do not fit"), message)
            XCTAssertEqual((error as? BootError)?.key, "nodes (id 0).zones.DMA32.free_blocks")
        }
    }
}
