import Foundation
import XCTest
import NumaTestSupport

/// `paging: 5-level` from the command line: a generated 2^50-byte machine shows quickly, and
/// what models only 4-level page tables (process phases, `translate -t`) says so.
final class PagingCommandTests: XCTestCase {
    func testGeneratedTwoTo50ByteMachineShowsAndStressRefusesProcessPhases() throws {
        let topo = try NumasimBinary.temp("p5.yaml")
        let g = try NumasimBinary.run(["topology", "generate", "--nodes", "256", "--cpus-per-node", "1", "--memory-per-node", "4TiB",
                                       "--paging", "5-level", "-o", topo])
        XCTAssertEqual(g.status, 0, g.err)
        XCTAssertTrue(try String(contentsOfFile: topo, encoding: .utf8).contains("\npaging: 5-level\n"))
        let four = try NumasimBinary.run(["topology", "generate", "--nodes", "256", "--cpus-per-node", "1", "--memory-per-node", "4TiB"])
        XCTAssertNotEqual(four.status, 0)
        XCTAssertTrue(four.err.contains("`paging: 5-level` raises it to 2^52"), four.err)

        let clock = ContinuousClock(), start = clock.now
        let show = try NumasimBinary.run(["topology", "show", "-t", topo, "--json"])
        XCTAssertEqual(show.status, 0, show.err)
        XCTAssertLessThan(clock.now - start, .seconds(30), "work follows the 256 nodes, not the 2^50 bytes")
        let nodes = try XCTUnwrap(try NumasimBinary.json(show.out)["nodes"] as? [[String: Any]])
        XCTAssertEqual(nodes.count, 256)
        let present = nodes.reduce(0) { $0 + (($1["zones"] as? [[String: Any]]) ?? []).reduce(0) { $0 + ($1["present"] as? Int ?? 0) } }
        XCTAssertEqual(present, (1 << 38) - 98, "2^50 bytes of pages, less node 0's 98 legacy-hole pages (DMA present 3998 of 4096)")

        let w = try NumasimBinary.temp("w.yaml", """
            phases:
              - processes:
                  - name: p
                    mmap: [{name: buf, size: 1MiB}]
                    threads: [{cpu: 0, steps: [{touch: {vma: buf, offset: 0, length: 1MiB}}]}]
            """)
        let p = try NumasimBinary.run(["stress", "-t", topo, "-w", w])
        XCTAssertNotEqual(p.status, 0)
        XCTAssertTrue(p.err.contains("processes"), p.err)
        XCTAssertTrue(p.err.contains("paging: 5-level is not modelled for address spaces"), p.err)

        let tr = try NumasimBinary.run(["translate", "-t", topo, "0xffff888000000000"])
        XCTAssertNotEqual(tr.status, 0)
        XCTAssertTrue(tr.err.contains("paging: 5-level is not modelled for address translation"), tr.err)
    }
}
