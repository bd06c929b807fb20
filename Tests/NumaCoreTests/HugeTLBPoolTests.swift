import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// hugetlb pools (mm/hugetlb.c, Linux 6.1) on two 256 MiB nodes: the node interleave of a
/// global resize, per-node and mempolicy writes, a pool that comes out short, shrinking in
/// `for_each_node_mask_to_free` order, surplus accounting; the invariants after each step.
final class HugeTLBPoolTests: XCTestCase {
    func machine(_ yaml: String = TestTopologies.two256) throws -> PageAllocator {
        PageAllocator(machine: try boot(yaml))
    }

    func assertInvariants(_ a: PageAllocator, file: StaticString = #filePath, line: UInt = #line) {
        let v = a.checkInvariants().flatMap(\.violations)
        XCTAssertTrue(v.isEmpty, v.joined(separator: "\n"), file: file, line: line)
    }

    func perNode(_ a: PageAllocator) -> [Int] { a.hugetlb.defaultHState.nrHugePagesNode }

    /// `for_each_node_mask_to_alloc` starts at `next_nid_to_alloc` = first_memory_node (0) and
    /// steps with `next_node_in`: 5 pages over N_MEMORY {0, 1} land 0, 1, 0, 1, 0 → 3/2, and the
    /// cursor ends on node 1.
    func testGlobalCountInterleavesFromFirstMemoryNode() throws {
        let a = try machine()
        let r = try a.writeNrHugePages(count: 5, cpu: 0, source: "test")
        XCTAssertEqual(perNode(a), [3, 2])
        XCTAssertEqual(a.hugetlb.defaultHState.freeHugePagesNode, [3, 2])
        XCTAssertEqual(a.hugetlb.defaultHState.nextNidToAlloc, 1)
        XCTAssertEqual(r.target, 5)
        XCTAssertEqual(r.obtained, 5)
        XCTAssertEqual(a.hugetlb.htlbBuddyAllocSuccess, 5)
        // Each pool page is an allocated order-9 block of its node: 512 pages each off the buddy.
        for (n, list) in a.hugetlb.defaultHState.freeLists.enumerated() {
            for b in list { XCTAssertEqual(b.order, 9); XCTAssertEqual(b.node, a.nodeIDs[n]) }
        }
        assertInvariants(a)
    }

    /// The boot sysctl allocates the same way (`hugetlb_hstate_alloc_pages` →
    /// `alloc_pool_huge_page` over N_MEMORY).
    func testBootSysctlAllocatesNodeInterleaved() throws {
        let yaml = TestTopologies.two256.replacingOccurrences(of: "sysctl: {transparent_hugepage: never}",
                                                              with: "sysctl: {transparent_hugepage: never, nr_hugepages: 5}")
        let a = try machine(yaml)
        XCTAssertEqual(perNode(a), [3, 2])
        XCTAssertEqual(a.hugetlb.defaultHState.maxHugePages, 5)
        XCTAssertEqual(a.hugetlb.resizes.first?.source, "sysctl nr_hugepages (boot)")
        assertInvariants(a)
    }

    /// A per-node write: `count += nr_huge_pages - nr_huge_pages_node[nid]` (4 + 5 - 2 = 7), with
    /// nodes_allowed = {1}: both new pages on node 1. The alloc cursor, walked over {1}, stays on
    /// 1; a later global write of 9 then starts on node 1: 1, 0 → node 1 has 5, node 0 has 4.
    func testPerNodeWriteTurnsIntoAGlobalTarget() throws {
        let a = try machine()
        try a.writeNrHugePages(count: 5, cpu: 0, source: "test")
        let r = try a.writeNrHugePages(count: 4, node: 1, cpu: 0, source: "test")
        XCTAssertEqual(r.target, 7)
        XCTAssertEqual(r.nodesAllowed, [1])
        XCTAssertEqual(perNode(a), [3, 4])
        try a.writeNrHugePages(count: 9, cpu: 0, source: "test")
        XCTAssertEqual(perNode(a), [4, 5])
        assertInvariants(a)
    }

