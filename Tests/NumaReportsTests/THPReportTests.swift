import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaProcess
@testable import NumaTopology
@testable import NumaWorkload
@testable import NumaReports

/// A process's THP numbers in the stress report's text and JSON, and the node files' THP lines.
final class THPReportTests: XCTestCase {
    func testReportShowsTHPs() throws {
        let m = try boot(TestTopologies.two512())
        let w = try Workload.parse("""
            phases:
              - processes:
                  - name: p
                    exit: false
                    mmap: [{name: heap, size: 16MiB}]
                    threads:
                      - cpu: 0
                        steps:
                          - touch: {vma: heap, length: 4MiB, write: false}
                          - touch: {vma: heap}
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        let j = try XCTUnwrap(r.addressSpaces.json.processes.first)
        // The 4 MiB read took the huge zero page twice; the writes there then copy into 4 KiB
        // pages (2 PMD splits), the other 12 MiB are 6 THPs.
        XCTAssertEqual(j.thp_faults, 6)
        XCTAssertEqual(j.huge_zero_page_faults, 2)
        XCTAssertEqual(j.thps_by_node, ["0": 6])
        XCTAssertEqual(j.resident_pages, 4096)
        let text = r.addressSpaces.summaryText
        XCTAssertTrue(text.contains("THP: 6 faulted, 0 fell back to 4 KiB (0 at the memcg charge), 2 huge-zero-page, 0 split, mapped by node: N0=6"), text)
        let meminfo = Dictionary(uniqueKeysWithValues: NodeMeminfoFormat.fields(r.allocator, nodeIndex: 0))
        XCTAssertEqual(meminfo["AnonHugePages"], 6 * 2048)
        XCTAssertEqual(NodeCounters.node(r.allocator, nodeIndex: 0)["nr_anon_transparent_hugepages"], 6)
        XCTAssertEqual(r.allocator.vmEvents[.thpSplitPmd], 2)
    }
}
