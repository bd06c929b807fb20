import XCTest
import NumaTestSupport
import NumaCore
import NumaTopology
@testable import NumaWorkload

/// Reading `hugepages:` phases (Workload+HugePages.swift): the forms, and one clear error per
/// bad key.
final class HugePagesStepTests: XCTestCase {
    func topology() throws -> Topology { try TopologyFile.parse(TestTopologies.three256, file: "t.yaml") }

    func parse(_ step: String) throws -> Workload {
        try Workload.parse("""
            phases:
              - hugepages: \(step)
              - threads: [{cpus: "0", allocate: 1MiB}]
            """, file: "h.yaml", topology: try topology())
    }

    func testForms() throws {
        guard case .hugepages(let g) = try parse("{count: 5}").phases[0] else { return XCTFail("expected a hugepages phase") }
        XCTAssertEqual(g, Workload.HugePagesStep(count: 5))
        guard case .hugepages(let n) = try parse("{node: 2, count: 3, size: 2MiB}").phases[0] else { return XCTFail() }
        XCTAssertEqual(n.node, 2)
        XCTAssertEqual(n.order, 9)
        guard case .hugepages(let p) = try parse("{count: 4, policy: \"bind:1\", overcommit: 2, cpu: 3}").phases[0] else { return XCTFail() }
        XCTAssertEqual(p.policy?.mode, .bind)
        XCTAssertEqual(p.policy?.nodes, [1])
        XCTAssertEqual(p.overcommit, 2)
        XCTAssertEqual(p.cpu, 3)
        guard case .hugepages(let giga) = try parse("{count: 1, size: 1GiB}").phases[0] else { return XCTFail() }
        XCTAssertEqual(giga.order, 18)
        guard case .hugepages(let o) = try parse("{overcommit: 8}").phases[0] else { return XCTFail() }
        XCTAssertNil(o.count)
    }

    func testBadKeysAreRefusedWithTheirKey() throws {
        assertInputError({ try self.parse("{count: 2, size: 3MiB}") }, file: "h.yaml", line: 2, key: "phases[0].hugepages.size",
                         contains: "expected 2MiB (hugepages-2048kB) or 1GiB")
        assertInputError({ try self.parse("{count: 2, size: 4MiB}") }, file: "h.yaml", key: "phases[0].hugepages.size", contains: "expected 2MiB")
        assertInputError({ try self.parse("{node: 7, count: 2}") }, file: "h.yaml", key: "phases[0].hugepages.node",
                         contains: "node 7 is not in the topology")
        assertInputError({ try self.parse("{node: 1, count: 2, policy: \"bind:0\"}") }, file: "h.yaml", key: "phases[0].hugepages.policy",
                         contains: "not both")
        assertInputError({ try self.parse("{count: -1}") }, file: "h.yaml", key: "phases[0].hugepages.count", contains: "expected an integer")
        assertInputError({ try self.parse("{node: 1, overcommit: 2}") }, file: "h.yaml", key: "phases[0].hugepages.node", contains: "needs 'count: K'")
        assertInputError({ try self.parse("{}") }, file: "h.yaml", key: "phases[0].hugepages", contains: "expected 'count: K'")
        assertInputError({ try self.parse("{count: 1, pages: 2}") }, file: "h.yaml", contains: "unknown key")
        assertInputError({ try self.parse("{count: 1, cpu: 99}") }, file: "h.yaml", key: "phases[0].hugepages.cpu", contains: "CPU 99")
    }
}
