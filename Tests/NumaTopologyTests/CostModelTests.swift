import XCTest
import NumaTestSupport
@testable import NumaTopology

/// The simulated clock's inputs in a topology (docs/time.md).
final class CostModelTests: XCTestCase {
    let base = """
        name: t
        nodes:
          - {id: 0, cpus: "0", memory: 64MiB}
          - {id: 1, cpus: "1", memory: 64MiB}
        distances: [[10, 21], [21, 10]]
        """

    func testDefaultsAndSLITDerivedLatency() throws {
        let m = CostModel(topology: try TopologyFile.parse(base))
        XCTAssertEqual(m[.allocFastPath], 70)
        XCTAssertEqual(m[.kswapdNap], 100_000_000, "HZ/10")
        XCTAssertEqual(m.latency, [[90, 189], [189, 90]], "local_access × distance / 10")
    }

    func testOverridesLatencyMatrixAndBandwidth() throws {
        let t = try TopologyFile.parse(base + """

            costs: {page_fault: 800, local_access: 100}
            latency_ns: [[80, 150], [160, 85]]
            bandwidth_gbps: [16, 8]
            """)
        let m = CostModel(topology: t)
        XCTAssertEqual(m[.pageFault], 800)
        XCTAssertEqual(m.latency, [[80, 150], [160, 85]])
        XCTAssertEqual(m.pageMemoryCost(zero: true, nodeIndex: 0), 256, "4096 B at 16 GB/s")
        XCTAssertEqual(m.pageMemoryCost(zero: false, nodeIndex: 1), 1024, "a copy moves the page twice")
        XCTAssertEqual(try TopologyFile.parse(TopologyWriter.yaml(t)).costs, t.costs, "written back and read again")
    }

    func testBadCostsAreNamed() throws {
        assertInputError({ try TopologyFile.parse(base + "\ncosts: {page_faults: 1}", file: "t.yaml") },
                         file: "t.yaml", key: "costs.page_faults", contains: "unknown key")
        assertInputError({ try TopologyFile.parse(base + "\ncosts: {page_fault: -5}", file: "t.yaml") },
                         file: "t.yaml", key: "costs.page_fault", contains: "expected an integer in")
        assertInputError({ try TopologyFile.parse(base + "\nlatency_ns: [[80, 150]]", file: "t.yaml") },
                         file: "t.yaml", key: "latency_ns", contains: "expected 2 rows")
        assertInputError({ try TopologyFile.parse(base + "\nlatency_ns: [[80], [150, 80]]", file: "t.yaml") },
                         file: "t.yaml", key: "latency_ns[0]", contains: "expected 2 latencies")
        assertInputError({ try TopologyFile.parse(base + "\nbandwidth_gbps: [10, 0]", file: "t.yaml") },
                         file: "t.yaml", key: "bandwidth_gbps[1]", contains: "positive number")
        assertInputError({ try TopologyFile.parse(base + "\ncosts: {kswapd_nap: 0}", file: "t.yaml") },
                         file: "t.yaml", key: "costs.kswapd_nap", contains: "expected an integer in 1")
    }
}
