import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology
@testable import NumaWorkload

/// Reading `perf script` and ftrace text of 6.1's kmem:mm_page_alloc / kmem:mm_page_free.
final class KernelTraceParseTests: XCTestCase {
    let perfAlloc = "       perf-exec 32220 [001] 32675.097686: kmem:mm_page_alloc: page=0x12a2f6 pfn=0x12a2f6 order=0 migratetype=1 gfp_flags=GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_HARDWALL"
    let perfFree = "       perf-exec 32220 [001] 32675.097961:  kmem:mm_page_free: page=0x224c1d pfn=0x224c1d order=0"
    let ftraceAlloc = "           clang-485     [001] ..... 32688.382400: mm_page_alloc: page=000000009fbfd945 pfn=0x20efa0 order=4 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP"
    let ftraceFree = "          <idle>-0       [000] d.s2. 32688.152300: mm_page_free: page=00000000a2c53c96 pfn=0x12bd72 order=2"

    func testPerfScriptLines() throws {
        let t = try KernelTrace.parse(perfAlloc + "\n" + perfFree + "\n", file: "t.txt")
        XCTAssertEqual(t.events.count, 2)
        let a = t.events[0]
        XCTAssertEqual(a.kind, .alloc); XCTAssertEqual(a.cpu, 1); XCTAssertEqual(a.pfn, 0x12a2f6); XCTAssertEqual(a.order, 0)
        XCTAssertEqual(a.migratetype, 1); XCTAssertEqual(a.line, 1)
        XCTAssertEqual(a.gfp, GFP.nofs.union([.highmem, .movable, .nowarn, .noretry, .comp, .hardwall]))
        XCTAssertEqual(a.gfp.migrateType(), .movable)
        XCTAssertEqual(t.events[1], KernelTrace.Event(line: 2, kind: .free, cpu: 1, pfn: 0x224c1d, order: 0))
    }

    func testFtraceLinesWithHeaderAndIrqFlags() throws {
        let text = "# tracer: nop\n#\n#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n" + ftraceAlloc + "\n" + ftraceFree
            + "\nCPU:1 [LOST 12 EVENTS]\n"
        let t = try KernelTrace.parse(text, file: "trace")
        XCTAssertEqual(t.events.map(\.line), [4, 5])
        XCTAssertEqual(t.events[0].cpu, 1); XCTAssertEqual(t.events[0].order, 4); XCTAssertEqual(t.events[0].pfn, 0x20efa0)
        XCTAssertTrue(t.events[0].gfp.contains(.write))
        XCTAssertEqual(t.events[1], KernelTrace.Event(line: 5, kind: .free, cpu: 0, pfn: 0x12bd72, order: 2))
    }

    func testNoneAndHexLeftoversAndKernelFailure() throws {
        let t = try KernelTrace.parse("""
            a 1 [000] 1.000001: kmem:mm_page_alloc: page=(nil) pfn=0x0 order=0 migratetype=0 gfp_flags=none
            a 1 [000] 1.000002: kmem:mm_page_alloc: page=0x10 pfn=0x10 order=0 migratetype=0 gfp_flags=GFP_KERNEL|0x8000000
            a 1 [000] 1.000003: kmem:mm_page_alloc: page=0x11 pfn=0x11 order=0 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_ZEROTAGS|__GFP_NO_OBJ_EXT
            """, file: "t")
        XCTAssertEqual(t.events[0].gfp, [])
        XCTAssertTrue(t.events[0].kernelFailed)
        XCTAssertEqual(t.events[1].gfp, .kernel)
        XCTAssertEqual(t.events[2].gfp, GFP.kernel.union(.zerotags))
        XCTAssertEqual(t.gfpNotModelled, ["0x8000000": 1, "__GFP_ZEROTAGS": 1, "__GFP_NO_OBJ_EXT": 1])
    }

    /// Every name 6.1's `show_gfp_flags` prints (`__def_gfpflag_names` and the KASAN ones) is a
    /// name the reader takes, with the bits the kernel gives it; and what `traceNames` prints
    /// for a mask reads back as that mask.
    func testEveryLinux61GFPNameParses() throws {
        let names61 = ["GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER",
                       "GFP_KERNEL_ACCOUNT", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO", "GFP_NOWAIT", "GFP_DMA",
                       "__GFP_HIGHMEM", "GFP_DMA32", "__GFP_HIGH", "__GFP_ATOMIC", "__GFP_IO", "__GFP_FS", "__GFP_NOWARN",
                       "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC",
                       "__GFP_MEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_RECLAIMABLE", "__GFP_MOVABLE",
                       "__GFP_ACCOUNT", "__GFP_WRITE", "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM",
                       "__GFP_ZEROTAGS", "__GFP_SKIP_ZERO", "__GFP_SKIP_KASAN_POISON", "__GFP_SKIP_KASAN_UNPOISON"]
        XCTAssertEqual(Set(names61), Set(GFP.printOrder))
        var notModelled: [String: Int] = [:]
        for name in names61 {
            let gfp = try KernelTrace.gfpFlags(Substring(name), fail: { InputError(file: "t", $0) }, notModelled: &notModelled)
            XCTAssertFalse(gfp.isEmpty, name)
        }
        let all = try KernelTrace.gfpFlags(Substring(names61.joined(separator: "|")), fail: { InputError(file: "t", $0) }, notModelled: &notModelled)
        XCTAssertEqual(all.rawValue, 0x7ff_ffff, "every 6.1 bit from ___GFP_DMA to ___GFP_SKIP_KASAN_POISON")
        // Kernel values (include/linux/gfp_types.h, 6.1).
        XCTAssertEqual(GFP.transHugeLight.rawValue, (GFP.highUserMovable.rawValue | 0x40000 | 0x80000 | 0x2000) & ~0xc00)
        XCTAssertEqual(GFP.transHuge, GFP.transHugeLight.union(.directReclaim))
        XCTAssertEqual(GFP.kernelAccount, GFP.kernel.union(.account))
        // What the kernel prints for masks it uses reads back as the mask.
        for mask in [GFP.highUserMovable.union([.comp, .zero]), .transHuge, .transHugeLight, .kernelAccount, .atomicMask,
                     GFP.nofs.union([.highmem, .movable, .nowarn]), GFP(rawValue: 0x7ff_ffff), []] {
            let text = mask.traceNames
            XCTAssertEqual(try KernelTrace.gfpFlags(Substring(text), fail: { InputError(file: "t", $0) }, notModelled: &notModelled), mask, text)
        }
        XCTAssertEqual(GFP.highUserMovable.union([.comp, .zero]).traceNames, "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO")
        XCTAssertEqual(GFP.transHuge.traceNames, "GFP_TRANSHUGE")
    }

