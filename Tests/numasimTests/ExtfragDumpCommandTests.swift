import Foundation
import XCTest
import NumaTestSupport

/// `numasim stress --dump extfrag,unusable_index` end to end on the shipped 2-node QEMU machine:
/// node 0 fragmented by a `madvise` odd_pfn step over 64 MiB, then `compact_memory: {node: 0}`.
final class ExtfragDumpCommandTests: XCTestCase {
    func testDumpsAfterFragmentAndCompact() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("extfrag-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let topology = NumasimBinary.root.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path
        try """
            phases:
              - processes:
                  - name: frag
                    exit: false
                    mmap: [{name: heap, size: 64MiB}]
                    threads:
                      - cpu: 0
                        steps:
                          - touch: {vma: heap}
                          - madvise: {vma: heap, advice: dontneed, select: odd_pfn}
              - compact_memory: {node: 0}
            """.write(to: dir.appendingPathComponent("w.yaml"), atomically: true, encoding: .utf8)
        let r = try NumasimBinary.run(["stress", "--quiet", "-t", topology, "-w", "w.yaml", "--dump", "extfrag,unusable_index,vmstat"],
                                      in: dir)
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let e = try XCTUnwrap(lines.firstIndex(of: "/sys/kernel/debug/extfrag/extfrag_index:"))
        let u = try XCTUnwrap(lines.firstIndex(of: "/sys/kernel/debug/extfrag/unusable_index:"))
        // One line per populated zone (node 0: DMA, DMA32; node 1: DMA32), 11 orders each:
        // "%2d.%03d " and "%d.%03d ".
        let cell = #"(-1\.000| 0\.\d{3}) "#
        for l in lines[(e + 1)...(e + 3)] {
            XCTAssertNotNil(l.range(of: #"^Node [01], zone +DMA(32)? "# + "(\(cell)){11}$", options: .regularExpression), l)
        }
        for l in lines[(u + 1)...(u + 3)] {
            XCTAssertNotNil(l.range(of: #"^Node [01], zone +DMA(32)? ([01]\.\d{3} ){11}$"#, options: .regularExpression), l)
        }
        XCTAssertTrue(lines[e + 3].hasPrefix("Node 1, zone    DMA32 "))
        XCTAssertTrue(lines[e + 2].hasPrefix("Node 0, zone    DMA32 "))
        // compact_memory moved pages: the vmstat counters are not zero.
        func counter(_ name: String) -> Int? {
            lines.first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        XCTAssertGreaterThan(try XCTUnwrap(counter("pgmigrate_success")), 0)
        XCTAssertGreaterThan(try XCTUnwrap(counter("compact_migrate_scanned")), 0)
        XCTAssertEqual(counter("compact_stall"), 0)
    }
}
