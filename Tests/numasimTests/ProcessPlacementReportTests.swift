import Foundation
import XCTest
import NumaTestSupport

/// Process workloads count in the run's fallback matrix, locality, timeline and per-process
/// breakdown (issue 18): `workloads/process-threads-own-halves.yaml` first-touches 256 MiB
/// from a thread on node 0 and 256 MiB from one on node 1 (65536 data pages each), plus the page
/// tables each thread's faults allocate on its own node.
final class ProcessPlacementReportTests: XCTestCase {
    func testProcessFaultsFeedTheMatrixLocalityAndTimeline() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let r = try NumasimBinary.run(["stress", "-t", repo.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path,
                                       "-w", repo.appendingPathComponent("workloads/process-threads-own-halves.yaml").path, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let j = try NumasimBinary.json(r.out)
        let spaces = try XCTUnwrap(j["address_spaces"] as? [String: Any])
        let process = try XCTUnwrap((spaces["processes"] as? [[String: Any]])?.first)
        let data = try XCTUnwrap(process["pages_allocated"] as? Int), migrated = try XCTUnwrap(process["migrated"] as? Int)
        let tables = try XCTUnwrap(process["table_pages_allocated"] as? Int)
        // The matrix counts first placements (faults and tables), not the migration step's copies.
        let fallback = try XCTUnwrap(j["fallback"] as? [String: Any])
        let matrix = try XCTUnwrap(fallback["pages"] as? [[Int]])
        XCTAssertEqual(matrix.flatMap { $0 }.reduce(0, +), data - migrated + tables)
        XCTAssertEqual(matrix[0][1] + matrix[1][0], 0, "default policy, memory free: every page on the node asked for")
        let byNode = try XCTUnwrap(process["pages_by_node"] as? [String: Int])
        XCTAssertEqual(byNode["0"], matrix[0][0])
        XCTAssertEqual(byNode["1"], matrix[1][1])
        XCTAssertGreaterThanOrEqual(byNode["1"] ?? 0, 65536)
        let locality = try XCTUnwrap(j["locality"] as? [String: Any])
        XCTAssertEqual(locality["local_share"] as? Double, 1.0, "each thread faulted its half on its own node")
        let samples = try XCTUnwrap((j["timeline"] as? [String: Any])?["samples"] as? [[String: Any]])
        XCTAssertGreaterThan(samples.count, 2)
        XCTAssertEqual(samples.last?["pages"] as? Int, data - migrated + tables)
    }
}
