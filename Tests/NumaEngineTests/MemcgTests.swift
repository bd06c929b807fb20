import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// `workload` on the two-node 256 MiB test machine, deterministic (or concurrent with `threads`).
private func stressTwoNodes(_ workload: String, threads: Int? = nil) throws -> StressResult {
    let m = try boot(TestTopologies.two256)
    let w = try Workload.parse(workload, file: "w.yaml", topology: m.topology)
    if let threads { return try ConcurrentStress.run(machine: m, workload: w, threads: threads, seed: 1) }
    return try DeterministicStress.run(machine: m, workload: w, seed: 1)
}

/// Issue 17: the memory controller (mm/memcontrol.c, Linux 6.1: `try_charge_memcg`,
/// `try_to_free_mem_cgroup_pages`, `mem_cgroup_oom`, `memory.events`, `memory.numa_stat`).
final class MemcgTests: XCTestCase {

    /// 100 MiB of anon in a 64 MiB memcg without swap, beside an unlimited task. Reclaim cannot
    /// free anon (no swap, no demotion), so `try_charge_memcg` raises MEMCG_MAX on each of its 17
    /// passes (the first and MAX_RECLAIM_RETRIES = 16 more), then `mem_cgroup_oom`: MEMCG_OOM, and
    /// the only task of the memcg, the asker, is killed (CONSTRAINT_MEMCG, totalpages =
    /// memory.max = 16384 pages; MEMCG_OOM_KILL). Its charge retries 17 more passes, then gives up
    /// (`passed_oom && task_is_dying()`): max 34, oom 1, oom_kill 1. The memcg never held more
    /// than 16384 pages; the other task keeps all of its 12800.
    func testOverMemoryMaxWithoutSwapOOMsInsideTheMemcg() throws {
        let r = try stressTwoNodes("""
            cgroups:
              - {name: box, memory.max: 64MiB}
            threads:
              - {cpus: 0, cgroup: box, allocate: 100MiB}
              - {cpus: 2, allocate: 50MiB}
            """)
        let box = try XCTUnwrap(r.allocator.cgroups["box"]).memory
        XCTAssertEqual(box.peak, 16384)
        XCTAssertEqual(box.events(.max), 34)
        XCTAssertEqual(box.events(.oom), 1)
        XCTAssertEqual(box.events(.oomKill), 1)
        XCTAssertEqual(box.current, 0, "the victim's pages were freed and uncharged")
        let kill = try XCTUnwrap(r.allocator.oomKills.all.first)
        XCTAssertEqual(r.allocator.oomKills.all.count, 1)
        XCTAssertEqual(kill.victim, "threads[0]")
        XCTAssertEqual(kill.constraint, .memcg)
        XCTAssertEqual(kill.memcg, "box")
        XCTAssertEqual(kill.totalPages, 16384)
        XCTAssertEqual(kill.victimPages, 16384)
        XCTAssertEqual(r.allocator.vmEvents[.oomKill], 1)
        XCTAssertFalse(r.tasks[1].stats.killed)
        XCTAssertEqual(r.tasks[1].livePages, 12800, "no other task lost a page")
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    /// Page cache beyond memory.max is reclaimed from the memcg itself: 64 MiB of a file read
    /// into a 32 MiB memcg. Every charge above the limit reclaims the memcg's own file pages
    /// (`try_to_free_mem_cgroup_pages`, counted as direct reclaim), so nothing is killed, the
    /// memcg stays at or below 8192 pages and ends with its file pages on the CPU's node 0; an
    /// unlimited task's anon pages are never touched.
    func testPageCacheOverMemoryMaxIsReclaimedFromTheMemcg() throws {
        let r = try stressTwoNodes("""
            cgroups:
              - {name: reader, memory.max: 32MiB}
            threads:
              - {cpus: 0, cgroup: reader, kind: file, file: big, allocate: 64MiB}
              - {cpus: 1, allocate: 20MiB}
            """)
        let m = try XCTUnwrap(r.allocator.cgroups["reader"]).memory
        XCTAssertLessThanOrEqual(m.peak, 8192)
        XCTAssertGreaterThan(m.events(.max), 0)
        XCTAssertEqual(m.events(.oom), 0)
        XCTAssertTrue(r.allocator.oomKills.all.isEmpty)
        XCTAssertGreaterThan(r.allocator.vmEvents[.pgstealDirect], 16384 - 8192 - 100)
        XCTAssertEqual(r.allocator.vmEvents[.allocstallNormal] + r.allocator.vmEvents[.allocstallDMA32] + r.allocator.vmEvents[.allocstallMovable], 0,
                       "memcg reclaim is no allocation stall")
        let stat = m.numaStat(nodeIndex: 0)
        XCTAssertEqual(stat.file, m.current, "every charged page is a file page on node 0")
        XCTAssertEqual(m.numaStat(nodeIndex: 1).file, 0)
        XCTAssertEqual(r.tasks[1].livePages, 5120)
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    /// memory.numa_stat per node: a memcg task on CPU 0 with 40 MiB interleaved over both nodes
    /// and kept (free: never): anon N0 = N1 = 20 MiB, memory.current = 40 MiB = 10240 pages.
    func testNumaStatCountsChargedPagesByNode() throws {
        let r = try stressTwoNodes("""
            cgroups:
              - {name: db}
            threads:
              - {cpus: 0, cgroup: db, policy: "interleave:0-1", allocate: 40MiB}
            """)
        let m = try XCTUnwrap(r.allocator.cgroups["db"]).memory
        XCTAssertEqual(m.current, 10240)
        XCTAssertEqual(m.numaStat(nodeIndex: 0).anon, 5120)
        XCTAssertEqual(m.numaStat(nodeIndex: 1).anon, 5120)
        XCTAssertEqual(m.events(.max), 0)
    }

    /// The concurrent engine: two CPUs of one memcg charge at once; the page counter never lets
    /// memory.current pass memory.max, every page stays in one place, and the charges add up:
    /// memory.current equals the pages its tasks still hold.
    func testConcurrentChargesNeverPassTheLimit() throws {
        let r = try stressTwoNodes("""
            cgroups:
              - {name: box, memory.max: 16MiB}
            threads:
              - {cpus: 0-1, cgroup: box, kind: file, file: f, allocate: 40MiB}
              - {cpus: 2-3, cgroup: box, allocate: 8MiB, free: random, live: 2MiB}
            """, threads: 2)
        let m = try XCTUnwrap(r.allocator.cgroups["box"]).memory
        XCTAssertLessThanOrEqual(m.peak, 4096)
        let stat = (0..<2).map { m.numaStat(nodeIndex: $0) }
        XCTAssertEqual(stat.reduce(0) { $0 + $1.anon + $1.file + $1.pagetables }, m.current, "numa_stat adds up to memory.current")
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }
}

/// memory.low and memory.min in global reclaim (`shrink_node_memcgs`, 6.1).
final class MemcgProtectionTests: XCTestCase {
    /// Two groups read 60 MiB of page cache each on node 0 (CPUs 0 and 1); `kept` has
    /// memory.low 100 MiB, `open` none. Then 150 MiB of anon bound to node 0 (no swap) pushes
    /// node 0 into reclaim: only page cache is reclaimable, and while `open` has some, global
    /// reclaim (kswapd and direct) leaves `kept` alone (below its memory.low), so `kept` keeps all
    /// 15360 of its pages and `open` loses what the anon needs. MEMCG_LOW stays 0: the retry that
    /// dips into protection was never needed.
    func testMemoryLowKeepsAProtectedGroupsPagesWhileAnUnprotectedOneIsReclaimed() throws {
        let r = try stressTwoNodes("""
            cgroups:
              - {name: kept, memory.low: 100MiB}
              - {name: open}
            phases:
              - threads:
                  - {cpus: 0, cgroup: kept, kind: file, file: a, allocate: 60MiB}
                  - {cpus: 1, cgroup: open, kind: file, file: b, allocate: 60MiB}
              - threads:
                  - {cpus: 0, policy: "bind:0", allocate: 150MiB}
            """)
        let kept = try XCTUnwrap(r.allocator.cgroups["kept"]).memory
        let open = try XCTUnwrap(r.allocator.cgroups["open"]).memory
        XCTAssertEqual(kept.current, 15360, "the protected group lost nothing")
        XCTAssertLessThan(open.current, 15360 - 5000, "the unprotected group paid for the anon")
        XCTAssertEqual(kept.events(.low), 0)
        XCTAssertTrue(r.allocator.oomKills.all.isEmpty)
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    /// When the protected group's pages are all there is to reclaim, direct reclaim retries below
    /// memory.low (`memcg_low_reclaim`) and counts MEMCG_LOW rather than failing; memory.min is
    /// never reclaimed: the 60 MiB of page cache under memory.min 200 MiB survive 200 MiB of anon
    /// bound to node 0, which takes the 20 MiB under memory.low, then runs node 0 out and is
    /// OOM-killed.
    func testMemoryMinIsNeverReclaimedAndMemoryLowOnlyWhenNothingElseIs() throws {
        let r = try stressTwoNodes("""
            cgroups:
              - {name: hard, memory.min: 200MiB}
              - {name: soft, memory.low: 200MiB}
            phases:
              - threads:
                  - {cpus: 0, cgroup: hard, kind: file, file: a, allocate: 60MiB}
                  - {cpus: 1, cgroup: soft, kind: file, file: b, allocate: 20MiB}
              - threads:
                  - {cpus: 0, policy: "bind:0", allocate: 200MiB}
            """)
        let hard = try XCTUnwrap(r.allocator.cgroups["hard"]).memory
        let soft = try XCTUnwrap(r.allocator.cgroups["soft"]).memory
        XCTAssertEqual(hard.current, 15360, "memory.min: never reclaimed")
        XCTAssertLessThan(soft.current, 5120, "memory.low gives way when nothing else is left")
        XCTAssertGreaterThan(soft.events(.low), 0)
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }
}

/// memory.high (`mem_cgroup_handle_over_high`, 6.1) on the simulated clock.
final class MemcgHighTests: XCTestCase {
    /// calculate_overage and calculate_high_delay worked by hand: high 512 pages, usage 512 + k:
    /// overage = (k << 20) / 512 = 2048·k; delay = ((2048·k)² · HZ 250 >> 20 >> 14) · 1 / 64
    /// = ⌊⌊k² · 250 / 4096⌋ / 64⌋.
    func testOverageAndDelayFollowTheKernelsFixedPoint() {
        XCTAssertEqual(PageAllocator.memcgOverage(usage: 512, high: 512), 0)
        XCTAssertEqual(PageAllocator.memcgOverage(usage: 512 + 57, high: 512), 57 * 2048)
        XCTAssertEqual(PageAllocator.memcgOverage(usage: 5, high: 0), 4 << 20, "high 0 acts as 1 page")
        XCTAssertEqual(PageAllocator.memcgHighDelay(pages: 1, overage: 56 * 2048), 2)    // 784000/4096 = 191, /64 = 2
        XCTAssertEqual(PageAllocator.memcgHighDelay(pages: 1, overage: 57 * 2048), 3)    // 812250/4096 = 198, /64 = 3
        XCTAssertEqual(PageAllocator.memcgHighDelay(pages: 1, overage: 512 * 2048), 250) // 1 s
        XCTAssertEqual(PageAllocator.memcgHighDelay(pages: 64, overage: 512 * 2048), 250 * 64, "a whole batch pays 64 times")
    }

    /// 4 MiB of anon (1024 pages, one per charge) in a memcg with memory.high 2 MiB (512 pages),
    /// no swap: reclaim frees nothing, so each charge at usage 512 + k pays the delay above once
    /// it passes HZ / 100 = 2 jiffies, i.e. for k = 57 … 512: 456 sleeps of 42509 jiffies in all
    /// (Σ ⌊k² · 250 / 262144⌋, each under the 2 s clamp); every charge above high counts
    /// MEMCG_HIGH 17 times (the first reclaim and 16 retries) when it sleeps. The sleeps are on
    /// the simulated clock: the run takes at least 42509 × 4 ms.
    func testMemoryHighThrottlesOnTheSimulatedClock() throws {
        let r = try stressTwoNodes("""
            cgroups:
              - {name: slow, memory.high: 2MiB}
            threads:
              - {cpus: 0, cgroup: slow, allocate: 4MiB}
            """)
        let g = try XCTUnwrap(r.allocator.cgroups["slow"]).memory
        XCTAssertEqual(g.current, 1024, "memory.high never fails a charge")
        XCTAssertEqual(g.highThrottle.count, 456)
        XCTAssertEqual(g.highThrottle.jiffies, 42509)
        XCTAssertGreaterThanOrEqual(r.simulatedNanoseconds, 42509 * 4_000_000)
        XCTAssertGreaterThan(g.events(.high), 456 * 17 - 1)
        XCTAssertEqual(g.events(.max), 0)
    }
}
