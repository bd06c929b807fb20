import XCTest
import NumaCore
import NumaEngine
import NumaReports
import NumaTestSupport
import NumaTopology
import NumaWorkload

/// docs/embedding.md's example, as written there: boot a shipped topology and run a stress from
/// the library API. If this stops compiling or passing, the guide is wrong.
final class EmbeddingGuideTests: XCTestCase {
    func testTheGuidesExampleRuns() throws {
        let topology = try TopologyFile.load(path: NumasimBinary.root.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path)
        let machine = try BootedMachine(topology: topology)
        XCTAssertTrue(ZonelistFormat.render(machine, zonelists: machine.bootZonelists, showZones: false).contains("Fallback order for Node 0:"))
        let workload = try Workload.parse("""
            threads:
              - cpus: 0-1
                allocate: 1.1GiB
              - cpus: 2-3
                allocate: 256MiB
            """, file: "inline-workload", topology: topology)
        let run = try StressRun.run(machine: machine, workload: workload, seed: 1)
        XCTAssertTrue(run.violations.isEmpty, "\(run.violations)")
        let report = StressReport(run)
        XCTAssertGreaterThan(report.fallback.fallback_percent, 5, "node 0's CPUs ask for more than node 0 holds")
        XCTAssertGreaterThan(report.numastat["1"]!.numaMiss, 0)
        XCTAssertTrue(StressTextReport(report: report, run: run, everyOps: 1000, everyMs: 20).text.contains("Fallback matrix"))

        // The guide's claim: the same inputs give the same bytes.
        let again = StressReport(try StressRun.run(machine: machine, workload: workload, seed: 1))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        XCTAssertEqual(try encoder.encode(report), try encoder.encode(again))
    }

    func testTheGuideShowsThisCode() throws {
        let guide = try String(contentsOf: NumasimBinary.root.appendingPathComponent("docs/embedding.md"), encoding: .utf8)
        for line in ["let machine = try BootedMachine(topology: topology)",
                     "let run = try StressRun.run(machine: machine, workload: workload, seed: 1)",
                     "let report = StressReport(run)"] {
            XCTAssertTrue(guide.contains(line), line)
        }
    }
}
