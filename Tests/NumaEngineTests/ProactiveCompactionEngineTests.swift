import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// Proactive compaction in the engines (Linux 6.1 `kcompactd()`): each node's kcompactd timer
/// runs out every 500 ms of simulated time while a phase runs, and compacts a node whose
/// fragmentation score is above the high mark (`compaction_proactiveness`); with
/// `compaction_proactiveness: 0` there is no timer at all.
final class ProactiveCompactionEngineTests: XCTestCase {
    static let ms = 1_000_000

    // MARK: a process fragments a node, then idles (deterministic engine)

    static func oneNode(_ proactiveness: Int?) -> String {
        let extra = proactiveness.map { ", compaction_proactiveness: \($0)" } ?? ""
        return """
            name: small
            nodes: [{id: 0, cpus: "0-1", memory: 64MiB}]
            sysctl: {transparent_hugepage: never\(extra)}
            """
    }

    /// CompactionWorkloadTests' fragmentation (56 MiB touched, every odd pfn dropped: order-0
    /// holes in both zones), then 4 s of one access per ms to a page already mapped.
    static let madvise = """
        phases:
          - processes:
              - name: frag
                exit: false
                mmap: [{name: heap, size: 56MiB}, {name: idle, size: 4KiB}]
                threads:
                  - cpu: 0
                    steps:
                      - touch: {vma: heap}
                      - madvise: {vma: heap, advice: dontneed, select: odd_pfn}
                      - touch: {vma: idle, pattern: uniform, duration: 4s, think: 1ms}
        """

    func runDeterministic(_ topology: String, _ workload: String, seed: UInt64 = 1) throws -> StressResult {
        let m = try boot(topology)
        let w = try Workload.parse(workload, file: "w.yaml", topology: m.topology)
        return try DeterministicStress.run(machine: m, workload: w, seed: seed)
    }

    func zone(_ a: PageAllocator, _ node: Int, _ name: String) -> Zone { a.nodes[node].zones.first { $0.name == name }! }

    /// With the kernel's default proactiveness (20: marks 80 and 90) the madvised node scores
    /// 99 (both zones 100: every free page a lone order-0 hole), so kcompactd's first timeout, at
    /// 500 ms into the idle step, compacts it. In DMA the free scanner finds holes and the pass
    /// goes on until DMA's score is at the low mark (80); in DMA32 nothing moves (the free
    /// scanner's stride steps over every hole: docs/compaction.md) and its free lists are those
    /// of the run without proactive compaction. The node's score went down, so the next timeout
    /// is 500 ms after the pass; the second pass finds DMA at its mark and DMA32 unmovable, the
    /// score stays, and kcompactd defers by 500 ms << COMPACT_MAX_DEFER_SHIFT = 32 s — past the
    /// end of the run: two timeouts, two passes. `compact_daemon_wake` counts none of them.
    /// With proactiveness 0 nothing of this happens: no timer, no compaction counter.
    func testMadvisedNodeIsCompactedOnTheTimerThenDeferred() throws {
        let off = try runDeterministic(Self.oneNode(0), Self.madvise)
        let a0 = off.allocator
        XCTAssertNil(a0.kcompactdDeadline(nodeIndex: 0))
        XCTAssertEqual(a0.nodes[0].kcompactd.timerExpiries, 0)
        XCTAssertEqual(a0.vmEvents[.compactMigrateScanned], 0)
        XCTAssertEqual(a0.vmEvents[.pgmigrateSuccess], 0)
        XCTAssertEqual(a0.fragmentationScoreNode(nodeIndex: 0), 99)
        XCTAssertEqual(a0.fragmentationScoreZone(zone(a0, 0, "DMA")), 100)
        XCTAssertEqual(a0.fragmentationScoreZone(zone(a0, 0, "DMA32")), 100)
        XCTAssertGreaterThan(off.simulatedNanoseconds, 4_000 * Self.ms)

        let on = try runDeterministic(Self.oneNode(nil), Self.madvise)
        let a = on.allocator
        let k = a.nodes[0].kcompactd
        XCTAssertEqual(a.compactionProactiveness, 20)
        XCTAssertEqual(on.simulatedNanoseconds, off.simulatedNanoseconds, "kcompactd's work is not the CPU's")
        XCTAssertEqual(k.timerExpiries, 2)
        XCTAssertEqual(k.proactiveRuns, 2)
        let deadline = try XCTUnwrap(a.kcompactdDeadline(nodeIndex: 0)) - 32_000 * Self.ms
        XCTAssertGreaterThan(deadline, 1_000 * Self.ms, "the second pass came 500 ms after the first ended")
        XCTAssertLessThan(deadline, 1_010 * Self.ms)
        XCTAssertLessThanOrEqual(a.fragmentationScoreZone(zone(a, 0, "DMA")), 80)
        XCTAssertEqual(zone(a, 0, "DMA32").freeArea.nrFree, zone(a0, 0, "DMA32").freeArea.nrFree)
        XCTAssertEqual(zone(a, 0, "DMA").nrFreePages, zone(a0, 0, "DMA").nrFreePages, "a migration frees a page for each it takes")
        XCTAssertLessThan(a.fragmentationScoreNode(nodeIndex: 0), 99)
        XCTAssertGreaterThan(a.fragmentationScoreNode(nodeIndex: 0), 90, "DMA32 weighs 75 of it")
        XCTAssertGreaterThan(a.vmEvents[.pgmigrateSuccess], 0)
        XCTAssertGreaterThan(a.vmEvents[.compactMigrateScanned], a.vmEvents[.pgmigrateSuccess])
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 0)
        XCTAssertEqual(a.vmEvents[.compactDaemonMigrateScanned], 0)
        XCTAssertEqual(a.vmEvents[.compactStall], 0)
        for phase in on.phaseInvariants { for r in phase { XCTAssertTrue(r.ok, "\(r.violations)") } }
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    // MARK: run phases fragment node 0, a slow reader idles on node 1 (both engines)

