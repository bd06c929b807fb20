import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// The simulated clock (docs/time.md): the deterministic engine is a discrete-event simulation
/// in which kswapd races the allocating CPUs, and the concurrent engine's results no longer
/// depend on how fast the host runs its threads.
final class SimulatedTimeTests: XCTestCase {
    /// Page cache beyond memory on two nodes: kswapd must reclaim all the time.
    static let pressure = """
        threads:
          - {cpus: "0", kind: file, allocate: 120000, free: random, live: 30000}
          - {cpus: "2", kind: file, allocate: 120000, free: random, live: 30000}
        """

    func stress(_ costs: String = "", workload: String = pressure, seed: UInt64 = 3,
             observer: StressObserver? = nil) throws -> StressResult {
        let m = try boot(TestTopologies.pressure4n + (costs.isEmpty ? "" : "\n" + costs))
        let w = try Workload.parse(workload, file: "w.yaml", topology: m.topology)
        return try DeterministicStress.run(machine: m, workload: w, seed: seed, observer: observer)
    }

    /// Same inputs, same seed: the same counters and the same simulated time, to the ns.
    func testDeterministicRunsAgreeToTheNanosecond() throws {
        let a = try stress(), b = try stress()
        XCTAssertEqual(a.simulatedNanoseconds, b.simulatedNanoseconds)
        XCTAssertGreaterThan(a.simulatedNanoseconds, 0)
        for e in VMEvent.allCases { XCTAssertEqual(a.allocator.vmEvents[e], b.allocator.vmEvents[e], e.kernelName) }
        XCTAssertEqual(a.tasks.map(\.clockNs), b.tasks.map(\.clockNs))
    }

    /// The run's time is what its operations cost: with no reclaim and no pcp work the clock
    /// of a task that only allocates kernel pages is exactly allocations × alloc_fast_path
    /// plus its refill batches.
    func testClockIsTheSumOfTheCosts() throws {
        let r = try stress("costs: {alloc_fast_path: 1000, pcp_batch: 0, pcp_per_page: 0, buddy_split: 0, buddy_merge: 0}",
                        workload: "threads:\n  - {cpus: \"0\", gfp: GFP_KERNEL, kind: kernel, allocate: 5000, free: never}")
        XCTAssertEqual(r.tasks[0].stats.allocations, 5000)
        XCTAssertEqual(r.tasks[0].clockNs, 5000 * 1000)
        XCTAssertEqual(r.simulatedNanoseconds, 5000 * 1000)
    }

