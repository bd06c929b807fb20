import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// THPs as LRU folios under reclaim (mm/vmscan.c, mm/huge_memory.c, Linux 6.1): `thp:` thread
/// groups fault THPs; reclaim splits them before swap-out (THP_SPLIT_PAGE), demotion moves them
/// whole (THP_MIGRATION_SUCCESS, PGDEMOTE counting 512 pages each); the owner follows a split;
/// invariants (a THP is one block on one list, never half split; counters add up) after runs
/// on both engines.
final class THPReclaimTests: XCTestCase {
    static let twoNodes = TestTopologies.two512()

    static let tiered = """
        name: tiered
        nodes:
          - {id: 0, cpus: "0-1", ranges: [{start: 0, size: 1GiB}]}
          - {id: 1, memory_type: dax_kmem, ranges: [{start: 0x100000000, size: 1GiB}]}
        distances: [[10, 14], [14, 10]]
        sysctl: {transparent_hugepage: always, demotion_enabled: true}
        """

    func run(_ topology: String, _ workload: String, concurrent: Bool = false) throws -> StressResult {
        let m = try boot(topology)
        let w = try Workload.parse(workload, file: "w.yaml", topology: m.topology)
        let r = concurrent ? try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 1)
                           : try DeterministicStress.run(machine: m, workload: w, seed: 1)
        let v = r.allocator.checkInvariants().flatMap(\.violations)
        XCTAssertTrue(v.isEmpty, v.prefix(5).joined(separator: "\n"))
        return r
    }

    func anonTHPsOnLRU(_ a: PageAllocator, nodeIndex n: Int) -> Int {
        var count = 0
        for z in a.nodes[n].zones {
            for l in [LRUVec.List.inactiveAnon, .activeAnon] {
                for pfn in z.memmap.pfns(of: z.lruLists[l.rawValue]) where z.memmap.order(pfn: pfn) == 9 { count += 1 }
            }
        }
        return count
    }

    /// 600 MiB of THP faults bound to node 0 (512 MiB) with 1 GiB of swap: kswapd and direct
    /// reclaim must take THPs, and every THP they take to swap is split first; the pages
    /// swapped out are base pages. NR_ANON_THPS equals the THPs on the node's LRU.
    func testReclaimSplitsTHPsBeforeSwapOut() throws {
        let r = try run(Self.twoNodes, """
            swap: 1GiB
            threads:
              - {cpus: "0", policy: "bind:0", kind: anon, order: 9, thp: fault, allocate: 153600, touch: 1, free: never}
            """)
        let a = r.allocator
        XCTAssertGreaterThan(a.vmEvents[.thpFaultAlloc], 0)
        XCTAssertGreaterThan(a.vmEvents[.thpSplitPage], 0, "reclaim split THPs")
        XCTAssertGreaterThan(a.vmEvents[.pswpout], 0)
        XCTAssertLessThanOrEqual(a.vmEvents[.pswpout], 512 * a.vmEvents[.thpSplitPage] + a.vmEvents[.thpFaultFallback] * 512)
        XCTAssertEqual(a.thp.anonTHPs(nodeIndex: 0), anonTHPsOnLRU(a, nodeIndex: 0))
    }

    /// With a lower tier and demotion on (1 GiB of DRAM: THP needs 512 MiB of RAM at boot, and
    /// the dax node is added after it), reclaim demotes THPs whole to the dax node: each
    /// counts 512 pages of PGDEMOTE and PGMIGRATE_SUCCESS and one THP_MIGRATION_SUCCESS, and the
    /// THPs arrive on node 1's LRU as THPs.
    func testDemotionMovesTHPsWhole() throws {
        let r = try run(Self.tiered, """
            threads:
              - {cpus: "0", policy: "bind:0", kind: anon, order: 9, thp: fault, allocate: 327680, touch: 1, free: never}
            """)
        let a = r.allocator
        let demotedTHPs = a.vmEvents[.thpMigrationSuccess]
        XCTAssertGreaterThan(demotedTHPs, 0)
        XCTAssertGreaterThanOrEqual(a.vmEvents[.pgdemoteKswapd] + a.vmEvents[.pgdemoteDirect], 512 * demotedTHPs)
        XCTAssertGreaterThan(anonTHPsOnLRU(a, nodeIndex: 1), 0)
        XCTAssertEqual(a.thp.anonTHPs(nodeIndex: 1), anonTHPsOnLRU(a, nodeIndex: 1))
        XCTAssertEqual(a.thp.anonTHPs(nodeIndex: 0), anonTHPsOnLRU(a, nodeIndex: 0))
    }

    /// `thp: fault` under defrag `madvise` beyond node 0 with the local policy: THPs only from
    /// node 0, the rest falls back to 4 KiB pages from node 1; `thp: madvise` gets node 1's THPs.
    func testThreadGroupFaultPlacement() throws {
        let plain = try run(Self.twoNodes, """
            threads:
              - {cpus: "0", kind: anon, order: 9, thp: fault, allocate: 196608, free: never}
            """)
        let a = plain.allocator
        XCTAssertEqual(a.thp.anonTHPs(nodeIndex: 1), 0)
        XCTAssertGreaterThan(a.vmEvents[.thpFaultFallback], 0)
        XCTAssertEqual(a.vmEvents[.thpFaultAlloc] + a.vmEvents[.thpFaultFallback], 384)
        let madvised = try run(Self.twoNodes, """
            threads:
              - {cpus: "0", kind: anon, order: 9, thp: madvise, allocate: 196608, free: never}
            """)
        XCTAssertGreaterThan(madvised.allocator.thp.anonTHPs(nodeIndex: 1), 0)
        XCTAssertEqual(madvised.allocator.vmEvents[.thpFaultFallback], 0)
    }

    /// Multi-threaded stress with THP on (the concurrent engine, two host threads, kswapd on
    /// its queues): THP faults, frees and reclaim splits race; afterwards every page is in
    /// exactly one place, every THP on an LRU is whole, and NR_ANON_THPS adds up.
    func testConcurrentStressWithTHPKeepsInvariants() throws {
        let r = try run(Self.twoNodes, """
            swap: 512MiB
            threads:
              - {cpus: "0-1", kind: anon, order: {9: 1, 0: 64}, thp: fault, allocate: 200000, touch: 2, free: random, live: 150000}
              - {cpus: "2-3", policy: "interleave:0-1", kind: anon, order: {9: 1, 0: 16}, thp: madvise, allocate: 200000, touch: 2, free: random, live: 100000}
            """, concurrent: true)
        let a = r.allocator
        XCTAssertGreaterThan(a.vmEvents[.thpFaultAlloc], 0)
        for n in 0..<2 { XCTAssertEqual(a.thp.anonTHPs(nodeIndex: n), anonTHPsOnLRU(a, nodeIndex: n), "node \(n)") }
    }

    func testParseErrors() throws {
        let m = try boot(Self.twoNodes)
        func error(_ yaml: String) -> String {
            do { _ = try Workload.parse(yaml, file: "w.yaml", topology: m.topology); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(error("threads:\n  - {cpus: \"0\", kind: anon, order: 9, thp: always, allocate: 512}\n").contains("expected fault or madvise, got 'always'"))
        XCTAssertTrue(error("threads:\n  - {cpus: \"0\", kind: kernel, order: 9, thp: fault, allocate: 512}\n").contains("give kind: anon"))
        XCTAssertTrue(error("threads:\n  - {cpus: \"0\", kind: anon, order: 3, thp: fault, allocate: 512}\n").contains("give order: 9"))
    }
}

/// The same for a process: its THPs are demoted whole and it follows them (the second pass maps
/// the moved frames, no refault); with swap instead, reclaim splits them and the second pass
/// finds the pages as 4 KiB pages, swapped or still resident.
final class THPProcessReclaimTests: XCTestCase {
    func run(_ topology: String, _ workload: String) throws -> StressResult {
        let m = try boot(topology)
        let w = try Workload.parse(workload, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        let v = r.allocator.checkInvariants().flatMap(\.violations)
        XCTAssertTrue(v.isEmpty, v.prefix(5).joined(separator: "\n"))
        return r
    }

    static func process(_ size: String, swap: String? = nil) -> String {
        (swap.map { "swap: \($0)\n" } ?? "") + """
            phases:
              - processes:
                  - name: p
                    exit: false
                    mmap: [{name: heap, size: \(size), policy: "bind:0"}]
                    threads:
                      - cpu: 0
                        steps:
                          - touch: {vma: heap}
                          - touch: {vma: heap}
            """
    }

    func testProcessFollowsDemotedTHPs() throws {
        let r = try run(THPReclaimTests.tiered, Self.process("1280MiB"))
        let a = r.allocator
        let p = try XCTUnwrap(r.addressSpaces.process(named: "p"))
        XCTAssertGreaterThan(a.vmEvents[.thpMigrationSuccess], 0)
        XCTAssertGreaterThan(p.thpsByNode[1, default: 0], 0, "THPs on the dax node after demotion")
        XCTAssertEqual(p.pagesByNode.values.reduce(0, +), 327_680, "every page still mapped somewhere")
        XCTAssertEqual(p.stats.majorFaults, 0, "demotion is no refault")
    }

    func testProcessAfterReclaimSplitAndSwap() throws {
        let r = try run(THPReclaimTests.twoNodes, Self.process("640MiB", swap: "1GiB"))
        let a = r.allocator
        let p = try XCTUnwrap(r.addressSpaces.process(named: "p"))
        XCTAssertGreaterThan(a.vmEvents[.thpSplitPage], 0)
        XCTAssertGreaterThan(a.vmEvents[.pswpout], 0)
        XCTAssertGreaterThan(p.stats.majorFaults, 0, "the second pass swaps pages of split THPs back in")
        XCTAssertEqual(p.residentPages + p.swappedPages, 163_840)
        XCTAssertEqual(a.thp.anonTHPs(nodeIndex: 0), p.thpsByNode[0, default: 0])
    }
}
