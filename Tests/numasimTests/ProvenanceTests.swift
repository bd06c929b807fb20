import Foundation
import XCTest
import NumaTestSupport
import NumaTopology

/// Issue 18: every `stress --json` result records where it came from, `compare` shows how two
/// results' inputs differ before the numbers, and the HTML report's title names the workload
/// and the sysctls that differ from the defaults.
final class ProvenanceTests: XCTestCase {
    static let workload = """
        phases:
          - threads:
              - {cpus: "0-1", allocate: 4MiB}
          - sysctl: {watermark_scale_factor: 20}
          - threads:
              - {cpus: "2", allocate: 4MiB}
        """

    func stress(_ extra: [String], workload: String = workload) throws -> (json: [String: Any], args: [String], topology: String, workload: String) {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", workload)
        let args = ["stress", "-t", t, "-w", w, "--json"] + extra
        let r = try NumasimBinary.run(args)
        XCTAssertEqual(r.status, 0, r.err)
        return (try NumasimBinary.json(r.out), args, t, w)
    }

    func testStressJSONRecordsItsProvenance() throws {
        let (j, args, t, w) = try stress(["--sysctl", "vm.zone_reclaim_mode=1", "--sysctl", "vm.swappiness=10", "--seed", "7"])
        let p = try XCTUnwrap(j["provenance"] as? [String: Any])
        XCTAssertEqual(p["command_line"] as? [String], ["numasim"] + args, "argv as given, argv[0] as numasim")
        XCTAssertEqual(p["numasim_version"] as? String, j["numasim_version"] as? String)
        XCTAssertEqual(p["seed"] as? Int, 7)
        XCTAssertEqual(p["engine"] as? String, "deterministic")
        XCTAssertEqual(p["threads"] as? Int, 1)

        let topology = try XCTUnwrap(p["topology"] as? [String: Any])
        XCTAssertEqual(topology["name"] as? String, "two-small")
        XCTAssertEqual(topology["path"] as? String, t)
        XCTAssertEqual(topology["hashed"] as? String, "file")
        XCTAssertEqual(topology["sha256"] as? String, SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: t))), "SHA-256 of the file's bytes")

        let workload = try XCTUnwrap(p["workload"] as? [String: Any])
        XCTAssertEqual(workload["text"] as? String, Self.workload, "the workload is embedded")
        XCTAssertEqual(workload["path"] as? String, w)
        XCTAssertEqual(workload["sha256"] as? String, SHA256.hex(Self.workload))

        // The sysctls in force at the end: the topology's (THP never), --sysctl, the workload's step.
        let sysctls = try XCTUnwrap(p["sysctls"] as? [String: String])
        XCTAssertEqual(sysctls["vm.zone_reclaim_mode"], "1")
        XCTAssertEqual(sysctls["vm.swappiness"], "10")
        XCTAssertEqual(sysctls["vm.watermark_scale_factor"], "20", "the workload's sysctl step")
        XCTAssertEqual(sysctls["transparent_hugepage"], "never", "the topology's sysctl")
        XCTAssertEqual(sysctls["vm.min_free_kbytes"], "auto")
        XCTAssertEqual(p["changed_sysctls"] as? [String: String], ["vm.zone_reclaim_mode": "1", "vm.swappiness": "10",
                                                                  "vm.watermark_scale_factor": "20", "transparent_hugepage": "never"])
        XCTAssertEqual(StressJSONSchemaTests.validate(j, try StressJSONSchemaTests.schema), [])
        for key in ["seconds", "ops_per_second", "throughput"] { XCTAssertNil(j[key], "host time only with --timing") }
    }

    /// A workload's top-level `swappiness:` is the run's vm.swappiness, over --sysctl.
    func testWorkloadSwappinessIsInTheSysctls() throws {
        let (j, _, _, _) = try stress(["--sysctl", "vm.swappiness=10"], workload: "swappiness: 100\nthreads:\n  - {cpus: \"0\", allocate: 1MiB}\n")
        let sysctls = try XCTUnwrap((j["provenance"] as? [String: Any])?["sysctls"] as? [String: String])
        XCTAssertEqual(sysctls["vm.swappiness"], "100")
    }

    func testCompareShowsTheInputsThatDifferBeforeTheNumbers() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", Self.workload)
        var paths: [String] = []
        for extra in [["--seed", "1"], ["--seed", "2", "--sysctl", "vm.zone_reclaim_mode=1"]] {
            let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--json"] + extra)
            XCTAssertEqual(r.status, 0, r.err)
            let path = try NumasimBinary.temp("r.json", r.out)
            paths.append(path)
        }
        let r = try NumasimBinary.run(["compare", paths[0], paths[1]])
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.split(separator: "\n").map(String.init)
        let inputs = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("  inputs") })
        let run = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("  run ") })
        XCTAssertLessThan(inputs, run, "the inputs come before the numbers")
        let differences = Array(lines[(inputs + 1)..<run]).filter { !$0.isEmpty }
        XCTAssertEqual(differences.map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") },
                       ["* sysctl vm.zone_reclaim_mode A: 0 B: 1", "* seed A: 1 B: 2"])

        let j = try NumasimBinary.json(try NumasimBinary.run(["compare", paths[0], paths[1], "--json"]).out)
        let rows = try XCTUnwrap(j["inputs"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["key"] as? String }, ["sysctl vm.zone_reclaim_mode", "seed"])

        let same = try NumasimBinary.run(["compare", paths[0], paths[0]])
        XCTAssertTrue(same.out.contains("(the same)"), same.out)
    }

    /// A result without provenance (written before issue 18) still compares, and says so.
    func testCompareReadsResultsWithoutProvenance() throws {
        let (j, _, _, _) = try stress([])
        var old = j
        old["provenance"] = nil
        let a = try NumasimBinary.temp("old.json", String(decoding: try JSONSerialization.data(withJSONObject: old), as: UTF8.self))
        let b = try NumasimBinary.temp("new.json", String(decoding: try JSONSerialization.data(withJSONObject: j), as: UTF8.self))
        let r = try NumasimBinary.run(["compare", a, b])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("(A: no provenance"), r.out)
    }

    func testHTMLTitleNamesTheWorkloadAndTheChangedSysctls() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", Self.workload)
        let html = try NumasimBinary.temp("r.html")
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--sysctl", "vm.zone_reclaim_mode=1", "--report", html, "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let name = ((w as NSString).lastPathComponent as NSString).deletingPathExtension
        let title = "\(name) on two-small, transparent_hugepage=never, vm.watermark_scale_factor=20, vm.zone_reclaim_mode=1"
        XCTAssertTrue(page.contains("<title>numasim stress: \(title)</title>"), String(page.prefix(400)))
        XCTAssertTrue(page.contains("<h1>numasim stress — \(title)</h1>"), String(page.prefix(600)))
    }
}