    /// kswapd runs beside the CPUs: with reclaim as cheap as the defaults it keeps up (no direct
    /// reclaim); when reclaiming a page costs 100 µs the allocating CPUs outrun it and enter
    /// direct reclaim themselves (allocstall, pgscan_direct), as the kernel's would.
    func testSlowKswapdFallsBehindAndCPUsReclaimDirectly() throws {
        let fast = try stress()
        let slow = try stress("costs: {reclaim_free_per_page: 100000}")
        let stalls = { (r: StressResult) in (0..<5).reduce(0) { $0 + r.allocator.vmEvents[VMEvent.allocstall(zone: $1)] } }
        XCTAssertGreaterThan(fast.allocator.vmEvents[.pgstealKswapd], 10_000)
        XCTAssertGreaterThan(stalls(slow), 10 * max(1, stalls(fast)), "fast \(stalls(fast)), slow \(stalls(slow))")
        XCTAssertGreaterThan(slow.allocator.vmEvents[.pgstealDirect], fast.allocator.vmEvents[.pgstealDirect])
        XCTAssertGreaterThan(slow.simulatedNanoseconds, fast.simulatedNanoseconds)
        for r in [fast, slow] { for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") } }
    }

    /// kswapd_try_to_sleep's nap: while CPUs keep allocating, a wake-up during the HZ/10 nap
    /// counts kswapd_low_wmark_hit_quickly; with a 1 ns nap the nap almost always ends first.
    func testWakeupsDuringTheNapCountLowWmarkHitQuickly() throws {
        let normal = try stress()
        let instant = try stress("costs: {kswapd_nap: 1}")
        XCTAssertGreaterThan(normal.allocator.vmEvents[.kswapdLowWmarkHitQuickly], 0)
        XCTAssertLessThan(instant.allocator.vmEvents[.kswapdLowWmarkHitQuickly] * 10, normal.allocator.vmEvents[.kswapdLowWmarkHitQuickly],
                          "\(instant.allocator.vmEvents[.kswapdLowWmarkHitQuickly]) vs \(normal.allocator.vmEvents[.kswapdLowWmarkHitQuickly])")
        XCTAssertGreaterThan(instant.allocator.vmEvents[.pageoutrun], 0)
    }

    /// Latency percentiles are simulated ns: the pcp hit costs exactly alloc_fast_path, and
    /// direct reclaim puts allocations far out in the tail.
    func testLatencyPercentilesAreSimulated() throws {
        let obs = StressObserver(everyOps: 1000, recordLatency: true)
        let r = try stress("costs: {reclaim_free_per_page: 100000}", observer: obs)
        let merged = r.tasks.compactMap(\.latency).reduce(OpLatency(), +)
        let s = try XCTUnwrap(merged.summary(.allocOrder0))
        XCTAssertEqual(s.p50, 70, "a pcp hit costs alloc_fast_path")
        XCTAssertGreaterThan(s.max, 1_000_000, "direct reclaim of a batch at 100 µs a page")
        // The timeline's axis is simulated milliseconds, ending at the run's time.
        let last = try XCTUnwrap(obs.timeline.samples.last)
        XCTAssertEqual(last.ms, Double(r.simulatedNanoseconds) / 1e6, accuracy: Double(r.simulatedNanoseconds) / 1e6 * 0.05)
        XCTAssertEqual(obs.timeline.samples.map(\.ms), obs.timeline.samples.map(\.ms).sorted())
    }

    /// The concurrent engine's reclaim counters depend on simulated costs, not on the host:
    /// five runs of a pressure workload agree within 5 %.
    func testConcurrentRunsAgreeWithinFivePercent() throws {
        let m = try boot(TestTopologies.pressure4n)
        let w = try Workload.parse(Self.pressure.replacingOccurrences(of: "120000", with: "70000"), file: "w.yaml", topology: m.topology)
        var steal: [Int] = [], runs: [Int] = []
        for _ in 0..<5 {
            let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 3)
            steal.append(r.allocator.vmEvents[.pgstealKswapd] + r.allocator.vmEvents[.pgstealDirect])
            runs.append(r.allocator.vmEvents[.pageoutrun])
            for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
        }
        for xs in [steal, runs] {
            let mean = Double(xs.reduce(0, +)) / Double(xs.count)
            XCTAssertGreaterThan(mean, 0)
            for x in xs { XCTAssertEqual(Double(x), mean, accuracy: mean * 0.05, "\(xs)") }
        }
    }

    /// The scheduler and its kswapd threads go away with the run's allocator (no reference
    /// A `processes:` phase is on the clock too: a process touching more anonymous memory than
    /// its node has, with swap, keeps kswapd reclaiming while it faults, and the run's time is
    /// the faults' cost — the same to the ns on a second run.
    func testProcessPhasesRunOnTheClockWithKswapd() throws {
        let workload = """
            swap: 256MiB
            phases:
              - processes:
                  - name: p
                    mmap: [{name: buf, size: 200MiB}]
                    threads:
                      - {cpu: 0, policy: "bind:0", steps: [{touch: {vma: buf, write: true}}]}
            """
        let a = try stress(workload: workload), b = try stress(workload: workload)
        XCTAssertEqual(a.simulatedNanoseconds, b.simulatedNanoseconds)
        let v = a.allocator.vmEvents
        XCTAssertGreaterThan(v[.pageoutrun], 0, "kswapd ran")
        XCTAssertGreaterThan(v[.pgstealKswapd], 0)
        XCTAssertGreaterThan(v[.pswpout], 0)
        for e in VMEvent.allCases { XCTAssertEqual(v[e], b.allocator.vmEvents[e], e.kernelName) }
        // At least a fault and a zeroed page per page touched (51200 pages).
        let c = a.allocator.costs
        XCTAssertGreaterThanOrEqual(a.simulatedNanoseconds, 51_200 * (c[.pageFault] + c[.zeroPage]))
        for r in a.allocator.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// cycle through the allocator's hooks keeps a finished machine alive).
    func testAFinishedRunFreesItsMachine() throws {
        weak var allocator: PageAllocator?
        do {
            let r = try stress()
            XCTAssertGreaterThan(r.allocator.vmEvents[.pageoutrun], 0, "kswapd coroutines ran")
            allocator = r.allocator
        }
        XCTAssertNil(allocator)
        do {
            let m = try boot(TestTopologies.pressure4n)
            let w = try Workload.parse(Self.pressure.replacingOccurrences(of: "120000", with: "70000"), file: "w.yaml", topology: m.topology)
            let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 3)
            XCTAssertGreaterThan(r.allocator.vmEvents[.pageoutrun], 0, "kswapd loops ran")
            allocator = r.allocator
        }
        XCTAssertNil(allocator, "the concurrent engine's machine too")
    }
}