    /// Two 64 MiB nodes; reading a page of a file costs 5 ms, so phase 2's 790 reads last
    /// 3.95 s (a deadline is never near its end).
    static func twoNodes(_ proactiveness: Int) -> String {
        """
        name: two
        nodes: [{id: 0, cpus: "0-1", memory: 64MiB}, {id: 1, cpus: "2-3", memory: 64MiB}]
        sysctl: {transparent_hugepage: never, compaction_proactiveness: \(proactiveness)}
        costs: {file_read_per_page: 5000000}
        """
    }

    /// Phase 1 (about 9 ms): CPUs 0 and 1 fill node 0 with anon pages, CPU 1's freed at its
    /// exit, leaving holes between CPU 0's. Phase 2: CPU 2 reads a file into node 1.
    static let runPhases = """
        phases:
          - threads:
              - {cpus: "0", policy: "bind:0", kind: anon, allocate: 7000, free: never}
              - {cpus: "1", policy: "bind:0", kind: anon, allocate: 7000, free: at_exit}
          - threads:
              - {cpus: "2", policy: "bind:1", kind: file, allocate: 790, free: never}
        """

    func run(_ proactiveness: Int, concurrent: Bool) throws -> StressResult {
        let m = try boot(Self.twoNodes(proactiveness))
        let w = try Workload.parse(Self.runPhases, file: "w.yaml", topology: m.topology)
        return concurrent ? try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 1)
                          : try DeterministicStress.run(machine: m, workload: w, seed: 1)
    }

    /// Node 0 ends phase 1 scoring about 89 (its free pages in small holes; DMA32's weight is
    /// 75 of 100; exactly 89 in the deterministic engine). With proactiveness 50 (marks 50 and 60): the timer runs out every
    /// 500 ms of simulated time on both nodes while phase 2 runs (7 times in its 3.95 s); the first
    /// timeout compacts node 0 until each zone is at the low mark or its scanners met, below
    /// the high mark — so no deferral, and no later pass. Node 1, barely used, is left alone:
    /// its deadlines are exact multiples of 500 ms. Node 0's run out 500 ms after the end of the
    /// pass, whose length is the work on its kswapd's counter row (its kswapd never ran).
    /// With proactiveness 20 (high mark 90) the deterministic run's node 0 is left alone; with 0
    /// no timer runs in either engine.
    func testRunPhasesFragmentThenTimerCompactsInBothEngines() throws {
        for concurrent in [false, true] {
            let engine = concurrent ? "concurrent" : "deterministic"
            let r = try run(50, concurrent: concurrent)
            let a = r.allocator
            XCTAssertGreaterThan(r.simulatedNanoseconds, 3_950 * Self.ms, engine)
            XCTAssertLessThan(r.simulatedNanoseconds, 3_990 * Self.ms, engine)
            XCTAssertEqual(a.vmEvents[.pageoutrun], 0, engine)
            for n in 0..<2 { XCTAssertEqual(a.nodes[n].kcompactd.timerExpiries, 7, "\(engine) node \(n)") }
            XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 1, engine)
            XCTAssertEqual(a.nodes[1].kcompactd.proactiveRuns, 0, engine)
            XCTAssertEqual(a.kcompactdDeadline(nodeIndex: 1), 4_000 * Self.ms, engine)
            let pass = a.workNanoseconds(row: a.kswapdSlot(nodeIndex: 0))
            XCTAssertGreaterThan(pass, 0, engine)
            XCTAssertEqual(a.kcompactdDeadline(nodeIndex: 0), 4_000 * Self.ms + pass, engine)
            XCTAssertLessThanOrEqual(a.fragmentationScoreNode(nodeIndex: 0), 60, engine)
            XCTAssertGreaterThan(a.vmEvents[.pgmigrateSuccess], 1000, engine)
            XCTAssertEqual(a.vmEvents[.compactDaemonWake], 0, engine)
            XCTAssertEqual(a.vmEvents[.compactStall], 0, engine)
            for phase in r.phaseInvariants { for rep in phase { XCTAssertTrue(rep.ok, "\(engine): \(rep.violations)") } }
            for rep in a.checkInvariants() { XCTAssertTrue(rep.ok, "\(engine): \(rep.violations)") }

            if !concurrent {
                // (The concurrent engine's holes depend on how its host threads raced.)
                let below = try run(20, concurrent: concurrent).allocator
                XCTAssertEqual(below.fragmentationScoreNode(nodeIndex: 0), 89, engine)
                XCTAssertEqual(below.nodes[0].kcompactd.timerExpiries, 7, engine)
                XCTAssertEqual(below.nodes[0].kcompactd.proactiveRuns, 0, engine)
                XCTAssertEqual(below.vmEvents[.compactMigrateScanned], 0, engine)
                XCTAssertEqual(below.kcompactdDeadline(nodeIndex: 0), 4_000 * Self.ms, engine)
            }

            let off = try run(0, concurrent: concurrent).allocator
            for n in 0..<2 {
                XCTAssertNil(off.kcompactdDeadline(nodeIndex: n), engine)
                XCTAssertEqual(off.nodes[n].kcompactd.timerExpiries, 0, engine)
            }
            XCTAssertEqual(off.vmEvents[.compactMigrateScanned], 0, engine)
            XCTAssertEqual(off.vmEvents[.pgmigrateSuccess], 0, engine)
        }
    }

    /// The deterministic engine stays reproducible with kcompactd's events: the same seed gives
    /// the same counters, times and deadlines; and the timer changes nothing the CPUs do here
    /// (node 0's pages are moved, but no task touches them again).
    func testDeterministicRunsWithProactiveCompactionAreReproducible() throws {
        let x = try run(50, concurrent: false), y = try run(50, concurrent: false), off = try run(0, concurrent: false)
        XCTAssertEqual(x.simulatedNanoseconds, y.simulatedNanoseconds)
        for e in VMEvent.allCases { XCTAssertEqual(x.allocator.vmEvents[e], y.allocator.vmEvents[e], e.kernelName) }
        XCTAssertEqual(x.tasks.map(\.clockNs), y.tasks.map(\.clockNs))
        for n in 0..<2 {
            XCTAssertEqual(x.allocator.kcompactdDeadline(nodeIndex: n), y.allocator.kcompactdDeadline(nodeIndex: n))
            XCTAssertEqual(x.allocator.nodes[n].zones.map(\.freeArea.nrFree), y.allocator.nodes[n].zones.map(\.freeArea.nrFree))
        }
        XCTAssertEqual(x.tasks.map(\.clockNs), off.tasks.map(\.clockNs))
        XCTAssertEqual(x.simulatedNanoseconds, off.simulatedNanoseconds)
    }

    /// A `sysctl` step writing `compaction_proactiveness: 50` after phase 1, on a machine booted
    /// with 0 (no timer): `compaction_proactiveness_sysctl_handler` wakes every kcompactd for a
    /// proactive pass at once — node 0 is compacted between the phases — and each 500 ms timer
    /// runs from then on, so node 1's deadlines are the step's time plus multiples of 500 ms
    /// (not multiples of 500 ms: phase 1 took about 9 ms) and come 7 times in phase 2's 3.95 s;
    /// node 0 needs no second pass, its deadlines later by the pass's work (on its kswapd row).
    func testSysctlWriteWakesKcompactdInBothEngines() throws {
        let workload = Self.runPhases.replacingOccurrences(of: "  - threads:\n      - {cpus: \"2\"",
                                                           with: "  - sysctl: {compaction_proactiveness: 50}\n  - threads:\n      - {cpus: \"2\"")
        XCTAssertTrue(workload.contains("sysctl"))
        for concurrent in [false, true] {
            let engine = concurrent ? "concurrent" : "deterministic"
            let m = try boot(Self.twoNodes(0))
            let w = try Workload.parse(workload, file: "w.yaml", topology: m.topology)
            let r = concurrent ? try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 1)
                               : try DeterministicStress.run(machine: m, workload: w, seed: 1)
            let a = r.allocator
            XCTAssertEqual(a.compactionProactiveness, 50, engine)
            XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 1, engine)
            XCTAssertGreaterThan(a.vmEvents[.pgmigrateSuccess], 1000, engine)
            XCTAssertLessThanOrEqual(a.fragmentationScoreNode(nodeIndex: 0), 60, engine)
            XCTAssertEqual(a.vmEvents[.compactDaemonWake], 0, engine)
            for n in 0..<2 { XCTAssertEqual(a.nodes[n].kcompactd.timerExpiries, 7, "\(engine) node \(n)") }
            let d1 = try XCTUnwrap(a.kcompactdDeadline(nodeIndex: 1))
            let written = d1 - 8 * 500 * Self.ms
            XCTAssertGreaterThan(written, 1 * Self.ms, engine)
            XCTAssertLessThan(written, 50 * Self.ms, engine)
            XCTAssertEqual(a.kcompactdDeadline(nodeIndex: 0), d1 + a.workNanoseconds(row: a.kswapdSlot(nodeIndex: 0)), engine)
            for phase in r.phaseInvariants { for rep in phase { XCTAssertTrue(rep.ok, "\(engine): \(rep.violations)") } }
        }
    }
}