    /// nr_hugepages_mempolicy with bind:1: the count is the global target (no per-node
    /// adjustment) and nodes_allowed is the policy's {1}: shrinking 5 (3/2) to 3 removes both
    /// pages from node 1. With the default policy the write obeys no policy (N_MEMORY).
    func testMempolicyWriteUsesThePolicyNodes() throws {
        let a = try machine()
        try a.writeNrHugePages(count: 5, cpu: 0, source: "test")
        let r = try a.writeNrHugePages(count: 3, policy: MemPolicy(.bind, nodes: [1]), cpu: 0, source: "test")
        XCTAssertEqual(r.nodesAllowed, [1])
        XCTAssertEqual(perNode(a), [3, 0])
        // Growing under bind:1 puts every new page on node 1.
        try a.writeNrHugePages(count: 6, policy: MemPolicy(.bind, nodes: [1]), cpu: 0, source: "test")
        XCTAssertEqual(perNode(a), [3, 3])
        // local: the writer's node (CPU 2 is on node 1).
        try a.writeNrHugePages(count: 7, policy: MemPolicy(.local), cpu: 2, source: "test")
        XCTAssertEqual(perNode(a), [3, 4])
        let d = try a.writeNrHugePages(count: 8, policy: .default, cpu: 0, source: "test")
        XCTAssertEqual(d.nodesAllowed, [0, 1])
        assertInvariants(a)
    }

    /// Shrinking: min_count = max(count, resv + nr - free) = max(2, 0) = 2; three pages go, by
    /// `for_each_node_mask_to_free` from next_nid_to_free = 0: nodes 0, 1, 0 → 1/1. Each goes
    /// back to the buddy (`__free_pages`, order 9): the node's free memory returns.
    func testShrinkFreesInFreeCursorOrder() throws {
        let a = try machine()
        let free0 = a.nodes.map { $0.freePages + $0.zones.reduce(0) { s, z in s + z.pcp.indices.reduce(0) { $0 + z.pcp[$1].count } } }
        try a.writeNrHugePages(count: 5, cpu: 0, source: "test")
        try a.writeNrHugePages(count: 2, cpu: 0, source: "test")
        XCTAssertEqual(perNode(a), [1, 1])
        XCTAssertEqual(a.hugetlb.defaultHState.nextNidToFree, 1)
        // Free pages (buddy and per-CPU lists) = before minus the 512 pages of each pool page.
        let freeNow = a.nodes.map { $0.freePages + $0.zones.reduce(0) { s, z in s + z.pcp.indices.reduce(0) { $0 + z.pcp[$1].count } } }
        XCTAssertEqual(freeNow, [free0[0] - 512, free0[1] - 512])
        try a.writeNrHugePages(count: 0, cpu: 0, source: "test")
        XCTAssertEqual(perNode(a), [0, 0])
        assertInvariants(a)
    }

