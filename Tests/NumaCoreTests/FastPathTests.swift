import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology
/// The order-0 fast path (`PageAllocator+FastPath.swift`) must decide exactly as the generic
/// `__alloc_pages` path: two allocators, one with the fast path off, run the same random
/// sequence in lockstep and must hand out the same pages and count the same statistics.
final class FastPathTests: XCTestCase {
    func testFastPathMatchesTheGenericPathStepForStep() throws {
        let m = try boot(TestTopologies.pressure4n)
        let fast = PageAllocator(machine: m), generic = PageAllocator(machine: m)
        generic.fastPathEnabled = false
        let gfps: [GFP] = [.highUserMovable, .kernel, .user, [.kernel, .dma32], [.highUserMovable, .thisnode], .atomicMask,
                           [.kernel, .reclaimable]]
        var rng = TestRNG(seed: 42)
        var held: [(AllocatedBlock, Int)] = []
        var served = 0
        for step in 0..<60_000 {
            let r = rng.next()
            if r % 5 < 4 || held.isEmpty {
                let gfp = gfps[Int(r >> 8) % gfps.count]
                let node = [0, 1, 2, 3, 3][Int(r >> 16) % 5]
                let cpu = Int(r >> 24) % 6
                let target: Int? = r & (1 << 40) != 0 ? node : nil
                let a = fast.allocPages(gfp: gfp, order: 0, preferredNode: node, cpu: cpu, interleaveTarget: target)
                let b = generic.allocPages(gfp: gfp, order: 0, preferredNode: node, cpu: cpu, interleaveTarget: target)
                switch (a, b) {
                case (.success(let x), .success(let y)):
                    XCTAssertEqual(x, y, "step \(step)")
                    held.append((x, cpu))
                    served += 1
                case (.failure(let x), .failure(let y)):
                    XCTAssertEqual("\(x)", "\(y)", "step \(step)")
                default:
                    return XCTFail("step \(step): \(a) vs \(b)")
                }
            } else {
                let i = Int(r >> 8) % held.count
                held.swapAt(i, held.count - 1)
                let (blk, _) = held.removeLast()
                let cpu = Int(r >> 32) % 6
                fast.freePages(blk, cpu: cpu)
                generic.freePages(blk, cpu: cpu)
            }
        }
        XCTAssertGreaterThan(served, 30_000)
        for id in m.nodeIDs {
            XCTAssertEqual(fast.numastat(node: id), generic.numastat(node: id), "node \(id)")
        }
        XCTAssertEqual(fast.pgalloc, generic.pgalloc)
        XCTAssertEqual(fast.pgfree, generic.pgfree)
        for (zf, zg) in zip(fast.allZones, generic.allZones) {
            XCTAssertEqual(zf.nrFreePages, zg.nrFreePages)
            XCTAssertTrue(zf.checkInvariants().ok)
        }
        // The sequence must have exercised the fast path's fallbacks too (the tiny node 3 runs low).
        XCTAssertGreaterThan(fast.numastat(node: 3).numaForeign, 1000)
    }

