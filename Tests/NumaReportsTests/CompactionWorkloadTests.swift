import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload
@testable import NumaReports

/// The `madvise: {…, advice: dontneed, select: odd_pfn}` process step and the `compact_memory`
/// phase, end to end on one 64 MiB node (15616 managed pages).
final class CompactionWorkloadTests: XCTestCase {
    static let topology = """
        name: small
        nodes: [{id: 0, cpus: "0-1", memory: 64MiB}]
        sysctl: {transparent_hugepage: never}
        """

    /// A process fills 56 MiB (14336 pages) and drops its odd-pfn pages; `exit: false` keeps
    /// the rest mapped for the phases after.
    static let fragment = """
        phases:
          - processes:
              - name: frag
                exit: false
                mmap: [{name: heap, size: 56MiB}]
                threads:
                  - cpu: 0
                    steps:
                      - touch: {vma: heap}
                      - madvise: {vma: heap, advice: dontneed, select: odd_pfn}
        """

    func run(_ yaml: String) throws -> StressResult {
        let m = try boot(Self.topology)
        let w = try Workload.parse(yaml, file: "w.yaml", topology: m.topology)
        return try DeterministicStress.run(machine: m, workload: w, seed: 1)
    }

    func dma32(_ a: PageAllocator) -> Zone { a.nodes[0].zones.first { $0.name == "DMA32" }! }

    /// After the madvise every page the process still holds sits at an even pfn: each of
    /// DMA32's 22 pageblocks above its first holds 256 process pages and 256 free order-0
    /// holes, none of which can merge. compact_memory (order -1, MIGRATE_SYNC) then:
    /// - in DMA32 moves nothing: the free scanner starts in the zone's top pageblock, memory the
    ///   boot reserved, finds no free page there and doubles its stride to 2
    ///   (`isolate_freepages`), so from an even pfn it only ever looks at even (held) pages, and
    ///   doubles on to 32 down to the migrate scanner: DMA32's free lists stay as they were;
    /// - in DMA, whose free memory is not all in alternating holes, moves pages (the compaction
    ///   counters and pgmigrate_success move from 0) and leaves more order-9 blocks;
    /// NR_FREE_PAGES is unchanged (a migration frees one page for each it takes), and every
    /// page is still in one place.
    func testMadviseOddPfnThenCompactMemory() throws {
        let before = try run(Self.fragment)
        let a0 = before.allocator
        XCTAssertEqual(a0.vmEvents[.pgmigrateSuccess], 0)
        XCTAssertEqual(a0.vmEvents[.compactMigrateScanned], 0)
        let z0 = dma32(a0)
        for b in stride(from: 4608, to: 15872, by: 512) {
            let held = (b..<(b + 512)).filter { z0.memmap.flags(pfn: $0) == .allocated && z0.memmap.lruFlags(pfn: $0).contains(.lru) }
            XCTAssertEqual(held, Array(stride(from: b, to: b + 512, by: 2)), "block \(b): the even pfns are the process's")
        }

        let after = try run(Self.fragment + """

              - compact_memory: all
            """)
        let a = after.allocator
        let z = dma32(a)
        XCTAssertEqual(z.freeArea.nrFree, z0.freeArea.nrFree, "DMA32: the free scanner's stride steps over every hole")
        let dma0 = a0.nodes[0].zones.first { $0.name == "DMA" }!, dma = a.nodes[0].zones.first { $0.name == "DMA" }!
        XCTAssertEqual(dma.nrFreePages, dma0.nrFreePages, "migration frees a page for each it takes")
        XCTAssertGreaterThan(dma.freeArea.nrFree(order: 9), dma0.freeArea.nrFree(order: 9))
        XCTAssertGreaterThan(a.vmEvents[.pgmigrateSuccess], 0)
        XCTAssertGreaterThan(a.vmEvents[.compactMigrateScanned], a.vmEvents[.pgmigrateSuccess])
        XCTAssertGreaterThan(a.vmEvents[.compactFreeScanned], 0)
        XCTAssertGreaterThanOrEqual(a.vmEvents[.compactIsolated], 2 * a.vmEvents[.pgmigrateSuccess])
        XCTAssertEqual(a.vmEvents[.compactStall], 0, "compact_memory is not direct compaction")
        for phase in after.phaseInvariants { for r in phase { XCTAssertTrue(r.ok, "\(r.violations)") } }
        // The vmstat file carries the counters, in the kernel's order.
        let names = VmstatFormat.counters(a).map(\.0)
        let i = try XCTUnwrap(names.firstIndex(of: "compact_migrate_scanned"))
        XCTAssertEqual(Array(names[i..<(i + 6)]), ["compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
                                                    "compact_stall", "compact_fail", "compact_success"])
        XCTAssertLessThan(try XCTUnwrap(names.firstIndex(of: "pgmigrate_fail")), i)
        XCTAssertEqual(VmstatFormat.counters(a).first { $0.0 == "pgmigrate_success" }?.1, a.vmEvents[.pgmigrateSuccess])
    }

    /// `compact_memory: {node: N}` names a node with memory; advice is dontneed, hugepage or
    /// nohugepage; `select` takes all, odd_pfn or even_pfn, with dontneed only.
    func testParseErrors() throws {
        let m = try boot(Self.topology)
        func error(_ yaml: String) -> String {
            do { _ = try Workload.parse(yaml, file: "w.yaml", topology: m.topology); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(error("phases:\n  - threads: [{cpus: \"0\", allocate: 10}]\n  - compact_memory: {node: 3}\n")
            .contains("phases[1].compact_memory.node: node 3 is not a node with memory"))
        XCTAssertTrue(error("phases:\n  - threads: [{cpus: \"0\", allocate: 10}]\n  - compact_memory: some\n")
            .contains("expected all (or 1) or {node: N}"))
        let step = { (body: String) in
            "phases:\n  - processes:\n      - name: p\n        mmap: [{name: h, size: 1MiB}]\n        threads:\n          - cpu: 0\n            steps:\n              - madvise: \(body)\n"
        }
        XCTAssertEqual(error(step("{vma: h, advice: hugepage}")), "")
        XCTAssertTrue(error(step("{vma: h, advice: huge}")).contains("expected dontneed, hugepage or nohugepage, got 'huge'"))
        XCTAssertTrue(error(step("{vma: h, advice: hugepage, select: odd_pfn}")).contains("select applies to advice: dontneed only"))
        XCTAssertTrue(error(step("{vma: h, advice: dontneed, select: odd}")).contains("expected all, odd_pfn or even_pfn, got 'odd'"))
        XCTAssertTrue(error(step("{vma: h}")).contains("advice: missing"))
        XCTAssertTrue(error(step("{vma: g, advice: dontneed}")).contains("no mapping called 'g'"))
        XCTAssertEqual(error(step("{vma: h, advice: dontneed, select: even_pfn}")), "")
    }
}