    /// A request larger than node 1 can give. Worked from the kernel: each try is
    /// `__alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_THISNODE | __GFP_COMP | __GFP_NOWARN |
    /// __GFP_RETRY_MAYFAIL, 9, 1)`; it succeeds while `__zone_watermark_ok` holds at min (the
    /// slow path's mark; nothing is reclaimable, so reclaim adds nothing): NR_FREE_PAGES - 511 >
    /// min + lowmem_reserve, and a free block of order >= 9 is on the buddy lists. Order 9 is a
    /// pcp order: an empty pcp list is refilled with max(batch >> 9, 2) = 2 blocks (1 if only
    /// one is left), which leave NR_FREE_PAGES at once, and the next try takes the second from
    /// the list. The first failing try ends the resize (one node allowed).
    func testShortPoolObtainsWhatTheWatermarkAllows() throws {
        let a = try machine()
        let n = 1
        let zones = a.nodes[n].zones.filter { $0.managed > 0 }
        XCTAssertEqual(zones.count, 1, "node 1 of two256 is one DMA32 zone")
        let z = zones[0]
        let hz = GFP.highUserMovable.zone(arch: .x86_64)!
        XCTAssertGreaterThan(z.pcp[0].batch, 1)
        var free = z.nrFreePages
        var units = (9..<FreeArea.maxOrder).reduce(0) { $0 + (z.freeArea.nrFree(order: $1) << ($1 - 9)) }
        let mark = z.watermarkPages(.min) + z.reserveByClasszone[hz]
        var onPcp = 0, expected = 0
        while free - 511 > mark && units > 0 {
            if onPcp == 0 {
                let take = min(2, units)
                units -= take
                free -= take * 512
                onPcp = take
            }
            onPcp -= 1
            expected += 1
        }
        let r = try a.writeNrHugePages(count: 1000, node: 1, cpu: 0, source: "test")
        XCTAssertEqual(perNode(a), [0, expected])
        XCTAssertTrue(r.isShort)
        XCTAssertEqual(r.obtained, expected)
        XCTAssertEqual(a.hugetlb.htlbBuddyAllocFail, 1)
        XCTAssertEqual(z.nrFreePages, free)
        // The pool holds a little under 256 MiB: at least 100 pages of 2 MiB.
        XCTAssertGreaterThan(expected, 100)
        assertInvariants(a)
    }

    /// The pages `writeNrHugePages` can get from zone `z` as the kernel's code gives them (see
    /// `testShortPoolObtainsWhatTheWatermarkAllows`): tries succeed while NR_FREE_PAGES - 511 >
    /// min + lowmem_reserve[highest zone] and the buddy lists hold a block of order >= 9; an
    /// empty pcp list takes two blocks at once (`max(batch >> 9, 2)`).
    func expectedPoolPages(_ z: Zone) -> (pages: Int, freeAfter: Int) {
        let hz = GFP.highUserMovable.zone(arch: .x86_64)!
        var free = z.nrFreePages
        var units = (9..<FreeArea.maxOrder).reduce(0) { $0 + (z.freeArea.nrFree(order: $1) << ($1 - 9)) }
        let mark = z.watermarkPages(.min) + z.reserveByClasszone[hz]
        var onPcp = 0, got = 0
        while free - 511 > mark && units > 0 {
            if onPcp == 0 {
                let take = min(2, units)
                units -= take
                free -= take * 512
                onPcp = take
            }
            onPcp -= 1
            got += 1
        }
        return (got, free)
    }

