import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

final class StressTests: XCTestCase {

    func machine() throws -> BootedMachine { try boot(TestTopologies.three256) }

    /// Random policies, orders and frees over several thread groups: invariants hold at the end
    /// and the counters add up (hit + miss = local + other = allocations served per node).
    func testMixedWorkloadKeepsInvariantsAndCountersAddUp() throws {
        let m = try machine()
        let w = try Workload.parse("""
            threads:
              - {cpus: "0", policy: "interleave:all", allocate: 40MiB, order: {0: 70, 2: 20, 9: 10}, free: random, live: 8MiB}
              - {cpus: "1", policy: "bind:1,2", gfp: GFP_KERNEL, allocate: 40MiB, order: {0: 60, 1: 20, 3: 20}, free: random, live: 2MiB}
              - {cpus: "2", policy: "preferred_many:2", allocate: 30MiB, free: immediately}
              - {cpus: "3", policy: "weighted_interleave:0=3,2=1", allocate: 20MiB, order: {0: 90, 10: 10}, free: random, live: 16MiB}
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 99)
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
        var served = 0, foreign = 0, miss = 0
        for id in r.allocator.nodeIDs {
            let e = r.allocator.numastat(node: id)
            XCTAssertEqual(e.numaHit + e.numaMiss, e.localNode + e.otherNode, "node \(id)")
            served += e.numaHit + e.numaMiss
            foreign += e.numaForeign
            miss += e.numaMiss
        }
        XCTAssertEqual(served, r.allocations, "one NUMA event per allocation, any order")
        XCTAssertEqual(foreign, miss, "every miss is some node's foreign")
        XCTAssertGreaterThan(r.frees, 1000)
    }

    func testSameSeedSameResultDifferentSeedDifferent() throws {
        let m = try machine()
        let w = try Workload.parse("""
            threads:
              - {cpus: "0-1", allocate: 20MiB, order: {0: 50, 1: 25, 3: 25}, free: random, live: 1MiB}
            """, file: "w.yaml", topology: m.topology)
        let a = try DeterministicStress.run(machine: m, workload: w, seed: 5)
        let b = try DeterministicStress.run(machine: m, workload: w, seed: 5)
        let c = try DeterministicStress.run(machine: m, workload: w, seed: 6)
        XCTAssertEqual(a.allocator.pgalloc, b.allocator.pgalloc)
        XCTAssertEqual(a.allocator.nodes[0].zones[2].buddyinfo, b.allocator.nodes[0].zones[2].buddyinfo)
        XCTAssertEqual(a.frees, b.frees)
        XCTAssertNotEqual(a.allocator.pgalloc, c.allocator.pgalloc)
    }

    func testWorkloadErrorsNameLineAndKey() throws {
        let t = try machine().topology
        func expect(_ yaml: String, _ key: String, _ mentions: String, line: UInt = #line) {
            XCTAssertThrowsError(try Workload.parse(yaml, file: "w.yaml", topology: t), line: line) { e in
                guard let e = e as? InputError else { return XCTFail("\(e)", line: line) }
                XCTAssertEqual(e.key, key, "\(e)", line: line)
                XCTAssertNotNil(e.line, line: line)
                XCTAssertTrue(e.description.contains(mentions), "\(e)", line: line)
            }
        }
        expect("threads:\n  - {cpus: \"9\", allocate: 10}\n", "threads[0].cpus", "not in the topology")
        expect("threads:\n  - {cpus: \"0\", allocate: 10, policy: \"bind:7\"}\n", "threads[0].policy", "node 7")
        expect("threads:\n  - {cpus: \"0\", allocate: 10, policy: sometimes}\n", "threads[0].policy", "expected default")
        expect("threads:\n  - {cpus: \"0\", allocate: 10, gfp: GFP_MAGIC}\n", "threads[0].gfp", "GFP names")
        expect("threads:\n  - {cpus: \"0\", allocate: 10, gfp: \"__GFP_DMA | __GFP_DMA32\"}\n", "threads[0].gfp", "gfp_zone")
        expect("threads:\n  - {cpus: \"0\", allocate: lots}\n", "threads[0].allocate", "expected a number of pages")
        expect("threads:\n  - {cpus: \"0\", allocate: 10, free: random}\n", "threads[0].live", "needs live")
        expect("threads:\n  - {cpus: \"0\", allocate: 10, order: 11}\n", "threads[0].order", "0...10")
        expect("threads:\n  - {cpus: \"0\", allocate: 1}\n  - {cpus: \"0-1\", allocate: 1}\n", "threads[1].cpus", "already played")
        expect("threads:\n  - {cpus: \"0\", allocate: 10, policy: \"weighted_interleave:0=0\"}\n", "threads[0].policy", "1…255")
    }

    /// The CLI's JSON: numastat keyed by node id with the kernel's six names, invariants ok.
    func testStressJSON() throws {
        let dir = FileManager.default.temporaryDirectory
        let t = dir.appendingPathComponent("st-\(UUID().uuidString).yaml").path
        let w = dir.appendingPathComponent("wl-\(UUID().uuidString).yaml").path
        try TestTopologies.three256.write(toFile: t, atomically: true, encoding: .utf8)
        try "threads:\n  - {cpus: \"0\", allocate: 1000, policy: \"bind:1\"}\n".write(toFile: w, atomically: true, encoding: .utf8)
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("numasim")
        let binary = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") })
            .map { $0.bundleURL.deletingLastPathComponent().appendingPathComponent("numasim") } ?? bin
        let p = Process()
        p.executableURL = binary
        p.arguments = ["stress", "-t", t, "-w", w, "--json"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let numastat = json["numastat"] as! [String: [String: Int]]
        XCTAssertEqual(Set(numastat.keys), ["0", "1", "2"])
        XCTAssertEqual(numastat["1"]!["numa_hit"], 1000)
        XCTAssertEqual(numastat["1"]!["other_node"], 1000)
        XCTAssertEqual(Set(numastat["0"]!.keys), ["numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node"])
        XCTAssertEqual((json["invariants"] as! [String: Any])["ok"] as? Bool, true)
    }
}
