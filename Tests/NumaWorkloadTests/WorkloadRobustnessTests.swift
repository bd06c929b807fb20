import XCTest
import NumaTestSupport
import NumaCore
import NumaTopology
@testable import NumaWorkload

/// Workload inputs that once trapped are refused with the file, line and key.
final class WorkloadRobustnessTests: XCTestCase {
    func topology() throws -> Topology { try TopologyFile.parse(TestTopologies.three256, file: "t.yaml") }

    /// `order: {}` left pickOrder a total weight of 0 to divide by.
    func testEmptyOrderMapIsRefused() throws {
        let t = try topology()
        let text = """
            threads:
              - cpus: "0"
                allocate: 1MiB
                order: {}
            """
        assertInputError({ try Workload.parse(text, file: "empty-order.yaml", topology: t) },
                         file: "empty-order.yaml", line: 4, key: "threads[0].order", contains: "got an empty map")
    }

    func testZeroWeightIsRefused() throws {
        let t = try topology()
        let text = """
            threads:
              - {cpus: "0", allocate: 1MiB, order: {0: 0}}
            """
        assertInputError({ try Workload.parse(text, file: "zero.yaml", topology: t) },
                         file: "zero.yaml", line: 2, key: "threads[0].order.0", contains: "expected an integer in 1...")
    }

    /// A spec built in code with no weight draws order 0 instead of dividing by zero.
    func testPickOrderWithoutWeightDoesNotTrap() {
        var rng = SplitMix64(seed: 1)
        XCTAssertEqual(SimulatedTask.pickOrder([(order: 3, weight: 0), (order: 5, weight: 0)], &rng), 3)
        XCTAssertEqual(SimulatedTask.pickOrder([], &rng), 0)
    }
}