    /// A fragmented node: node 1 filled with unmovable order-0 pages (GFP_KERNEL, no reclaim
    /// possible), then exactly three aligned 2 MiB ranges and a scatter of single pages freed
    /// (to the buddy: pcp drained). Without compaction the pool can only take whole free order-9
    /// blocks: at most 3, and the single pages (free memory, but never an order-9 block) do not
    /// help.
    func testFragmentedNodeGivesOnlyItsWholeBlocks() throws {
        let a = try machine()
        let z = a.nodes[1].zones.first { $0.managed > 0 }!
        var held: [AllocatedBlock] = []
        while case .success(let b) = a.allocPages(gfp: [.kernel, .thisnode], order: 0, preferredNode: 1, cpu: 2) { held.append(b) }
        a.drainAllPages()
        held.sort { $0.pfn < $1.pfn }
        // Three 512-aligned runs, not adjacent to each other (no order-10 merge).
        var starts: [Int] = []
        var k = 0
        while starts.count < 3 && k + 511 < held.count {
            let p = held[k].pfn
            if p % 512 == 0 && held[k + 511].pfn == p + 511 && (starts.last.map { p - $0 >= 2048 } ?? true) { starts.append(p); k += 512 } else { k += 1 }
        }
        XCTAssertEqual(starts.count, 3)
        var keep: [AllocatedBlock] = []
        for (i, b) in held.enumerated() {
            let inRun = starts.contains { b.pfn >= $0 && b.pfn < $0 + 512 }
            if inRun || (i % 7 == 3 && !starts.contains { b.pfn >= $0 - 1 && b.pfn < $0 + 513 }) { a.freePages(b, cpu: 2) } else { keep.append(b) }
        }
        a.drainAllPages()
        let e = expectedPoolPages(z)
        // The freed single pages (about 1/7 of node 1) keep NR_FREE_PAGES far above min: the
        // whole blocks are the limit.
        XCTAssertGreaterThan(z.nrFreePages - 3 * 512, z.watermarkPages(.min) + 1024)
        XCTAssertEqual(e.pages, 3)
        let r = try a.writeNrHugePages(count: 10, node: 1, cpu: 2, source: "test")
        XCTAssertEqual(perNode(a), [0, e.pages])
        XCTAssertTrue(r.isShort)
        XCTAssertEqual(z.nrFreePages, e.freeAfter)
        assertInvariants(a)
        try a.writeNrHugePages(count: 0, cpu: 2, source: "test")
        for b in keep { a.freePages(b, cpu: 2) }
        assertInvariants(a)
    }

    /// Surplus: with 3 of 4 pages in use (node 0: 2, node 1: 1), writing 1 frees the one free
    /// page (min_count = max(1, 0 + 4 - 1) = 3; from next_nid_to_free 0: node 0 has none free,
    /// node 1 gives its page), then `adjust_pool_surplus(+1)` twice from the free cursor (back on
    /// 0): node 0 (0 < 2), node 1 (0 < 1). A page freed on node 0 leaves the pool (its node has
    /// surplus); nr_overcommit_hugepages lets a surplus page be allocated beyond the pool.
    func testSurplusAccounting() throws {
        let a = try machine()
        try a.writeNrHugePages(count: 4, cpu: 0, source: "test")
        XCTAssertEqual(perNode(a), [2, 2])
        let used = [a.dequeueHugeTLBFolioNodeExact(0, nid: 0)!, a.dequeueHugeTLBFolioNodeExact(0, nid: 0)!,
                    a.dequeueHugeTLBFolioNodeExact(0, nid: 1)!]
        assertInvariants(a)
        try a.writeNrHugePages(count: 1, cpu: 0, source: "test")
        var h = a.hugetlb.defaultHState
        XCTAssertEqual(h.nrHugePagesNode, [2, 1])
        XCTAssertEqual(h.freeHugePagesNode, [0, 0])
        XCTAssertEqual(h.surplusHugePagesNode, [1, 1])
        XCTAssertEqual(h.persistentHugePages, 1)
        XCTAssertEqual(h.maxHugePages, 1)
        assertInvariants(a)
        a.freeHugeTLBFolio(0, used[0], cpu: 0)
        h = a.hugetlb.defaultHState
        XCTAssertEqual(h.nrHugePagesNode, [1, 1])
        XCTAssertEqual(h.surplusHugePagesNode, [0, 1])
        // Node 0 has no surplus left: its next freed page goes back on its free list.
        a.freeHugeTLBFolio(0, used[1], cpu: 0)
        XCTAssertEqual(a.hugetlb.defaultHState.freeHugePagesNode, [1, 0])
        // Overcommit: surplus 1 (node 1) < 2 allows one more surplus page, then no more.
        try a.writeNrOvercommitHugePages(2)
        let extra = a.allocSurplusHugeTLBFolio(0, gfp: .highUserMovable, nid: 0, nodemask: nil, cpu: 0)
        XCTAssertEqual(extra?.node, 0)
        XCTAssertEqual(a.hugetlb.defaultHState.surplusHugePages, 2)
        XCTAssertNil(a.allocSurplusHugeTLBFolio(0, gfp: .highUserMovable, nid: 0, nodemask: nil, cpu: 0))
        // Growing the pool again first takes pages out of surplus (adjust_pool_surplus(-1),
        // from next_nid_to_alloc), before allocating.
        let before = a.hugetlb.htlbBuddyAllocSuccess
        try a.writeNrHugePages(count: 3, cpu: 0, source: "test")
        XCTAssertEqual(a.hugetlb.defaultHState.surplusHugePages, 0)
        XCTAssertEqual(a.hugetlb.defaultHState.persistentHugePages, 3)
        XCTAssertEqual(a.hugetlb.htlbBuddyAllocSuccess, before)
        assertInvariants(a)
    }

