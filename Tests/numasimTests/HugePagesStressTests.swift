import Foundation
import XCTest
import NumaTestSupport

/// `numasim stress` with `hugepages:` steps on two 128 MiB nodes: the JSON's `hugepages`,
/// `hugepage_steps` and `node_meminfo` HugePages_* against mm/hugetlb.c's rules, the schema, and
/// the text report's block.
final class HugePagesStressTests: XCTestCase {
    static let workload = """
        phases:
          - hugepages: {count: 5}
          - hugepages: {node: 1, count: 1000}
          - threads:
              - {cpus: "0", allocate: 100, free: immediately}
          - hugepages: {count: 3, policy: "bind:0"}
        """

    func testJSONFollowsTheKernelRules() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", Self.workload)
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let j = try NumasimBinary.json(r.out)
        XCTAssertEqual(StressJSONSchemaTests.validate(j, try StressJSONSchemaTests.schema), [])
        XCTAssertEqual((j["invariants"] as? [String: Any])?["ok"] as? Bool, true)
        let steps = try XCTUnwrap(j["hugepage_steps"] as? [[String: Any]])
        XCTAssertEqual(steps.count, 3)
        func total(_ s: [String: Any], _ node: String) -> Int? { ((s["nodes"] as? [String: Any])?[node] as? [String: Any])?["total"] as? Int }
        // Step 0: 5 pages over N_MEMORY from first_memory_node 0: 0, 1, 0, 1, 0.
        XCTAssertEqual(steps[0]["key"] as? String, "phases[0].hugepages")
        XCTAssertEqual(total(steps[0], "0"), 3)
        XCTAssertEqual(total(steps[0], "1"), 2)
        // Step 1: node 1 asks 1000 → global target 1000 + 5 - 2 = 1003; only node 1 grows, and a
        // 128 MiB node cannot give 1000 pages of 2 MiB: short.
        XCTAssertEqual(steps[1]["target"] as? Int, 1003)
        XCTAssertEqual(steps[1]["nodes_allowed"] as? [Int], [1])
        XCTAssertEqual(steps[1]["short"] as? Bool, true)
        XCTAssertEqual(total(steps[1], "0"), 3)
        let n1 = try XCTUnwrap(total(steps[1], "1"))
        XCTAssertGreaterThan(n1, 2)
        XCTAssertLessThan(n1, 64, "128 MiB holds at most 64 pages of 2 MiB")
        XCTAssertEqual(steps[1]["obtained"] as? Int, 3 + n1)
        let mi = try XCTUnwrap((steps[1]["node_meminfo"] as? [String: Any])?["1"] as? [String: Int])
        XCTAssertEqual(mi["HugePages_Total"], n1)
        XCTAssertGreaterThanOrEqual(mi["MemUsed"]!, n1 * 2048)
        // Step 3: nr_hugepages_mempolicy 3 under bind:0 may only free node 0's pages: all 3 go,
        // node 1 keeps its pool (the persistent size stays above the target), nothing is surplus
        // (adjust_pool_surplus finds no node 0 page to mark).
        XCTAssertEqual(steps[2]["nodes_allowed"] as? [Int], [0])
        XCTAssertEqual(total(steps[2], "0"), 0)
        XCTAssertEqual(total(steps[2], "1"), n1)
        XCTAssertEqual(steps[2]["obtained"] as? Int, n1)
        // At the end: `hugepages` and node_meminfo agree.
        let pools = try XCTUnwrap((j["hugepages"] as? [String: Any])?["2048kB"] as? [String: [String: Int]])
        XCTAssertEqual(pools["0"], ["total": 0, "free": 0, "surplus": 0])
        XCTAssertEqual(pools["1"], ["total": n1, "free": n1, "surplus": 0])
        let meminfo = try XCTUnwrap(j["node_meminfo"] as? [String: [String: Int]])
        XCTAssertEqual(meminfo["1"]?["HugePages_Total"], n1)
        XCTAssertEqual(meminfo["1"]?["HugePages_Free"], n1)
        XCTAssertEqual(meminfo["0"]?["HugePages_Total"], 0)
    }

    func testTextReportAndDumpShowThePools() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", Self.workload)
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--dump", "node-meminfo"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("hugetlb pools:"), r.out)
        XCTAssertTrue(r.out.contains("phases[1].hugepages: node1/hugepages/hugepages-2048kB/nr_hugepages = 1000 (global target 1003)"), r.out)
        XCTAssertTrue(r.out.contains("short by"), r.out)
        // node_read_meminfo's hugetlb lines: "Node %d HugePages_Total: %5u".
        XCTAssertTrue(r.out.contains("Node 0 HugePages_Total:     0\n"), r.out)
        XCTAssertTrue(r.out.range(of: #"Node 1 HugePages_Total: +[1-9][0-9]*\n"#, options: .regularExpression) != nil, r.out)
    }

    /// No pool: the keys stay out of the result.
    func testNoPoolNoKeys() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", "threads: [{cpus: \"0\", allocate: 100}]")
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--json"])
        let j = try NumasimBinary.json(r.out)
        XCTAssertNil(j["hugepages"])
        XCTAssertNil(j["hugepage_steps"])
    }

    func run(_ workload: String) throws -> (status: Int32, json: [String: Any]?, err: String) {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", workload)
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--json"])
        return (r.status, r.status == 0 ? try NumasimBinary.json(r.out) : nil, r.err)
    }

    /// A MAP_HUGETLB mapping of 6 MiB reserves 3 pages of a 2 + 2 pool (gather_surplus_pages:
    /// needed = 0 + 3 - 4 < 0, no surplus); a thread on CPU 2 (node 1) with the default policy
    /// touches 4 MiB: two faults (one per huge page, pgfault 2), each `huge_node` → node 1 and
    /// node 1's free list first. At exit both go back to the pool and the third reservation is
    /// returned: the pool is as before.
    func testHugeTLBMappingFaultsFromThePolicyNode() throws {
        let (status, j, err) = try run("""
            phases:
              - hugepages: {count: 4}
              - processes:
                  - name: db
                    mmap:
                      - {name: pool, size: 6MiB, hugetlb: true}
                    threads:
                      - cpu: 2
                        steps:
                          - touch: {vma: pool, offset: 0, length: 4MiB, write: true}
            """)
        XCTAssertEqual(status, 0, err)
        let json = try XCTUnwrap(j)
        XCTAssertEqual(StressJSONSchemaTests.validate(json, try StressJSONSchemaTests.schema), [])
        XCTAssertEqual((json["invariants"] as? [String: Any])?["ok"] as? Bool, true)
        let spaces = try XCTUnwrap(json["address_spaces"] as? [String: Any])
        XCTAssertEqual(spaces["pgfault"] as? Int, 2)
        let p = try XCTUnwrap((spaces["processes"] as? [[String: Any]])?.first)
        let byNode = try XCTUnwrap(p["pages_by_node"] as? [String: Int])
        XCTAssertEqual(byNode["0"] ?? 0, 0)
        XCTAssertEqual((byNode["1"] ?? 0) - (p["table_pages_allocated"] as? Int ?? 0), 1024, "two 2 MiB pages on node 1")
        let pools = try XCTUnwrap((json["hugepages"] as? [String: Any])?["2048kB"] as? [String: [String: Int]])
        XCTAssertEqual(pools["0"], ["total": 2, "free": 2, "surplus": 0])
        XCTAssertEqual(pools["1"], ["total": 2, "free": 2, "surplus": 0])
    }

    /// Overcommit: a pool of 1 (node 0) and nr_overcommit_hugepages 2; mmap of 3 pages on CPU 2
    /// gathers 2 surplus pages from the writer's node 1. The faults take node 1's two, then
    /// node 0's (the zonelist of node 1 falls back to node 0). At exit node 1's pages leave the
    /// pool (their node has surplus: `free_huge_page` → buddy) and node 0's returns to its list.
    /// A mapping beyond pool + overcommit fails with ENOMEM at mmap.
    func testOvercommitSurplusAndReservationFailure() throws {
        let (status, j, err) = try run("""
            phases:
              - hugepages: {count: 1, overcommit: 2}
              - processes:
                  - name: db
                    mmap:
                      - {name: pool, size: 6MiB, hugetlb: true}
                    threads:
                      - cpu: 2
                        steps:
                          - touch: {vma: pool, offset: 0, length: 6MiB, write: true}
            """)
        XCTAssertEqual(status, 0, err)
        let json = try XCTUnwrap(j)
        XCTAssertEqual((json["invariants"] as? [String: Any])?["ok"] as? Bool, true)
        let p = try XCTUnwrap(((json["address_spaces"] as? [String: Any])?["processes"] as? [[String: Any]])?.first)
        let byNode = try XCTUnwrap(p["pages_by_node"] as? [String: Int])
        XCTAssertEqual(byNode["0"], 512)
        XCTAssertEqual((byNode["1"] ?? 0) - (p["table_pages_allocated"] as? Int ?? 0), 1024)
        let pools = try XCTUnwrap((json["hugepages"] as? [String: Any])?["2048kB"] as? [String: [String: Int]])
        XCTAssertEqual(pools["0"], ["total": 1, "free": 1, "surplus": 0])
        XCTAssertEqual(pools["1"], ["total": 0, "free": 0, "surplus": 0])

        let (bad, _, message) = try run("""
            phases:
              - hugepages: {count: 1, overcommit: 1}
              - processes:
                  - name: db
                    mmap:
                      - {name: pool, size: 6MiB, hugetlb: true}
                    threads:
                      - cpu: 2
                        steps:
                          - touch: {vma: pool, offset: 0, length: 2MiB}
            """)
        XCTAssertNotEqual(bad, 0)
        XCTAssertTrue(message.contains("ENOMEM") && message.contains("mmap[0]"), message)
    }
}

