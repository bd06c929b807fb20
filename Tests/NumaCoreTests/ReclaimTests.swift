import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology
/// Reclaim on the deterministic model: kswapd's balance test, direct reclaim in the slow path,
/// hopeless nodes, node reclaim (zone_reclaim_mode) and the highatomic unreserve.
final class ReclaimTests: XCTestCase {
    static let oneNode = """
        name: small
        nodes: [{id: 0, cpus: "0-1", memory: 64MiB}]
        sysctl: {transparent_hugepage: never}
        """

    /// Allocates on CPU 0 (page cache, anon or kernel memory) until the node's last zone is at
    /// `mark`, or until the fast path fails everywhere and the slow path first wakes kswapd
    /// (which no engine runs here) — then every zone is at its low watermark.
    func fill(_ a: PageAllocator, kind: PageKind, untilFreeBelow mark: (Zone) -> Int) -> [AllocatedBlock] {
        var held: [AllocatedBlock] = []
        let z = a.nodes[0].zones.last { $0.managed > 0 }!
        let limit = a.nodes[0].zones.reduce(0) { $0 + $1.managed }
        // Stops at the mark, or as soon as an allocation had to reclaim (the slow path keeps
        // free pages near min, so a mark below it is never reached by user allocations).
        while z.nrFreePages > mark(z) && held.count < limit && a.vmEvents[.pgscanDirect] == 0 && a.kswapdWakeups.isEmpty {
            guard case .success(let b) = a.allocPages(gfp: kind == .kernel ? .kernel : .highUserMovable, order: 0,
                                                      preferredNode: 0, cpu: 0) else { break }
            a.addToLRU(b, kind: kind)
            held.append(b)
        }
        return held
    }

    /// pgdat_balanced: a fresh node meets its high watermark; below it, not.
    func testPgdatBalancedFollowsTheHighWatermark() throws {
        let a = PageAllocator(machine: try boot(Self.oneNode))
        let hz = a.nodes[0].zones.count - 1
        XCTAssertTrue(a.pgdatBalanced(nodeIndex: 0, order: 0, highestZone: hz))
        _ = fill(a, kind: .file) { $0.watermarkPages(.high) - 1 }
        a.drainAllPages()
        let z = a.nodes[0].zones.last { $0.managed > 0 }!
        XCTAssertLessThanOrEqual(z.nrFreePages, z.watermarkPages(.high) + 64)
        // The check is "> mark + lowmem_reserve" on free pages: recompute it by hand.
        let expected = a.nodes[0].zones.contains { $0.managed > 0 && $0.nrFreePages > $0.watermarkPages(.high) + $0.lowmemReserve[hz] }
        XCTAssertEqual(a.pgdatBalanced(nodeIndex: 0, order: 0, highestZone: hz), expected)
    }

    /// With memory full of clean page cache and no kswapd, a GFP_KERNEL allocation reclaims
    /// directly: one ALLOCSTALL_NORMAL-class stall per try_to_free_pages, pages stolen, and the
    /// allocation succeeds.
    func testDirectReclaimFreesPageCache() throws {
        let a = PageAllocator(machine: try boot(Self.oneNode))
        let held = fill(a, kind: .file) { _ in 0 }
        XCTAssertGreaterThan(held.count, 10_000)
        XCTAssertEqual(a.vmEvents[.pgscanDirect], 0, "filling stopped before reclaim")
        var ok = 0
        for _ in 0..<2000 {
            if case .success = a.allocPages(gfp: .kernel, order: 0, preferredNode: 0, cpu: 1) { ok += 1 }
        }
        XCTAssertEqual(ok, 2000)
        // GFP_KERNEL's gfp_zone is Normal; this node has no Normal zone, but the stall is counted
        // by the request's classzone, as the kernel does.
        XCTAssertGreaterThan(a.vmEvents[VMEvent.allocstall(zone: 2)], 0)
        XCTAssertGreaterThan(a.vmEvents[.pgstealDirect], 0)
        XCTAssertEqual(a.vmEvents[.pgstealDirect], a.vmEvents[.pgstealFile])
        XCTAssertEqual(a.vmEvents[.pgscanDirect], a.vmEvents[.pgscanFile])
        XCTAssertEqual(a.vmEvents[.pgstealKswapd], 0)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
        // The owners' handles of stolen pages went stale.
        let stale = held.filter { !a.isOwned($0) }.count
        XCTAssertEqual(stale, a.vmEvents[.pgstealDirect])
    }

