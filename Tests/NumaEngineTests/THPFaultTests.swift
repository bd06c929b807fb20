import XCTest
import NumaTestSupport
@testable import NumaProcess
@testable import NumaCore
@testable import NumaEngine
import NumaMM
@testable import NumaTopology
@testable import NumaWorkload

/// THP faults of processes end to end (mm/huge_memory.c, Linux 6.1) on two 512 MiB nodes,
/// CPUs 0-1 on node 0: placement per `enabled`/`defrag` and MADV_HUGEPAGE, fallback to 4 KiB
/// pages and its counters, the huge zero page, partial munmap, whole-THP migration, and the
/// allocator's invariants after each.
final class THPFaultTests: XCTestCase {
    static func topology(enabled: String = "always", defrag: String = "madvise") -> String {
        TestTopologies.two512(thp: enabled, defrag: defrag)
    }

    struct Run {
        let a: PageAllocator
        let report: AddressSpaceReport
        let p: SimulatedProcess
    }

    func run(_ processYAML: String, enabled: String = "always", defrag: String = "madvise") throws -> Run {
        let m = try boot(Self.topology(enabled: enabled, defrag: defrag))
        let w = try Workload.parse("phases:\n  - processes:\n" + processYAML, file: "w.yaml", topology: m.topology)
        let a = PageAllocator(machine: m)
        guard case .processes(let phase) = w.phases[0] else { throw XCTSkip("not a process phase") }
        var report = AddressSpaceReport()
        try ProcessPhaseRunner.run(phase, allocator: a, seed: 1, scheduler: nil, report: &report)
        let v = a.checkInvariants().flatMap(\.violations)
        XCTAssertTrue(v.isEmpty, v.joined(separator: "\n"))
        return Run(a: a, report: report, p: try XCTUnwrap(report.process(named: "p")))
    }

    static func process(size: String, advise: String = "", steps: [String] = ["- touch: {vma: heap}"]) -> String {
        """
              - name: p
                exit: false
                mmap: [{name: heap, size: \(size)\(advise.isEmpty ? "" : ", advise: \(advise)")}]
                threads:
                  - cpu: 0
                    steps:
        \(steps.map { "              " + $0 }.joined(separator: "\n"))

        """
    }

    /// A 64 MiB write first touch on a clean node 0: the mapping is 2 MiB aligned, each of its
    /// 32 huge ranges faults once and gets a THP there; one PTE table per THP (the deposited
    /// table), NR_ANON_THPS 32.
    func testCleanFirstTouchMapsTHPs() throws {
        let r = try run(Self.process(size: "64MiB"))
        XCTAssertEqual(r.a.vmEvents[.thpFaultAlloc], 32)
        XCTAssertEqual(r.a.vmEvents[.thpFaultFallback], 0)
        XCTAssertEqual(r.a.vmEvents[.pgfault], 32, "one fault per 2 MiB")
        XCTAssertEqual(r.p.thpsByNode, [0: 32])
        XCTAssertEqual(r.p.pagesByNode, [0: 16384])
        XCTAssertEqual(r.a.thp.anonTHPs(nodeIndex: 0), 32)
        XCTAssertEqual(r.p.pageTable.tablePages(at: .pte), 32)
        XCTAssertEqual(try XCTUnwrap(r.p.named["heap"]).start % (2 << 20), 0)
    }

    /// 768 MiB first touch from node 0 without MADV_HUGEPAGE (defrag `madvise`: the fault's mask
    /// is GFP_TRANSHUGE_LIGHT, no reclaim at all): THPs come only from node 0, by the
    /// this-node attempt; once node 0 has no order-9 block above its min watermark every
    /// further 2 MiB range falls back to 4 KiB pages, which the zonelist then serves from node
    /// 1. Every range faults exactly once as a THP attempt: fallbacks = ranges − THPs.
    func testBeyondNodeZeroWithoutMadvise() throws {
        let r = try run(Self.process(size: "768MiB"))
        let thps = r.a.vmEvents[.thpFaultAlloc]
        XCTAssertEqual(thps + r.a.vmEvents[.thpFaultFallback], 384)
        XCTAssertEqual(r.p.thpsByNode[1, default: 0], 0, "no THP leaves node 0 without __GFP_DIRECT_RECLAIM")
        XCTAssertEqual(r.p.thpsByNode[0], thps)
        XCTAssertGreaterThan(thps, 200)
        XCTAssertGreaterThan(r.p.pagesByNode[1, default: 0], 0, "the 4 KiB fallback spills to node 1")
        XCTAssertEqual(r.p.pagesByNode.values.reduce(0, +), 196_608)
    }

    /// The same with `advise: hugepage`: the mask gains __GFP_DIRECT_RECLAIM, so after the
    /// this-node attempt fails the second attempt takes node 1's THPs: no 4 KiB fallback.
    func testBeyondNodeZeroWithMadviseHugepage() throws {
        let r = try run(Self.process(size: "768MiB", advise: "hugepage"))
        XCTAssertEqual(r.a.vmEvents[.thpFaultAlloc], 384)
        XCTAssertEqual(r.a.vmEvents[.thpFaultFallback], 0)
        XCTAssertGreaterThan(r.p.thpsByNode[1, default: 0], 0)
        XCTAssertEqual(r.p.thpsByNode.values.reduce(0, +), 384)
    }

