import XCTest
@testable import NumaCore
@testable import NumaTopology
@testable import NumaWorkload

/// The order-0 fast path (`PageAllocator+FastPath.swift`) must decide exactly as the generic
/// `__alloc_pages` path: two allocators, one with the fast path off, run the same random
/// sequence in lockstep and must hand out the same pages and count the same statistics.
final class FastPathTests: XCTestCase {
    func testFastPathMatchesTheGenericPathStepForStep() throws {
        let m = try boot(ConcurrentStressTests.topo)
        let fast = PageAllocator(machine: m), generic = PageAllocator(machine: m)
        generic.fastPathEnabled = false
        let gfps: [GFP] = [.highUserMovable, .kernel, .user, [.kernel, .dma32], [.highUserMovable, .thisnode], .atomicMask,
                           [.kernel, .reclaimable]]
        var rng = SplitMix64(seed: 42)
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
        for (zf, zg) in zip(fast.zones.flatMap { $0 }, generic.zones.flatMap { $0 }) {
            XCTAssertEqual(zf.nrFreePages, zg.nrFreePages)
            XCTAssertTrue(zf.checkInvariants().ok)
        }
        // The sequence must have exercised the fast path's fallbacks too (the tiny node 3 runs low).
        XCTAssertGreaterThan(fast.numastat(node: 3).numaForeign, 1000)
    }
}
