import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// The concurrent engine: 2–8 host threads × random policies, orders and page kinds under
/// memory pressure with kswapd, direct reclaim, swap and OOM. After every run every page is in
/// exactly one place and the counters add up. Also run under ThreadSanitizer by
/// scripts/tsan.sh (`swift test --sanitize=thread --filter ConcurrentStressTests`).
final class ConcurrentStressTests: XCTestCase {

    /// Six groups, one per CPU, each with a random policy, order mix, kind and live set; their
    /// live sets together exceed the machine, so reclaim and refaults happen.
    static func randomWorkload(seed: UInt64, topology: Topology, pagesPerGroup: Int) throws -> Workload {
        var rng = SplitMix64(seed: seed)
        let policies = ["default", "local", "preferred:1", "bind:0,2", "interleave:all", "preferred_many:2,3",
                        "weighted_interleave:0=3,1=1", "bind:+0,1"]
        let orders = ["0", "{0: 80, 1: 10, 3: 10}", "{0: 90, 2: 5, 9: 5}", "{0: 95, 4: 5}"]
        let kinds = ["anon", "file", "file", "anon", "kernel"]
        var text = "swap: 48MiB\nthreads:\n"
        for cpu in 0..<6 {
            let kind = kinds[Int(rng.next() % UInt64(kinds.count))]
            let gfp = kind == "kernel" ? "GFP_KERNEL" : "GFP_HIGHUSER_MOVABLE"
            text += "  - {cpus: \"\(cpu)\", policy: \"\(policies[Int(rng.next() % UInt64(policies.count))])\", gfp: \(gfp), "
            text += "kind: \(kind), order: \(orders[Int(rng.next() % UInt64(orders.count))]), allocate: \(pagesPerGroup), "
            text += "free: random, live: \(kind == "kernel" ? 600 : 9000), touch: \(kind == "kernel" ? 0 : 1)}\n"
        }
        return try Workload.parse(text, file: "random-\(seed).yaml", topology: topology)
    }

