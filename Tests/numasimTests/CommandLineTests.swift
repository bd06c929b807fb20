import Foundation
import XCTest
import NumaTestSupport

/// Runs the built `numasim` binary: exit codes and messages for bad input, and output shapes.
final class CommandLineTests: XCTestCase {
    /// The built `numasim` (NumasimBinary: next to the test bundle, run from the repository root).
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try NumasimBinary.run(args) }

    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("numasim-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testBadTopologyExitsNonZeroNamingFileLineAndKey() throws {
        let path = try write("nodes:\n  - {id: 0, cpus: 0-x, memory: 1GiB}\n")
        let r = try run(["zoneinfo", "-t", path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(path):2:"), r.err)
        XCTAssertTrue(r.err.contains("nodes[0].cpus"), r.err)
        XCTAssertTrue(r.err.contains("cpulist"), r.err)
        XCTAssertFalse(r.err.contains("Fatal error"), r.err)
    }

    /// Problems found while a workload runs name the workload file, the line of the key and the
    /// key, as the reader's own errors do: an engine that cannot run a phase, a failed step.
    func testRunTimeWorkloadErrorsNameFileLineAndKey() throws {
        let duration = try NumasimBinary.temp("duration.yaml", """
            phases:
              - sysctl: {watermark_scale_factor: 20}
              - threads:
                  - cpus: 0
                    allocate: 1MiB
                    duration: 1s
            """)
        var r = try run(["stress", "-t", "topologies/nehalem-2s-qemu.yaml", "-w", duration, "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("\(duration):6:"), r.err)
        XCTAssertTrue(r.err.contains("phases[1].threads[0].duration: a wall-clock duration needs the concurrent engine"), r.err)

        let segv = try NumasimBinary.temp("segv.yaml", """
            phases:
              - processes:
                  - name: p
                    mmap:
                      - {name: a, size: 1MiB}
                    threads:
                      - cpu: 0
                        steps:
                          - munmap: {vma: a}
                          - touch: {vma: a, offset: 0, length: 4096, write: true}
            """)
        r = try run(["stress", "-t", "topologies/nehalem-2s-qemu.yaml", "-w", segv, "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("\(segv):10:"), r.err)
        XCTAssertTrue(r.err.contains("phases[0].processes[0].threads[0].steps[1]: touch: "), r.err)
        XCTAssertTrue(r.err.contains("SIGSEGV"), r.err)

        r = try run(["stress", "-t", "topologies/nehalem-2s-qemu.yaml", "-w", "workloads/process-threads-own-halves.yaml", "--threads", "2"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("workloads/process-threads-own-halves.yaml:"), r.err)
        XCTAssertTrue(r.err.contains("phases[0].processes: process phases run in the deterministic engine only"), r.err)
    }

    func testMissingFileAndBadOptions() throws {
        let r = try run(["zonelist", "-t", "/nonexistent/x.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("/nonexistent/x.yaml"), r.err)
        let s = try run(["zonelist", "-t", try write("nodes: [{id: 0, cpus: \"0\", memory: 1GiB}]\n"), "--sysctl", "vm.nope=1"])
        XCTAssertNotEqual(s.status, 0)
        XCTAssertTrue(s.err.contains("unknown sysctl"), s.err)
        let i = try run(["topology", "import"])
        XCTAssertNotEqual(i.status, 0)
        XCTAssertTrue(i.err.contains("exactly one of"), i.err)
    }

    func testZonelistAndZoneinfoOutput() throws {
        let path = try write("""
            nodes:
              - {id: 0, cpus: "0-1", memory: 1GiB}
              - {id: 1, cpus: "2-3", memory: 1GiB}
            distances: [[10, 21], [21, 10]]
            """)
        let z = try run(["zonelist", "-t", path])
        XCTAssertEqual(z.status, 0, z.err)
        XCTAssertTrue(z.out.hasPrefix("Fallback order for Node 0: 0 1 \nFallback order for Node 1: 1 0 \nBuilt 2 zonelists"), z.out)
        let j = try run(["zonelist", "-t", path, "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as! [String: Any]
        let bootLists = json["boot"] as! [String: Any]
        XCTAssertEqual((bootLists["1"] as! [String: Any])["fallback_order"] as! [Int], [1, 0])
        let zi = try run(["zoneinfo", "-t", path])
        XCTAssertEqual(zi.status, 0, zi.err)
        XCTAssertTrue(zi.out.hasPrefix("Node 0, zone      DMA\n  per-node stats\n"), zi.out)
        XCTAssertEqual(zi.out.components(separatedBy: "\nNode ").count, 10, "5 zones × 2 nodes")
        let show = try run(["topology", "show", "-t", path])
        XCTAssertTrue(show.out.contains("node distances:\nnode   0   1 \n  0:  10  21 \n  1:  21  10 \n"), show.out)
    }
}