    /// GFP_ATOMIC cannot reclaim: below its reserve it fails with that reason, and no stall.
    func testAtomicDoesNotReclaim() throws {
        let a = PageAllocator(machine: try boot(Self.oneNode))
        _ = fill(a, kind: .file) { _ in 0 }
        var failure: AllocFailure?
        for _ in 0..<100_000 {
            if case .failure(let f) = a.allocPages(gfp: .atomicMask, order: 0, preferredNode: 0, cpu: 0) { failure = f; break }
        }
        XCTAssertEqual(failure, .noMemory(order: 0, gfp: .atomicMask, reason: .cannotReclaim))
        XCTAssertEqual(a.vmEvents[.pgscanDirect], 0)
    }

    /// Kernel memory cannot be reclaimed: balance_pgdat reclaims nothing, kswapd_failures counts
    /// up, and at 16 the node is hopeless — wakeup_kswapd no longer wakes it.
    func testUnreclaimableNodeBecomesHopeless() throws {
        let a = PageAllocator(machine: try boot(Self.oneNode))
        let woken = Counter()
        a.kswapdWaker = { _ in woken.bump() }
        _ = fill(a, kind: .kernel) { _ in 0 }
        let hz = a.nodes[0].zones.count - 1
        // Every zone below its low watermark (without boost: balance_pgdat clears boosts, and any
        // one balanced zone would make the node balanced).
        for z in a.nodes[0].zones where z.managed > 0 {
            while z.nrFreePages > z.baseWatermark.low { _ = z.allocBlock(order: 0, .movable) }
        }
        for i in 1...PageAllocator.maxReclaimRetries {
            _ = a.balancePgdat(nodeIndex: 0, order: 0, highestZone: hz)
            XCTAssertEqual(a.nodes[0].reclaim.kswapdFailures, i)
        }
        XCTAssertEqual(a.vmEvents[.pageoutrun], PageAllocator.maxReclaimRetries)
        XCTAssertTrue(a.prepareKswapdSleep(nodeIndex: 0, order: 0, highestZone: hz), "a hopeless node lets kswapd sleep")
        let before = woken.value
        a.wakeupKswapd(nodeIndex: 0, order: 0, highestZone: hz, gfp: .kernel)
        XCTAssertEqual(woken.value, before, "no wake-up for a hopeless node")
    }

    func testUnreserveHighatomicPageblock() throws {
        let a = PageAllocator(machine: try boot(Self.oneNode))
        let zi = a.nodes[0].zones.lastIndex { $0.managed > 0 }!
        let z = a.nodes[0].zones[zi]
        guard case .success(let b) = a.allocPages(gfp: .atomicMask, order: 1, preferredNode: 0, cpu: 0) else { return XCTFail() }
        a.reserveHighatomicPageblock(node: 0, zone: zi, pfn: b.pfn)
        XCTAssertEqual(z.nrReservedHighatomic, 512)
        XCTAssertEqual(z.memmap.pageblockMigrateType(pfn: b.pfn), .highAtomic)
        var ac = PageAllocator.AllocContext(gfp: .highUserMovable, order: 0, highestZone: zi, migrateType: .movable,
                                            zonelist: a.zonelistTable.list(nodeIndex: 0, thisNode: false), nodemask: nil, preferred: 0, cpu: 0)
        ac.preferred = a.firstZone(ac)
        XCTAssertTrue(a.unreserveHighatomicPageblock(ac, force: true))
        XCTAssertEqual(z.nrReservedHighatomic, 0)
        XCTAssertEqual(z.memmap.pageblockMigrateType(pfn: b.pfn), .movable)
        XCTAssertFalse(a.unreserveHighatomicPageblock(ac, force: true), "nothing left to unreserve")
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var v = 0
    func bump() { lock.lock(); v += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return v }
}