    /// The order-0 free fast path (`Zone.freeOrder0Fast`) against `Zone.freePages`, and both
    /// allocation entries, over mixed orders, callers that are not CPUs, frees on other CPUs,
    /// pages of highatomic pageblocks (not a pcp type), kswapd's ZONE_RECLAIM_ACTIVE (pcp high
    /// shrinks) and drain requests: same pages, same pcp lists, same counters at every check.
    func testFreeFastPathMatchesTheGenericPathStepForStep() throws {
        let m = try boot(TestTopologies.pressure4n)
        let fast = PageAllocator(machine: m), generic = PageAllocator(machine: m)
        generic.fastPathEnabled = false
        let gfps: [GFP] = [.highUserMovable, .kernel, .user, [.kernel, .dma32], [.highUserMovable, .thisnode], .atomicMask,
                           [.kernel, .reclaimable]]
        let cpus = [0, 1, 2, 3, 4, 5, 99]   // 99 is no CPU of the machine (the system counter row)
        var rng = TestRNG(seed: 7)
        var held: [AllocatedBlock] = []
        var fastFrees = 0, highatomicFrees = 0
        for step in 0..<80_000 {
            let r = rng.next()
            switch r % 100 {
            case 0..<55 where held.count < 6000, 0..<20:
                let gfp = gfps[Int(r >> 8) % gfps.count]
                let node = [0, 1, 2, 3, 3][Int(r >> 16) % 5]
                let cpu = cpus[Int(r >> 24) % cpus.count]
                let order = [0, 0, 0, 0, 0, 1, 2, 3, 9][Int(r >> 32) % 9]
                let a: Result<AllocatedBlock, AllocFailure>, b: Result<AllocatedBlock, AllocFailure>
                if r & (1 << 40) != 0 {
                    a = fast.allocPages(gfp: gfp, order: order, preferredNode: node, cpu: cpu)
                    b = generic.allocPages(gfp: gfp, order: order, preferredNode: node, cpu: cpu)
                } else {
                    let target: Int? = r & (1 << 41) != 0 ? node : nil
                    a = fast.allocPages(gfp: gfp, order: order, preferredNode: node, cpu: cpu, interleaveTarget: target)
                    b = generic.allocPages(gfp: gfp, order: order, preferredNode: node, cpu: cpu, interleaveTarget: target)
                }
                switch (a, b) {
                case (.success(let x), .success(let y)):
                    XCTAssertEqual(x, y, "step \(step)")
                    held.append(x)
                case (.failure(let x), .failure(let y)):
                    XCTAssertEqual("\(x)", "\(y)", "step \(step)")
                default:
                    return XCTFail("step \(step): \(a) vs \(b)")
                }
            case 96 where !held.isEmpty:
                // Make a held page's pageblock MIGRATE_HIGHATOMIC in both, as
                // reserve_highatomic_pageblock does: its order-0 frees then skip the fast path.
                let blk = held[Int(r >> 8) % held.count]
                for a in [fast, generic] {
                    let z = a.zone(node: blk.node, index: blk.zone)
                    z.lock.withLock {
                        guard z.memmap.pageblockMigrateType(pfn: blk.pfn).isMergeable else { return }
                        z.addReservedHighatomic(z.pageblockPages)
                        z.memmap.setPageblockMigrateType(pfn: blk.pfn, .highAtomic)
                        _ = z.moveFreepagesBlock(blk.pfn, .highAtomic)
                    }
                }
            case 97:
                // kswapd starts or stops reclaiming a zone (pcp high drops to 4 × batch).
                let zi = Int(r >> 8)
                for a in [fast, generic] {
                    let all = a.allZones
                    all[zi % all.count].reclaimActiveAtomic.store(r & (1 << 20) != 0, ordering: .relaxed)
                }
            case 98:
                fast.requestDrainAllPages()
                generic.requestDrainAllPages()
            default:
                guard !held.isEmpty else { continue }
                let i = Int(r >> 8) % held.count
                held.swapAt(i, held.count - 1)
                let blk = held.removeLast()
                let cpu = cpus[Int(r >> 32) % cpus.count]
                if blk.order == 0 && cpu != 99 {
                    fastFrees += 1
                    let z = fast.zone(node: blk.node, index: blk.zone)
                    if !z.memmap.pageblockMigrateType(pfn: blk.pfn).isMergeable { highatomicFrees += 1 }
                }
                fast.freePages(blk, cpu: cpu)
                generic.freePages(blk, cpu: cpu)
            }
            if step % 10_000 == 9_999 { try assertSameState(fast, generic, step: step) }
        }
        try assertSameState(fast, generic, step: -1)
        XCTAssertGreaterThan(fastFrees, 15_000)
        XCTAssertGreaterThan(highatomicFrees, 20)
    }

    private func assertSameState(_ fast: PageAllocator, _ generic: PageAllocator, step: Int) throws {
        for id in fast.nodeIDs {
            XCTAssertEqual(fast.numastat(node: id), generic.numastat(node: id), "node \(id), step \(step)")
        }
        XCTAssertEqual(fast.pgalloc, generic.pgalloc, "step \(step)")
        XCTAssertEqual(fast.pgfree, generic.pgfree, "step \(step)")
        for row in 0..<fast.vmEvents.rows {
            XCTAssertEqual(fast.vmEvents.value(.pgfree, row: row), generic.vmEvents.value(.pgfree, row: row), "row \(row), step \(step)")
        }
        for (zf, zg) in zip(fast.allZones, generic.allZones) {
            XCTAssertEqual(zf.nrFreePages, zg.nrFreePages, "step \(step)")
            XCTAssertEqual(zf.nrReservedHighatomic, zg.nrReservedHighatomic, "step \(step)")
            for cpu in zf.pcp.indices {
                XCTAssertEqual(zf.pcp[cpu].count, zg.pcp[cpu].count, "zone \(zf.node)/\(zf.index) cpu \(cpu), step \(step)")
                XCTAssertEqual(zf.pcp[cpu].freeFactor, zg.pcp[cpu].freeFactor, "step \(step)")
                for l in 0..<PerCPUPages.listCount {
                    XCTAssertEqual(zf.memmap.pfns(of: zf.pcp[cpu].lists[l]), zg.memmap.pfns(of: zg.pcp[cpu].lists[l]),
                                   "zone \(zf.node)/\(zf.index) cpu \(cpu) list \(l), step \(step)")
                }
            }
            XCTAssertTrue(zf.checkInvariants().ok, "step \(step)")
        }
    }

    /// The order-0 fast path builds its `AllocatedBlock` from two 16-byte halves.
    func testOrder0BlockHalvesMatchTheMemberwiseInit() {
        let b = AllocatedBlock(pfnAndOrder: SIMD2(123_456, 0), nodeAndZone: SIMD2(3, 2), generation: 7)
        XCTAssertEqual(b, AllocatedBlock(pfn: 123_456, order: 0, node: 3, zone: 2, generation: 7))
    }
}