    /// `enabled: madvise` maps THPs only where MADV_HUGEPAGE is set (a step on the second
    /// half); MADV_NOHUGEPAGE under `always` keeps them out.
    func testMadviseSteps() throws {
        let steps = ["- madvise: {vma: heap, offset: 16MiB, length: 16MiB, advice: hugepage}", "- touch: {vma: heap}"]
        let r = try run(Self.process(size: "32MiB", steps: steps), enabled: "madvise")
        XCTAssertEqual(r.a.vmEvents[.thpFaultAlloc], 8)
        XCTAssertEqual(r.p.mm.vmas.count, 2, "the VMA split at the advised range")
        let no = try run(Self.process(size: "32MiB", advise: "nohugepage"))
        XCTAssertEqual(no.a.vmEvents[.thpFaultAlloc], 0)
        XCTAssertEqual(no.a.vmEvents[.pgfault], 8192)
    }

    /// A read first: the huge zero page (THP_ZERO_PAGE_ALLOC once for the machine), then a
    /// write splits its PMD (THP_SPLIT_PMD per range) and takes 4 KiB pages.
    func testReadThenWriteUsesHugeZeroPageThen4K() throws {
        let steps = ["- touch: {vma: heap, write: false}", "- touch: {vma: heap}"]
        let r = try run(Self.process(size: "8MiB", steps: steps))
        XCTAssertEqual(r.a.vmEvents[.thpZeroPageAlloc], 1)
        XCTAssertEqual(r.a.vmEvents[.thpFaultAlloc], 0)
        XCTAssertEqual(r.a.vmEvents[.thpSplitPmd], 4)
        XCTAssertEqual(r.p.pagesByNode, [0: 2048])
        XCTAssertEqual(r.p.thpCount, 0)
    }

    /// munmap of 1 MiB inside a THP splits it (THP_SPLIT_PMD, THP_DEFERRED_SPLIT_PAGE,
    /// THP_SPLIT_PAGE) and frees 256 pages; a whole THP unmapped goes back as one block.
    func testPartialMunmapSplits() throws {
        let steps = ["- touch: {vma: heap}", "- munmap: {vma: heap, offset: 1MiB, length: 1MiB}",
                     "- munmap: {vma: heap, offset: 2MiB, length: 2MiB}"]
        let r = try run(Self.process(size: "8MiB", steps: steps))
        XCTAssertEqual(r.a.vmEvents[.thpSplitPage], 1)
        XCTAssertEqual(r.a.vmEvents[.thpDeferredSplitPage], 1)
        XCTAssertEqual(r.p.thpCount, 2)
        XCTAssertEqual(r.p.pagesByNode, [0: 2048 - 256 - 512])
        XCTAssertEqual(r.a.thp.anonTHPs(nodeIndex: 0), 2)
    }

    /// migrate_pages moves THPs whole: THP_MIGRATION_SUCCESS per THP, PGMIGRATE_SUCCESS per page.
    func testMigratePagesMovesTHPsWhole() throws {
        let steps = ["- touch: {vma: heap}", "- migrate_pages: {from: \"0\", to: \"1\"}"]
        let r = try run(Self.process(size: "16MiB", steps: steps))
        XCTAssertEqual(r.a.vmEvents[.thpMigrationSuccess], 8)
        XCTAssertEqual(r.a.vmEvents[.pgmigrateSuccess], 4096)
        XCTAssertEqual(r.p.thpsByNode, [1: 8])
        XCTAssertEqual(r.a.thp.anonTHPs(nodeIndex: 0), 0)
        XCTAssertEqual(r.a.thp.anonTHPs(nodeIndex: 1), 8)
    }

    /// `defrag: never` with MADV_HUGEPAGE: GFP_TRANSHUGE_LIGHT, so beyond node 0 the fault falls
    /// back instead of taking node 1's THPs.
    func testDefragNeverFallsBackEvenWhenMadvised() throws {
        let r = try run(Self.process(size: "768MiB", advise: "hugepage"), defrag: "never")
        XCTAssertGreaterThan(r.a.vmEvents[.thpFaultFallback], 0)
        XCTAssertEqual(r.p.thpsByNode[1, default: 0], 0)
    }
}

extension THPFaultTests {
    /// `advise:` takes hugepage or nohugepage, on anonymous mappings only.
    func testAdviseKeyErrors() throws {
        let m = try boot(Self.topology())
        func error(_ mmap: String) -> String {
            let yaml = "phases:\n  - processes:\n      - name: p\n        mmap: [\(mmap)]\n        threads: [{cpu: 0, steps: [{touch: {vma: h}}]}]\n"
            do { _ = try Workload.parse(yaml, file: "w.yaml", topology: m.topology); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(error("{name: h, size: 4MiB, advise: hugepage}"), "")
        XCTAssertTrue(error("{name: h, size: 4MiB, advise: dontneed}").contains("advise: expected hugepage or nohugepage, got 'dontneed'"))
        XCTAssertTrue(error("{name: h, size: 4MiB, kind: file, advise: hugepage}").contains("THP advice applies to anonymous mappings"))
        XCTAssertTrue(error("{name: h, size: 4MiB, hugetlb: true, advise: hugepage}").contains("THP advice applies to anonymous mappings"))
    }
}