    /// The invariant checker sees a pool page that is held twice or no longer allocated.
    func testInvariantsCatchABrokenPool() throws {
        let a = try machine()
        try a.writeNrHugePages(count: 2, cpu: 0, source: "test")
        let b = a.hugetlb.hstates[0].freeLists[0][0]
        a.hugetlb.hstates[0].freeLists[0].append(b)
        let v = a.checkInvariants().flatMap(\.violations)
        XCTAssertTrue(v.contains { $0.contains("held twice") }, v.joined(separator: "\n"))
        XCTAssertTrue(v.contains { $0.contains("free_huge_pages_node[0] = 1, but its free list holds 2") }, v.joined(separator: "\n"))
    }

    /// 1 GiB pages: `alloc_gigantic_folio` → `alloc_contig_pages(262144, GFP_HIGHUSER |
    /// __GFP_THISNODE, nid)`: over node 1's zones up to ZONE_NORMAL, 1 GiB-aligned ranges from
    /// the zone start while the zone spans the range's last pfn; a range is taken when every page
    /// in it is free (`pfn_range_valid_contig`: no reserved page; numasim does not migrate
    /// in-use pages out of the way). Node 1 of this machine spans [2 GiB, 4 GiB): two ranges,
    /// each usable unless it holds a reserved page (the node's memmap). Freeing gives the
    /// whole range back (`free_contig_range`).
    func testGiganticPagesComeFromWholeFreeRanges() throws {
        let a = try machine("""
            name: two-2g
            nodes:
              - {id: 0, cpus: "0-1", memory: 2GiB}
              - {id: 1, cpus: "2-3", memory: 2GiB}
            distances: [[10, 21], [21, 10]]
            sysctl: {transparent_hugepage: never}
            """)
        let nr = 1 << 18
        let hz = GFP.highUser.zone(arch: .x86_64)!
        var expected = 0
        for z in a.nodes[1].zones.prefix(hz + 1) where z.managed > 0 {
            var pfn = (z.startPfn + nr - 1) & ~(nr - 1)
            while pfn + nr - 1 < z.endPfn {
                let u = z.blockUsage(pfn..<(pfn + nr))
                if u.reservedPages == 0 && u.allocatedPages == 0 { expected += 1 }
                pfn += nr
            }
        }
        XCTAssertGreaterThanOrEqual(expected, 1)
        let free0 = a.nodes[1].freePages
        let r = try a.writeNrHugePages(order: 18, count: 3, node: 1, cpu: 2, source: "test")
        let h = a.hugetlb.hstates[1]
        XCTAssertEqual(h.name, "hugepages-1048576kB")
        XCTAssertEqual(h.nrHugePagesNode, [0, expected])
        XCTAssertEqual(r.obtained, expected)
        XCTAssertEqual(a.nodes[1].freePages, free0 - expected * nr)
        XCTAssertEqual(a.hugetlb.defaultHState.nrHugePages, 0, "the 2 MiB pool is another hstate")
        assertInvariants(a)
        try a.writeNrHugePages(order: 18, count: 0, cpu: 2, source: "test")
        XCTAssertEqual(a.nodes[1].freePages, free0)
        assertInvariants(a)
    }
}

