import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

final class PerCPUPagesTests: XCTestCase {
    func zone() throws -> Zone {
        let m = try boot("""
            name: pc
            nodes: [{id: 0, cpus: "0-1", memory: 1GiB, zones: {DMA32: {pcp_high: 400, pcp_batch: 63}}}]
            sysctl: {transparent_hugepage: never}
            """)
        let z = Zone(boot: m.z(0, "DMA32"), pageblockOrder: 9, cpus: 2)
        z.freeManagedPages(present: m.layout.nodeRanges[0]!)
        return z
    }

    func testPcpIndexes() {
        XCTAssertEqual(PerCPUPages.pindex(order: 0, .movable), 1)
        XCTAssertEqual(PerCPUPages.pindex(order: 3, .reclaimable), 11)
        XCTAssertEqual(PerCPUPages.pindex(order: 9, .movable), 13)
        XCTAssertEqual(PerCPUPages.pindex(order: 9, .unmovable), 12)
        XCTAssertEqual(PerCPUPages.order(pindex: 11, pageblockOrder: 9), 3)
        XCTAssertEqual(PerCPUPages.order(pindex: 13, pageblockOrder: 9), 9)
        XCTAssertTrue(PerCPUPages.allowedOrder(9, pageblockOrder: 9))
        XCTAssertFalse(PerCPUPages.allowedOrder(4, pageblockOrder: 9))
    }

    /// An empty list refills `batch` pages from the buddy (NR_FREE_PAGES drops by 63, pcp pages
    /// are not free), hands out the first, and reuses a freed page first (LIFO, "hot").
    func testRefillAndHotReuse() throws {
        let z = try zone()
        let free0 = z.nrFreePages
        let a = try XCTUnwrap(z.rmqueuePcplist(cpu: 0, order: 0, .movable, flags: []))
        XCTAssertEqual(a, 4096)
        XCTAssertEqual(z.nrFreePages, free0 - 63)
        XCTAssertEqual(z.pcp[0].count, 62)
        let b = try XCTUnwrap(z.rmqueuePcplist(cpu: 0, order: 0, .movable, flags: []))
        XCTAssertEqual(b, 4097, "refilled pages come out in address order")
        z.freeUnrefPage(cpu: 0, pfn: a, order: 0)
        XCTAssertEqual(z.rmqueuePcplist(cpu: 0, order: 0, .movable, flags: []), a)
        // Order 2 refills max(63 >> 2, 2) = 15 blocks.
        _ = try XCTUnwrap(z.rmqueuePcplist(cpu: 1, order: 2, .movable, flags: []))
        XCTAssertEqual(z.pcp[1].count, 14 * 4)
        XCTAssertTrue(z.checkInvariants().ok, "\(z.checkInvariants().violations)")
    }

    /// Freeing up to `high` drains `clamp(batch << free_factor, batch, high − batch)` pages,
    /// doubling the drain size (free_factor) on consecutive drains.
    func testDrainAtHigh() throws {
        let z = try zone()
        var pages: [Int] = []
        for _ in 0..<800 { pages.append(try XCTUnwrap(z.allocBlock(order: 0, .movable))) }
        let free0 = z.nrFreePages
        for p in pages.prefix(399) { z.freeUnrefPage(cpu: 0, pfn: p, order: 0) }
        XCTAssertEqual(z.pcp[0].count, 399)
        XCTAssertEqual(z.nrFreePages, free0)
        z.freeUnrefPage(cpu: 0, pfn: pages[399], order: 0)   // count reaches high 400: drain 63 << 0
        XCTAssertEqual(z.pcp[0].count, 400 - 63)
        XCTAssertEqual(z.nrFreePages, free0 + 63)
        XCTAssertEqual(z.pcp[0].freeFactor, 1)
        for p in pages[400..<463] { z.freeUnrefPage(cpu: 0, pfn: p, order: 0) }   // 337 + 63 = 400 again
        XCTAssertEqual(z.pcp[0].count, 400 - 126, "second drain: 63 << 1")
        XCTAssertTrue(z.checkInvariants().ok, "\(z.checkInvariants().violations)")
        z.drainPages(cpu: 0)
        XCTAssertEqual(z.pcp[0].count, 0)
        XCTAssertTrue(z.checkInvariants().ok)
    }

    func testRandomPcpTrafficKeepsInvariants() throws {
        let z = try zone()
        var rng = TestRNG(seed: 7)
        var live: [(pfn: Int, order: Int, cpu: Int)] = []
        for step in 0..<30_000 {
            let cpu = Int(rng.next() % 2)
            if live.isEmpty || rng.next() % 100 < 52 {
                let order = [0, 0, 0, 1, 2, 3, 9, 5][Int(rng.next() % 8)]
                let mt = [MigrateType.movable, .unmovable, .reclaimable][Int(rng.next() % 3)]
                let pfn = PerCPUPages.allowedOrder(order, pageblockOrder: 9)
                    ? z.rmqueuePcplist(cpu: cpu, order: order, mt, flags: [])
                    : z.allocBlock(order: order, mt)
                if let pfn { live.append((pfn, order, cpu)) }
            } else {
                let e = live.remove(at: Int(rng.next() % UInt64(live.count)))
                z.freePages(cpu: e.cpu, pfn: e.pfn, order: e.order)
            }
            if step % 3000 == 0 {
                let r = z.checkInvariants()
                XCTAssertTrue(r.ok, "step \(step): \(r.violations)")
                XCTAssertEqual(r.allocatedPages, live.reduce(0) { $0 + (1 << $1.order) })
            }
        }
        for e in live { z.freePages(cpu: e.cpu, pfn: e.pfn, order: e.order) }
        z.drainPages(cpu: 0)
        z.drainPages(cpu: 1)
        XCTAssertTrue(z.checkInvariants().ok)
        XCTAssertEqual(z.nrFreePages, z.managed)
    }
}
