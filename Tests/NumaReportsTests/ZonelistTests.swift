import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaReports
@testable import NumaTopology

/// Fallback orders against hand derivations of `find_next_best_node` / `build_zonelists`
/// (kernel-reference §5.2). Notation in comments: val = (distance + [n < local] + [n has CPUs])
/// · MAX_NUMNODES + node_load[n]; the smallest val wins, ties go to the lowest id; node_load[n]
/// grows when n opens a new distance group.
final class ZonelistTests: XCTestCase {
    func machine(distances: [[Int]], cpus: [String], memory: [String]? = nil) throws -> BootedMachine {
        var yaml = "name: z\nnodes:\n"
        for i in distances.indices {
            yaml += "  - {id: \(i), cpus: \"\(cpus[i])\", memory: \(memory?[i] ?? "1GiB")}\n"
        }
        yaml += "distances:\n" + distances.map { "  - [\($0.map(String.init).joined(separator: ", "))]\n" }.joined()
        return try boot(yaml)
    }

    func orders(_ z: Zonelists) -> [[Int]] { z.nodes.map { z.nodeOrder[$0]! } }

    /// Reference worked example: 4 nodes, all remote 21 → round-robin spreading by node_load.
    func testFourEquidistantNodesRotate() throws {
        let m = try machine(distances: [[10, 21, 21, 21], [21, 10, 21, 21], [21, 21, 10, 21], [21, 21, 21, 10]],
                            cpus: ["0", "1", "2", "3"])
        XCTAssertEqual(orders(m.bootZonelists), [[0, 1, 2, 3], [1, 2, 3, 0], [2, 3, 0, 1], [3, 0, 1, 2]])
    }

    /// Reference worked example: two sockets with two nodes each (12 within, 32 across).
    func testTwoSocketsTwoNodesEach() throws {
        let m = try machine(distances: [[10, 12, 32, 32], [12, 10, 32, 32], [32, 32, 10, 12], [32, 32, 12, 10]],
                            cpus: ["0", "1", "2", "3"])
        XCTAssertEqual(orders(m.bootZonelists), [[0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 1, 0]])
    }

    /// Observed on a real 6.1 boot: two CPU nodes and two memory-only nodes, all remote 20. The
    /// boot build sees no CPUs; the rebuild applies PENALTY_FOR_NODE_WITH_CPUS.
    func testBootBuildIgnoresCPUsRebuildDoesNot() throws {
        let m = try machine(distances: [[10, 20, 20, 20], [20, 10, 20, 20], [20, 20, 10, 20], [20, 20, 20, 10]],
                            cpus: ["0-1", "2-3", "", ""])
        XCTAssertEqual(orders(m.bootZonelists), [[0, 1, 2, 3], [1, 2, 3, 0], [2, 3, 0, 1], [3, 0, 1, 2]])
        // Rebuild, node 0: 1 → 21, 2 → 20, 3 → 20: pick 2 (load[2]=1), then 3 (20480 < 21504), then 1.
        // node 1: 0 → 22, 2 → 20·1024+1, 3 → 20·1024: pick 3 (load[3]=1), then 2, then 0.
        // node 2: 0 → 22, 1 → 22, 3 → 20·1024+1: pick 3 (load[3]=2), then 0 (tie with 1, lower id), 1.
        // node 3: 0 → 22, 1 → 22, 2 → 21·1024+1: pick 2, then 0, 1.
        XCTAssertEqual(orders(m.rebuiltZonelists), [[0, 2, 3, 1], [1, 3, 2, 0], [2, 3, 0, 1], [3, 2, 0, 1]])
    }

