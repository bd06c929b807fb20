import XCTest
import NumaTestSupport
@testable import NumaProcess
@testable import NumaCore
import NumaMM
@testable import NumaTopology

/// migrate_pages(2), mbind(2) with MPOL_MF_MOVE and move_pages(2) on a process, with the
/// expected placement worked out from 6.1's mm/mempolicy.c (`do_migrate_pages`, `do_mbind`,
/// `queue_pages_required`) and mm/migrate.c.
final class MigratePagesTests: XCTestCase {
    static let three = """
        name: three
        nodes:
          - {id: 0, cpus: "0", memory: 128MiB}
          - {id: 1, cpus: "1", memory: 128MiB}
          - {id: 2, cpus: "2", memory: 128MiB}
        distances: [[10, 20, 20], [20, 10, 20], [20, 20, 10]]
        sysctl: {transparent_hugepage: never, numa_balancing: 0}
        """

    var a: PageAllocator!
    var tlbs: CPUTLBs!
    var p: SimulatedProcess!
    var t: ProcessThread!

    override func setUpWithError() throws {
        a = PageAllocator(machine: try boot(Self.three))
        tlbs = CPUTLBs(entries: 64, ways: 4, pcid: false, allocator: a)
        p = try SimulatedProcess(name: "app", asid: 1, mode: PagingMode.x86_64.withPageTableIsolation(), allocator: a, cpu: 0,
                                 policy: .default, zeroPfn: SimulatedProcess.zeroPagePfn)
        t = ProcessThread(name: "t0", cpu: 0, policy: .default, process: p, maxNumNodes: 1024, pid: 1000)
        p.add(t)
        tlbs.switchTo(p.asid, cpu: 0)
    }

    /// Maps `pages` pages bound to `node` and writes them; returns the start.
    func heap(_ name: String, pages: Int, on node: Int) throws -> UInt64 {
        let start = try p.mmap(name: name, length: UInt64(pages) << 12, policy: try MemPolicy.make(.bind, nodes: [node]).get())
        for i in 0..<pages { try p.access(start + UInt64(i) << 12, write: true, thread: t, tlbs: tlbs) }
        return start
    }

    func nodes(_ start: UInt64, _ pages: Int) -> [Int: Int] {
        var out: [Int: Int] = [:]
        for i in 0..<pages { if let n = p.node(ofPageAt: start + UInt64(i) << 12) { out[n, default: 0] += 1 } }
        return out
    }

    /// from {0,1} to {1,2} (same size): node_remap 0→1, 1→2. The first pass over {0,1} takes
    /// 0→1, sees 1 still to be emptied and goes on to 1→2, whose destination is not: node 1
    /// empties to node 2 first, then node 0 moves to node 1 — pages are not moved twice.
    func testMigratePagesPairsNodesWithoutChaining() throws {
        let h0 = try heap("a", pages: 100, on: 0)
        let h1 = try heap("b", pages: 60, on: 1)
        let o = try p.migratePages(from: [0, 1], to: [1, 2], thread: t, tlbs: tlbs)
        XCTAssertEqual(o.moved, 160)
        XCTAssertEqual(o.failed, 0)
        XCTAssertEqual(nodes(h0, 100), [1: 100])
        XCTAssertEqual(nodes(h1, 60), [2: 60])
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 160)
        // Moved pages keep working: a second pass of accesses faults on none of them.
        let faults = p.stats.faults
        for i in 0..<100 { try p.access(h0 + UInt64(i) << 12, write: false, thread: t, tlbs: tlbs) }
        XCTAssertEqual(p.stats.faults, faults)
        p.exit(cpu: 0)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// from {0,1} to {2}: sizes differ, so a source that is also a destination is skipped (none
    /// here); both map to node 2.
    func testMigratePagesManyToOne() throws {
        let h0 = try heap("a", pages: 10, on: 0)
        let h1 = try heap("b", pages: 10, on: 1)
        XCTAssertEqual(try p.migratePages(from: [0, 1], to: [2], thread: t, tlbs: tlbs).moved, 20)
        XCTAssertEqual(nodes(h0, 10), [2: 10])
        XCTAssertEqual(nodes(h1, 10), [2: 10])
    }

    /// mbind with MPOL_MF_MOVE queues the pages whose node is not in the new policy's nodes
    /// (MPOL_MF_INVERT): interleave 0-1 over pages on node 0 moves none; bind 2 moves all;
    /// MPOL_DEFAULT has no nodes, so every page is queued and reallocated by the default policy
    /// (local to CPU 0: node 0) — even pages already there.
    func testMbindMoveQueuesPagesOffThePolicyNodes() throws {
        let h = try heap("a", pages: 32, on: 0)
        let end = h + 32 * 4096
        var o = try p.mbindMove(start: h, end: end, policy: try MemPolicy.make(.interleave, nodes: [0, 1]).get(), thread: t, tlbs: tlbs)
        XCTAssertEqual(o.moved, 0)
        XCTAssertEqual(o.alreadyThere, 32)
        o = try p.mbindMove(start: h, end: end, policy: try MemPolicy.make(.bind, nodes: [2]).get(), thread: t, tlbs: tlbs)
        XCTAssertEqual(o.moved, 32)
        XCTAssertEqual(nodes(h, 32), [2: 32])
        o = try p.mbindMove(start: h, end: end, policy: nil, thread: t, tlbs: tlbs)
        XCTAssertEqual(o.moved, 32)
        XCTAssertEqual(nodes(h, 32), [0: 32])
        // Interleave 1-2 with move: every page (on node 0) is off {1, 2}; `new_page` allocates by
        // the VMA policy, interleave by offset (`interleave_nid`: an anonymous VMA's vm_pgoff is
        // its start >> PAGE_SHIFT), so page k goes to [1, 2][(start/4096 + k) % 2].
        o = try p.mbindMove(start: h, end: end, policy: try MemPolicy.make(.interleave, nodes: [1, 2]).get(), thread: t, tlbs: tlbs)
        XCTAssertEqual(o.moved, 32)
        XCTAssertEqual(nodes(h, 32), [1: 16, 2: 16])
        let first = Int((h >> 12) % 2)
        XCTAssertEqual(p.node(ofPageAt: h), [1, 2][first])
        XCTAssertEqual(p.node(ofPageAt: h + 4096), [1, 2][1 - first])
    }

    /// move_pages-like `migrate` reports pages not present (never touched: -ENOENT) apart.
    func testMoveReportsPagesNotPresent() throws {
        let start = try p.mmap(name: "sparse", length: 8 << 12)
        for i in [0, 2, 4] { try p.access(start + UInt64(i) << 12, write: true, thread: t, tlbs: tlbs) }
        let o = try p.migrate(start: start, end: start + 8 * 4096, to: 1, thread: t, tlbs: tlbs)
        XCTAssertEqual(o.moved, 3)
        XCTAssertEqual(o.notPresent, 5)
    }
}