    func check(_ r: StressResult, file: StaticString = #filePath, line: UInt = #line) {
        let a = r.allocator
        for phase in r.phaseInvariants { for rep in phase { XCTAssertTrue(rep.ok, "\(rep.violations)", file: file, line: line) } }
        for rep in a.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)", file: file, line: line) }
        // Conservation per zone: buddy free + pcp + allocated = managed (the invariant report
        // counts each page where it is; recheck the sum explicitly).
        for rep in a.checkInvariants() where rep.freePages + rep.pcpPages + rep.allocatedPages > 0 {
            XCTAssertGreaterThanOrEqual(rep.allocatedPages, rep.lruPages, file: file, line: line)
        }
        var served = 0, foreign = 0, miss = 0
        for id in a.nodeIDs {
            let e = a.numastat(node: id)
            XCTAssertEqual(e.numaHit + e.numaMiss, e.localNode + e.otherNode, "node \(id)", file: file, line: line)
            served += e.numaHit + e.numaMiss
            foreign += e.numaForeign
            miss += e.numaMiss
        }
        XCTAssertEqual(served, r.allocations, "one NUMA event per successful allocation", file: file, line: line)
        XCTAssertEqual(foreign, miss, file: file, line: line)
        XCTAssertEqual(a.pgalloc.flatMap { $0 }.reduce(0, +) > 0, r.allocations > 0, file: file, line: line)
        // Swap slots in use never exceed swap, and reclaim never steals more than it scans.
        XCTAssertLessThanOrEqual(a.swap.usedPages, a.swap.totalPages, file: file, line: line)
        XCTAssertLessThanOrEqual(a.vmEvents[.pgstealKswapd], a.vmEvents[.pgscanKswapd], file: file, line: line)
        XCTAssertLessThanOrEqual(a.vmEvents[.pgstealDirect], a.vmEvents[.pgscanDirect], file: file, line: line)
    }

    func testTwoToEightThreadsKeepInvariants() throws {
        let m = try boot(TestTopologies.pressure4n)
        var totalOps = 0
        for (threads, seed) in [(2, UInt64(1)), (3, 2), (4, 3), (8, 4)] {
            let w = try Self.randomWorkload(seed: seed, topology: m.topology, pagesPerGroup: 60_000)
            let r = try ConcurrentStress.run(machine: m, workload: w, threads: threads, seed: seed)
            check(r)
            XCTAssertEqual(r.threads, threads)
            totalOps += r.ops
        }
        XCTAssertGreaterThan(totalOps, 1_000_000, "millions of operations across the runs")
    }

    /// The live sets exceed memory: kswapd is woken, reclaims page cache and swaps anon, pages
    /// that were reclaimed and touched again refault.
    func testPressureWakesKswapdAndReclaims() throws {
        let m = try boot(TestTopologies.pressure4n)
        let w = try Workload.parse("""
            swap: 32MiB
            threads:
              - {cpus: "0-1", kind: file, allocate: 120000, free: random, live: 30000, touch: 1}
              - {cpus: "2-3", kind: anon, allocate: 120000, free: random, live: 24000, touch: 1}
            """, file: "w.yaml", topology: m.topology)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 7)
        check(r)
        let a = r.allocator
        XCTAssertGreaterThan(a.kswapdWakeups.values.reduce(0, +), 0)
        XCTAssertGreaterThan(r.kswapdRuns.reduce(0, +), 0)
        XCTAssertGreaterThan(a.vmEvents[.pgstealFile], 0)
        // Refaults activated since the last reclaim run (WORKINGSET_ACTIVATE changed) make 6.1's
        // prepare_scan_count deactivate file and leave cache-trim mode, so anon is scanned too;
        // every page that went to swap was stolen from the anon list.
        XCTAssertLessThanOrEqual(a.vmEvents[.pswpout], a.vmEvents[.pgstealAnon])
        XCTAssertGreaterThan(r.refaults, 0)
        XCTAssertEqual(a.vmEvents[.pgmajfault], r.refaults)
        XCTAssertEqual(a.vmEvents[.workingsetRefaultAnon] + a.vmEvents[.workingsetRefaultFile], r.refaults)
        XCTAssertEqual(a.vmEvents[.pageoutrun], r.kswapdRuns.reduce(0, +), "one pageoutrun per balance_pgdat")
    }

    /// Anonymous memory beyond RAM with swap and no page cache: anon pages are swapped out,
    /// touched ones swap back in, swap slots are accounted.
    func testAnonBeyondMemorySwaps() throws {
        let m = try boot(TestTopologies.pressure4n)
        let w = try Workload.parse("""
            swap: 64MiB
            threads:
              - {cpus: "0-5", kind: anon, allocate: 150000, free: random, live: 62000, touch: 1}
            """, file: "w.yaml", topology: m.topology)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 5)
        check(r)
        let a = r.allocator
        XCTAssertGreaterThan(a.vmEvents[.pswpout], 0)
        XCTAssertGreaterThan(a.vmEvents[.pswpin], 0)
        XCTAssertEqual(a.vmEvents[.pswpin], a.vmEvents[.workingsetRefaultAnon])
        XCTAssertGreaterThan(a.swap.usedPages, 0, "the live set still has pages in swap")
        XCTAssertEqual(a.vmEvents[.oomKill], 0)
    }

    /// Anonymous memory beyond RAM with no swap: nothing reclaimable, the OOM killer picks the
    /// largest task, its pages come back, and the run goes on to the end.
    func testOOMKillsTheLargestTaskAndTheRunContinues() throws {
        let m = try boot(TestTopologies.pressure4n)
        let w = try Workload.parse("""
            threads:
              - {cpus: "0", kind: anon, allocate: 70000}
              - {cpus: "2", kind: anon, allocate: 20000, free: random, live: 2000}
            """, file: "w.yaml", topology: m.topology)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 3)
        check(r)
        XCTAssertGreaterThan(r.allocator.vmEvents[.oomKill], 0)
        XCTAssertTrue(r.oomKilled.contains("threads[0] cpu 0"), "\(r.oomKilled)")
        XCTAssertFalse(r.oomKilled.contains("threads[1] cpu 2"))
        XCTAssertEqual(r.tasks.first { $0.name == "threads[1] cpu 2" }?.stats.allocations, 20000, "the small task finishes")
    }

    /// A sysctl phase recomputes watermarks on the node actors between run phases.
    func testSysctlPhaseAppliesNewWatermarks() throws {
        let m = try boot(TestTopologies.pressure4n)
        let w = try Workload.parse("""
            phases:
              - threads: [{cpus: "0", allocate: 1000, free: immediately}]
              - sysctl: {min_free_kbytes: 16384, watermark_scale_factor: 100}
              - threads: [{cpus: "2", allocate: 1000, free: immediately}]
            """, file: "w.yaml", topology: m.topology)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 1)
        check(r)
        var t = m.topology
        try t.sysctl.apply(assignment: "min_free_kbytes=16384", arch: t.arch)
        try t.sysctl.apply(assignment: "watermark_scale_factor=100", arch: t.arch)
        let expected = try BootedMachine(topology: t)
        for (n, id) in r.allocator.nodeIDs.enumerated() {
            for (z, b) in zip(r.allocator.nodes[n].zones, expected.zones[id]!) where b.isPopulated {
                XCTAssertEqual(z.baseWatermark.min, b.watermark.min)
                XCTAssertEqual(z.baseWatermark.high, b.watermark.high)
                XCTAssertEqual(z.lowmemReserve, b.lowmemReserve)
            }
        }
        XCTAssertNotEqual(expected.zones[0]![1].watermark.high, m.zones[0]![1].watermark.high, "the step changed something")
    }

    /// Memory hotplug between concurrent phases: kswapd is stopped, the node's pages migrate,
    /// the blocks go offline and come back; every phase ends with every page in one place, and
    /// numastat counts the migration allocations besides the tasks' own.
    func testHotplugBetweenConcurrentPhases() throws {
        let m = try boot(TestTopologies.hotplug4n)
        let w = try Workload.parse("""
            phases:
              - threads:
                  - {cpus: "0", policy: "bind:2", kind: anon, allocate: 20000, free: random, live: 3000}
                  - {cpus: "2", policy: "interleave:all", kind: file, allocate: 20000, free: random, live: 3000}
              - hotplug: {offline: 2}
              - threads:
                  - {cpus: "1", policy: "interleave:all", kind: anon, allocate: 20000, free: random, live: 2000}
                  - {cpus: "3", policy: "preferred:2", kind: file, allocate: 20000, free: random, live: 2000}
              - hotplug: {online: 2}
              - threads:
                  - {cpus: "0-3", policy: "bind:2", allocate: 8000, free: immediately}
            """, file: "w.yaml", topology: m.topology)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 5)
        let a = r.allocator
        XCTAssertEqual(r.phaseInvariants.count, 3)
        for phase in r.phaseInvariants { for rep in phase { XCTAssertTrue(rep.ok, "\(rep.violations)") } }
        for rep in a.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
        XCTAssertEqual(r.hotplug.count, 2)
        XCTAssertEqual(r.hotplug[0].blocksDone, 8)
        XCTAssertGreaterThan(r.hotplug[0].pagesMigrated, 0)
        XCTAssertEqual(r.hotplug[1].blocksDone, 8)
        XCTAssertEqual(a.nodes[2].zones[2].managed, 262144)
        var served = 0
        for id in a.nodeIDs { let e = a.numastat(node: id); served += e.numaHit + e.numaMiss }
        XCTAssertEqual(served, r.allocations + r.hotplug[0].pagesMigrated, "task allocations + migration targets")
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], r.hotplug[0].pagesMigrated)
        // While node 2 was offline nothing landed there: its numa_hit comes from phases 1 and 3.
        XCTAssertGreaterThan(a.numastat(node: 2).numaHit, 0)
    }

    /// The node actor runs on its own Dispatch queue (the custom executor) and its snapshot
    /// agrees with the allocator.
    func testNodeActorRunsOnItsQueueAndSnapshots() throws {
        let m = try boot(TestTopologies.pressure4n)
        let a = PageAllocator(machine: m)
        let sim = SimulatedMachine(allocator: a)
        let snaps = sim.snapshots()
        XCTAssertEqual(snaps.map(\.node), [0, 1, 2, 3])
        for (n, s) in snaps.enumerated() { XCTAssertEqual(s.free, a.freePages(node: a.nodeIDs[n])) }
        let onQueue = SimulatedMachine.blocking { await sim.nodes[1].isOnOwnQueue() }
        XCTAssertTrue(onQueue)
    }
}