    func testUnknownFlagNamesFileLineAndToken() {
        let text = perfAlloc + "\n" + perfAlloc.replacingOccurrences(of: "__GFP_NORETRY", with: "__GFP_BOGUS")
        let e = assertInputError({ try KernelTrace.parse(text, file: "trace.txt") }, file: "trace.txt", line: 2, key: "gfp_flags",
                                 contains: "unknown flag '__GFP_BOGUS'")
        XCTAssertTrue(e?.description.hasPrefix("trace.txt:2: gfp_flags: unknown flag '__GFP_BOGUS'") ?? false, "\(String(describing: e))")
        assertInputError({ try KernelTrace.parse(perfFree.replacingOccurrences(of: "|", with: "") + "\n" + "a 1 [000] 1.5: kmem:mm_page_alloc: page=0x1 pfn=0x1 order=0 migratetype=0 gfp_flags=GFP_KERNEL||__GFP_COMP", file: "t") },
                         file: "t", line: 2, key: "gfp_flags", contains: "unknown flag ''")
    }

    func testMalformedLinesAreRefusedWithTheLine() {
        let bad: [(String, String?, String)] = [
            ("hello world", nil, "expected a perf script line"),
            ("a 1 1.000001: kmem:mm_page_free: page=0x1 pfn=0x1 order=0", nil, "no CPU ([NNN])"),
            ("a 1 [000] 1.000001:", nil, "expected the event name"),
            ("a 1 [000] 1.000001: kmem:mm_page_free: page=0x1 pfn=0x1", nil, "3 fields, got 2"),
            ("a 1 [000] 1.000001: kmem:mm_page_free: page=0x1 order=0 pfn=0x1", nil, "where pfn= belongs"),
            ("a 1 [000] 1.000001: kmem:mm_page_free: page=0x1 pfn=12 order=0", "pfn", "in hex"),
            ("a 1 [000] 1.000001: kmem:mm_page_free: page=0x1 pfn=0xfffffffffffffffff order=0", "pfn", "in hex"),
            ("a 1 [000] 1.000001: kmem:mm_page_free: page=0x1 pfn=0x1 order=-1", "order", "0 or more"),
            ("a 1 [000] 1.000001: kmem:mm_page_alloc: page=0x1 pfn=0x1 order=0 migratetype=x gfp_flags=none", "migratetype", "expected a number"),
        ]
        for (line, key, phrase) in bad {
            assertInputError({ try KernelTrace.parse("# header\n" + line + "\n", file: "bad.txt") }, file: "bad.txt", line: 2, key: key, contains: phrase)
        }
        assertInputError({ try KernelTrace.parse("", file: "e.txt") }, file: "e.txt", contains: "the file is empty")
        assertInputError({ try KernelTrace.parse("# tracer: nop\n#\n", file: "h.txt") }, file: "h.txt", line: 3, contains: "no trace events")
    }

    func testOtherTracepointsAreCountedNotRefused() throws {
        let t = try KernelTrace.parse(perfFree + "\n a 1 [000] 1.5: kmem:mm_page_free_batched: page=0x1 pfn=0x1\n", file: "t")
        XCTAssertEqual(t.otherTracepoints, ["kmem:mm_page_free_batched": 1])
        XCTAssertEqual(t.eventCount, 2)
    }

    /// The captured fixtures (docs: Tests/Fixtures/traces/README.md) read whole.
    func testCapturedFixturesParse() throws {
        let perf = try KernelTrace.parse(try Fixtures.text("traces/perf-script-kmem.txt"), file: "perf")
        XCTAssertEqual(perf.eventCount, 300)
        XCTAssertEqual(perf.events.filter { $0.kind == .alloc }.count, 207, "grep -c mm_page_alloc: of the file")
        XCTAssertTrue(perf.events.contains { $0.order == 2 })
        let ftrace = try KernelTrace.parse(try Fixtures.text("traces/ftrace-kmem.txt"), file: "ftrace")
        XCTAssertEqual(ftrace.eventCount, 161)
        XCTAssertEqual(ftrace.events.first?.line, 13)
        for e in perf.events + ftrace.events where e.kind == .alloc {
            XCTAssertEqual(Int(e.gfp.migrateType().rawValue), e.migratetype, "line \(e.line)")
        }
    }
}
