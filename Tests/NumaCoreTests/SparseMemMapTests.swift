import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology
/// The sparse mem_map (`PageRecordStorage`, `UntouchedBlocks`): whole free order-10 blocks keep
/// no page records until the zone first hands one out. It must change nothing the allocator
/// does — the same pages in the same order as a mem_map written in full at boot — and must
/// make host memory follow the pages touched, not the machine's size.
final class SparseMemMapTests: XCTestCase {
    /// Two allocators on the hotplug test machine, one sparse and one dense, run the same random
    /// sequence — orders 0 to 10, four migratetypes (so blocks are stolen across types), frees
    /// through the pcp and straight to the buddy, drains, and memory blocks of the memory-only
    /// nodes going off- and online — and must agree on every result and every free list.
    func testSparseMatchesDenseStepForStep() throws {
        let m = try boot(TestTopologies.hotplug4n)
        let sparse = PageAllocator(machine: m), dense = PageAllocator(machine: m, sparseMemMap: false)
        let sparseZones = sparse.allZones, denseZones = dense.allZones
        let untouchedAtBoot = sparseZones.reduce(0) { $0 + $1.untouchedPages }
        XCTAssertGreaterThan(untouchedAtBoot, 7 * 262_144 / 2, "most of the 8 GiB starts untouched")
        XCTAssertEqual(denseZones.reduce(0) { $0 + $1.untouchedPages }, 0)

        let gfps: [GFP] = [.highUserMovable, .kernel, [.kernel, .reclaimable], .atomicMask, .user]
        let orders = [0, 0, 0, 1, 2, 3, 4, 9, 10, 10]
        var rng = TestRNG(seed: 7)
        var held: [AllocatedBlock] = []
        var offline: [PageAllocator.MemoryBlock] = []
        var (served, hotplugged) = (0, 0)
        func compareLists(_ step: Int) {
            for (zs, zd) in zip(sparseZones, denseZones) {
                XCTAssertEqual(zs.buddyinfo, zd.buddyinfo, "step \(step) node \(zs.node) \(zs.name)")
                for mt in MigrateType.allCases {
                    XCTAssertEqual((0..<FreeArea.maxOrder).map { zs.freeBlocks(order: $0, mt) },
                                   (0..<FreeArea.maxOrder).map { zd.freeBlocks(order: $0, mt) }, "step \(step) \(zs.name) \(mt)")
                }
                XCTAssertEqual(zs.nrFreePages, zd.nrFreePages)
            }
            for r in sparse.checkInvariants() + dense.checkInvariants() { XCTAssertTrue(r.ok, "step \(step): \(r.violations)") }
        }
        for step in 0..<40_000 {
            let r = rng.next()
            switch r % 100 {
            case 0..<62:
                let gfp = gfps[Int(r >> 8) % gfps.count], order = orders[Int(r >> 16) % orders.count]
                let node = [0, 1, 2, 3][Int(r >> 24) % 4], cpu = Int(r >> 32) % 4
                let a = sparse.allocPages(gfp: gfp, order: order, preferredNode: node, cpu: cpu)
                let b = dense.allocPages(gfp: gfp, order: order, preferredNode: node, cpu: cpu)
                switch (a, b) {
                case (.success(let x), .success(let y)):
                    XCTAssertEqual(x, y, "step \(step)")
                    held.append(x)
                    served += 1
                case (.failure(let x), .failure(let y)):
                    XCTAssertEqual("\(x)", "\(y)", "step \(step)")
                default:
                    return XCTFail("step \(step): \(a) vs \(b)")
                }
            case 62..<97 where !held.isEmpty:
                let i = Int(r >> 8) % held.count
                held.swapAt(i, held.count - 1)
                let blk = held.removeLast(), cpu = Int(r >> 32) % 5  // cpu 4: no pcp, straight to the buddy
                sparse.freePages(blk, cpu: cpu)
                dense.freePages(blk, cpu: cpu)
            case 97:
                sparse.drainAllPages()
                dense.drainAllPages()
            case 98:
                let n = 2 + Int(r >> 8) % 2
                let blocks = sparse.memoryBlocks(nodeIndex: n)
                guard !blocks.isEmpty else { break }
                let blk = blocks[Int(r >> 16) % blocks.count]
                let a = sparse.offlineMemoryBlock(blk), b = dense.offlineMemoryBlock(blk)
                XCTAssertEqual("\(a)", "\(b)", "step \(step) offline \(blk)")
                if case .success = a { offline.append(blk); hotplugged += 1 }
            default:
                guard !offline.isEmpty else { break }
                let blk = offline.remove(at: Int(r >> 8) % offline.count)
                sparse.onlineMemoryBlock(blk)
                dense.onlineMemoryBlock(blk)
            }
            if step % 4000 == 3999 { compareLists(step) }
        }
        compareLists(40_000)
        XCTAssertGreaterThan(served, 15_000)
        XCTAssertGreaterThan(hotplugged, 20, "memory blocks went offline and came back")
        for id in m.nodeIDs { XCTAssertEqual(sparse.numastat(node: id), dense.numastat(node: id), "node \(id)") }
        let untouchedAtEnd = sparseZones.reduce(0) { $0 + $1.untouchedPages }
        XCTAssertGreaterThan(untouchedAtEnd, 0, "some blocks are still untouched at the end")
        XCTAssertLessThan(untouchedAtEnd, untouchedAtBoot, "the sequence touched untouched blocks")
    }

