import XCTest
import NumaTopology

/// Issue 18: `cpus: [0, 1]` YAML lists are read where a cpulist string is, and `4GB`-style
/// sizes are binary units, as documented (docs/topology-format.md `nodes[].memory`).
final class CPUListAndSizeTests: XCTestCase {
    func testCPUsAsAYAMLListAreTheSameAsACPUList() throws {
        let list = try TopologyFile.parse("""
            nodes:
              - {id: 0, cpus: [0, 1], memory: 1GiB}
              - {id: 1, cpus: [2-3, 5], memory: 1GiB}
            distances: [[10, 20], [20, 10]]
            """)
        let text = try TopologyFile.parse("""
            nodes:
              - {id: 0, cpus: "0-1", memory: 1GiB}
              - {id: 1, cpus: "2-3,5", memory: 1GiB}
            distances: [[10, 20], [20, 10]]
            """)
        XCTAssertEqual(list, text)
        XCTAssertEqual(list.nodes[1].cpus.members, [2, 3, 5])
    }

    func testABadItemOfACPUListNamesItsIndex() {
        XCTAssertThrowsError(try TopologyFile.parse("nodes:\n  - {id: 0, cpus: [0, x], memory: 1GiB}\n", file: "t.yaml")) { e in
            XCTAssertTrue("\(e)".contains("t.yaml:2:"), "\(e)")
            XCTAssertTrue("\(e)".contains("nodes[0].cpus[1]"), "\(e)")
        }
    }

    func testDecimalSuffixesAreBinaryUnits() {
        XCTAssertEqual(ByteSize.parse("4GB"), 4 << 30)
        XCTAssertEqual(ByteSize.parse("4GB"), ByteSize.parse("4GiB"))
        XCTAssertEqual(ByteSize.parse("512MB"), 512 << 20)
        XCTAssertEqual(ByteSize.parse("4000000000"), 4_000_000_000, "decimal sizes: write the bytes")
    }
}