    /// Asymmetric SLIT: the row of the building node decides.
    func testAsymmetricDistances() throws {
        // node 0: 1 (20) then 2 (30); node 1: 0 costs 40+1, 2 costs 20 → 2, 0; node 2: 0 costs 20+1,
        // 1 costs 30+1 → 0, 1.
        let m = try machine(distances: [[10, 20, 30], [40, 10, 20], [20, 30, 10]], cpus: ["0", "1", "2"])
        XCTAssertEqual(orders(m.bootZonelists), [[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    }

    /// The lower-id penalty reorders distances that differ by 1: from node 1, node 0 at 20
    /// costs 21, the same as node 2 at 21 — the tie then goes to node_load, then the lower id.
    func testLowerIDPenaltyBreaksNearTies() throws {
        let m = try machine(distances: [[10, 20, 21], [20, 10, 21], [21, 21, 10]], cpus: ["0", "1", "2"])
        // node 0: 1 (20, load[1]=1), 2 (21, load[2]=1).
        // node 1: 0 → 21·1024 + 0, 2 → 21·1024 + 1 → 0 first (load[0]=1), then 2 (21 ≠ 20: load[2]=2).
        // node 2: 0 → (21+0)·1024 + 1, 1 → 21·1024 + 1 → tie → 0, then 1.
        XCTAssertEqual(orders(m.bootZonelists), [[0, 1, 2], [1, 0, 2], [2, 0, 1]])
    }

    /// A CPU-only node (no memory) lists itself first with no zones, and never appears in
    /// another node's list; a memory-only node does.
    func testMemorylessAndCPULessNodes() throws {
        let m = try machine(distances: [[10, 20, 20], [20, 10, 20], [20, 20, 10]],
                            cpus: ["0", "1", ""], memory: ["1GiB", "0", "1GiB"])
        XCTAssertEqual(orders(m.bootZonelists), [[0, 2], [1, 2, 0], [2, 0]])
        XCTAssertEqual(m.bootZonelists.noFallback[1], [])
        XCTAssertEqual(m.bootZonelists.fallback[1]!.map(\.node), [2, 0, 0])
        XCTAssertEqual(m.bootZonelists.fallbackLine(node: 1), "Fallback order for Node 1: 1 2 0 ")
    }

    /// Sparse node ids keep their numbers in the lists and messages.
    func testSparseNodeIDs() throws {
        let m = try boot("""
            name: sparse
            nodes:
              - {id: 0, cpus: "0-1", memory: 2GiB}
              - {id: 2, cpus: "2-3", memory: 2GiB}
              - {id: 5, cpus: "", memory: 2GiB}
            distances: [[10, 21, 30], [21, 10, 30], [30, 30, 10]]
            """)
        XCTAssertEqual(orders(m.bootZonelists), [[0, 2, 5], [2, 0, 5], [5, 0, 2]])
        let text = ZonelistFormat.render(m, zonelists: m.bootZonelists, showZones: false)
        XCTAssertTrue(text.hasPrefix("Fallback order for Node 0: 0 2 5 \nFallback order for Node 2: 2 0 5 \nFallback order for Node 5: 5 0 2 \n"))
        XCTAssertTrue(text.contains("Built 3 zonelists, mobility grouping on.  Total pages: "))
    }

    /// N equidistant nodes: by induction node k's list is k, k+1 … N−1, 0 … k−1 (each build
    /// bumps the load of the first remote node it takes, which the next builder then skips past;
    /// lower ids lose by the +1 penalty). Checked for 64 and 128 nodes.
    func testManyEquidistantNodesFollowClosedForm() throws {
        for n in [64, 128] {
            let d = (0..<n).map { i in (0..<n).map { $0 == i ? 10 : 20 } }
            let m = try machine(distances: d, cpus: (0..<n).map { String($0) }, memory: Array(repeating: "64MiB", count: n))
            for k in 0..<n {
                XCTAssertEqual(m.bootZonelists.nodeOrder[k], Array(k..<n) + Array(0..<k), "node \(k) of \(n)")
            }
        }
    }

    /// Zones inside a node go from the highest type down; NOFALLBACK is the node's own zones.
    func testZoneOrderInsideNodes() throws {
        let m = try boot("""
            name: z
            nodes:
              - {id: 0, cpus: "0", memory: 6GiB}
              - {id: 1, cpus: "1", memory: 6GiB}
            distances: [[10, 21], [21, 10]]
            """)
        let names = m.bootZonelists.fallback[0]!.map { "\($0.node):\(m.zoneNames[$0.zone])" }
        XCTAssertEqual(names, ["0:Normal", "0:DMA32", "0:DMA", "1:Normal"])
        XCTAssertEqual(m.bootZonelists.noFallback[1]!.map(\.zone), [2])
    }
}