    /// An offline in the middle of an untouched run splits it; the block comes back after the
    /// runs (freed to the tail), and blocks freed to the tail meanwhile keep their place.
    func testOfflineSplitsARunAndOnlineAppends() throws {
        let m = try boot(TestTopologies.hotplug4n)
        let sparse = PageAllocator(machine: m), dense = PageAllocator(machine: m, sparseMemMap: false)
        let n = 2
        let blocks = sparse.memoryBlocks(nodeIndex: n)
        XCTAssertEqual(blocks.count, 8)
        for a in [sparse, dense] { XCTAssertEqual("\(a.offlineMemoryBlock(blocks[3]))", "\(Result<Int, Zone.BlockBusy>.success(32768))") }
        let z = sparse.nodes[n].zones[blocks[3].zone]
        XCTAssertEqual(z.untouched.liveRuns.count, 2, "\(z.untouched.liveRuns)")
        for a in [sparse, dense] { a.onlineMemoryBlock(blocks[3]) }
        XCTAssertEqual(z.untouched.liveRuns.count, 3, "the onlined block joins the runs at their end")
        // Every order-10 block of node 2 in list order: the same in both.
        var got: [[Int]] = [[], []]
        for (k, a) in [sparse, dense].enumerated() {
            while case .success(let b) = a.allocPages(gfp: [.highUserMovable, .thisnode], order: 10, preferredNode: 2, cpu: 0) {
                got[k].append(b.pfn)
            }
        }
        XCTAssertEqual(got[0], got[1])
        XCTAssertGreaterThan(got[0].count, 200)
        XCTAssertEqual(z.untouchedPages, 0)
        for r in sparse.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// 64 nodes of 1 TiB each (64 TiB, 2^34 pages): the allocator comes up with every page free
    /// and untouched but the holes, serves allocations on every node, and its host memory stays
    /// far below the 256 GiB a written mem_map of 16 bytes per page would take.
    func testSixtyFourTebibytesCostLittleHostMemory() throws {
        let t = try TopologyGenerator(nodes: 64, cpusPerNode: 1, memoryPerNode: 1 << 40, distance: .twoLevel).topology()
        let m = try BootedMachine(topology: t)
        let before = residentBytes()
        let a = PageAllocator(machine: m)
        let afterBoot = residentBytes()
        var managed = 0, untouched = 0
        for z in a.allZones { managed += z.managed; untouched += z.untouchedPages }
        XCTAssertGreaterThan(managed, 64 * (1 << 28) * 97 / 100, "all but the kernel's own mem_map (1.6 %) is managed")
        XCTAssertGreaterThan(untouched, managed * 99 / 100, "all but the low zones' partial blocks are untouched")
        XCTAssertLessThan(afterBoot - before, 512 << 20, "host memory after boot")
        var held: [AllocatedBlock] = []
        for (n, id) in a.nodeIDs.enumerated() {
            let cpu = t.nodes[n].cpus.members[0]
            for i in 0..<3000 {
                guard case .success(let b) = a.allocPages(gfp: .highUserMovable, order: i % 4 == 0 ? 3 : 0, preferredNode: id, cpu: cpu) else {
                    return XCTFail("allocation failed on node \(id)")
                }
                XCTAssertEqual(b.node, id)
                held.append(b)
            }
        }
        for (k, b) in held.enumerated() where k % 2 == 0 { a.freePages(b, cpu: t.nodes[a.nodeIndex[b.node]!].cpus.members[0]) }
        XCTAssertLessThan(residentBytes() - before, 1 << 30, "host memory after 192 000 allocations")
        for n in [0, 63] { for z in a.nodes[n].zones { let r = z.checkInvariants(); XCTAssertTrue(r.ok, "\(r.violations)") } }
    }

    /// A 9 TiB node has a zone beyond 32-bit page links: an error naming the file and node,
    /// before any allocator is built; 8 TiB minus a little still passes.
    func testZoneBeyondThirtyTwoBitLinksIsAnInputError() throws {
        let big = try BootedMachine(topology: TopologyGenerator(nodes: 1, cpusPerNode: 1, memoryPerNode: 9 << 40).topology())
        XCTAssertThrowsError(try InputError.labelling(file: "huge.yaml") { try PageAllocator.checkLimits(big) }) { e in
            let text = "\(e)"
            XCTAssertTrue(text.hasPrefix("huge.yaml: nodes[0]: zone Normal of node 0 spans"), text)
        }
        let fits = try BootedMachine(topology: TopologyGenerator(nodes: 2, cpusPerNode: 1, memoryPerNode: 7 << 40).topology())
        XCTAssertNoThrow(try PageAllocator.checkLimits(fits))
    }
}
