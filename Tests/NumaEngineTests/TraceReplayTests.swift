import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// `stress --trace` on the deterministic engine: counts, frees matched by pfn, and the comparison
/// with the kernel's placement.
final class TraceReplayTests: XCTestCase {
    func replay(_ trace: KernelTrace, on yaml: String) throws -> (StressResult, TraceReplayStats) {
        let m = try boot(yaml)
        let r = try DeterministicStress.run(machine: m, workload: Workload(trace: trace, topology: m.topology), seed: 1)
        XCTAssertEqual(r.allocator.checkInvariants().flatMap(\.violations), [])
        return (r, try XCTUnwrap(r.tasks.first?.traceStats))
    }

    /// Tests/Fixtures/traces/synthetic-2node.txt on two-small (node 0: pfn 1-4095 DMA,
    /// 4096-32767 DMA32; node 1: 32768-65535 DMA32). Of the 7 allocations, 5 have a pfn in the
    /// topology (0x200000 lies beyond it, pfn 0 is the kernel's failure): 0x5000 (CPU 0, node 0
    /// DMA32) and 0x9000 (CPU 2, node 1 DMA32) and 0x6000 (CPU 0, node 0 DMA32) numasim places
    /// alike; 0x100 (node 0 DMA) numasim serves from node 0's DMA32 (same node, other zone);
    /// 0xa000 (node 1) on CPU 0 the kernel took from node 1, numasim from node 0. Same node 4/5 =
    /// 80 %, same zone 3/5 = 60 %.
    func testSameNodeAndZoneOnTwoNodes() throws {
        let trace = try KernelTrace.parse(try Fixtures.text("traces/synthetic-2node.txt"), file: "synthetic-2node.txt")
        let (r, s) = try replay(trace, on: NumasimBinary.twoNodes)
        XCTAssertEqual(s.events, 13)
        XCTAssertEqual(s.replayed, 9, "7 allocations, the frees of 0x5000 and 0x9000")
        XCTAssertEqual(s.skipped, [TraceReplayStats.skipCPU: 1, TraceReplayStats.skipUnknownFree: 1,
                                   TraceReplayStats.skipOrder: 1, TraceReplayStats.skipOther("kmem:kmalloc"): 1])
        XCTAssertEqual(s.events, s.replayed + s.skippedTotal)
        XCTAssertEqual(s.compared, 5)
        XCTAssertEqual(s.sameNode, 4)
        XCTAssertEqual(s.sameZone, 3)
        XCTAssertEqual(s.sameNodePercent, 80)
        XCTAssertEqual(s.sameZonePercent, 60)
        XCTAssertEqual(s.migratetypeMismatches, 1, "GFP_KERNEL_ACCOUNT printed with migratetype=1")
        XCTAssertEqual(r.allocations, 7)
        XCTAssertEqual(r.frees, 2)
        // The two order-0 frees; the rest stays allocated (the kernel's failed order 3 succeeded here).
        XCTAssertEqual(r.allocator.pgfree, 2)
        XCTAssertGreaterThan(r.simulatedNanoseconds, 0, "the replay runs on the simulated clock")
    }

    /// A free matches the block allocated under the same pfn, whatever came between; a second
    /// free of it is unknown; a free of a block numasim failed to allocate has its own reason.
    func testFreesMatchByPFN() throws {
        let text = """
            a 1 [000] 1.000001: kmem:mm_page_alloc: page=0x1 pfn=0x5000 order=2 migratetype=0 gfp_flags=GFP_KERNEL
            a 1 [001] 1.000002: kmem:mm_page_alloc: page=0x1 pfn=0x6000 order=0 migratetype=0 gfp_flags=GFP_KERNEL
            a 1 [002] 1.000003: kmem:mm_page_free: page=0x1 pfn=0x5000 order=2
            a 1 [002] 1.000004: kmem:mm_page_free: page=0x1 pfn=0x5000 order=2
            a 1 [000] 1.000005: kmem:mm_page_alloc: page=0x1 pfn=0x7000 order=0 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_THISNODE|GFP_DMA
            a 1 [000] 1.000006: kmem:mm_page_alloc: page=0x1 pfn=0x8000 order=0 migratetype=0 gfp_flags=GFP_DMA32|__GFP_HIGHMEM
            a 1 [000] 1.000007: kmem:mm_page_free: page=0x1 pfn=0x8000 order=0
            """
        let (r, s) = try replay(try KernelTrace.parse(text, file: "t"), on: NumasimBinary.twoNodes)
        XCTAssertEqual(s.events, 7)
        XCTAssertEqual(s.skipped[TraceReplayStats.skipUnknownFree], 1)
        XCTAssertEqual(s.skipped[TraceReplayStats.skipFailedFree], 1, "DMA32|HIGHMEM is an invalid gfp_zone: numasim fails it")
        XCTAssertEqual(s.events, s.replayed + s.skippedTotal)
        XCTAssertEqual(r.frees, 1)
        XCTAssertEqual(r.allocator.pgfree, 4, "the order-2 block")
    }

    /// The captured perf script of the development VM on its imported topology (one node): every
    /// event replayed or skipped, none refused, the invariants kept.
    func testCapturedPerfScriptReplays() throws {
        let trace = try KernelTrace.parse(try Fixtures.text("traces/perf-script-kmem.txt"), file: "perf")
        let (_, s) = try replay(trace, on: try Fixtures.text("traces/vm-host.yaml"))
        XCTAssertEqual(s.events, 300)
        XCTAssertEqual(s.events, s.replayed + s.skippedTotal)
        XCTAssertEqual(s.replayed, 207 + 93 - s.skipped[TraceReplayStats.skipUnknownFree, default: 0])
        XCTAssertEqual(s.migratetypeMismatches, 0)
        XCTAssertEqual(s.sameNodePercent, 100, "one node")
    }

    /// A trace that asks more than the machine has: the kernel would panic (out of memory,
    /// nothing to kill — a trace's pages belong to no simulated task); the run stops and the
    /// events after it are counted as not reached, so the counts still add up.
    func testEventsAfterAPanicAreCountedAsNotReached() throws {
        let line = { (i: Int) in "a 1 [000] 1.\(String(format: "%06d", i)): kmem:mm_page_alloc: page=0x1 pfn=0x\(String(0x10000 + i * 8, radix: 16)) order=3 migratetype=0 gfp_flags=GFP_KERNEL" }
        let trace = try KernelTrace.parse((0..<9000).map(line).joined(separator: "\n"), file: "big")
        let (r, s) = try replay(trace, on: NumasimBinary.twoNodes)
        XCTAssertNotNil(r.stop, "256 MiB cannot hold 9000 blocks of 32 KiB (order 3 is not costly: the OOM killer is asked)")
        XCTAssertGreaterThan(s.skipped[TraceReplayStats.skipNotReached] ?? 0, 0)
        XCTAssertEqual(s.events, s.replayed + s.skippedTotal)
    }

    func testConcurrentEngineRefusesATrace() throws {
        let m = try boot(NumasimBinary.twoNodes)
        let trace = try KernelTrace.parse("a 1 [000] 1.000001: kmem:mm_page_free: page=0x1 pfn=0x5000 order=2", file: "t")
        XCTAssertThrowsError(try ConcurrentStress.run(machine: m, workload: Workload(trace: trace, topology: m.topology), threads: 2, seed: 1)) {
            XCTAssertTrue("\($0)".contains("deterministic engine only"), "\($0)")
        }
    }
}
