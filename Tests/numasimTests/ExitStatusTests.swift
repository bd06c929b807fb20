import Foundation
import XCTest
import NumaTestSupport

/// Issue 18: runtime errors exit 1 with one `Error:` line and no usage text; usage errors exit
/// 64 with it; an unwritable --report/--csv still prints the result and exits 1; --threads
/// above the simulated CPUs warns. Through the built binary.
final class ExitStatusTests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try NumasimBinary.run(args) }

    func small() throws -> (topology: String, workload: String) {
        (try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes),
         try NumasimBinary.temp("w.yaml", "threads:\n  - {cpus: \"0-1\", allocate: 8MiB}\n"))
    }

    /// One line, `Error: ` first, no `Usage:`.
    func assertRuntimeError(_ r: (status: Int32, out: String, err: String), mentions: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, r.err, file: file, line: line)
        XCTAssertTrue(r.err.hasPrefix("Error: "), r.err, file: file, line: line)
        XCTAssertEqual(r.err.trimmingCharacters(in: .newlines).split(separator: "\n").count, 1, r.err, file: file, line: line)
        XCTAssertFalse(r.err.contains("Usage:"), r.err, file: file, line: line)
        XCTAssertTrue(r.err.contains(mentions), r.err, file: file, line: line)
    }

    func testRuntimeErrorsExitOneWithOneLineAndNoUsage() throws {
        let (t, w) = try small()
        assertRuntimeError(try run(["compare", "/nonexistent/a.json", "/nonexistent/b.json"]), mentions: "/nonexistent/a.json: no such file")
        assertRuntimeError(try run(["numastat", "/nonexistent/a.json"]), mentions: "/nonexistent/a.json")
        assertRuntimeError(try run(["stress", "-t", "/nonexistent/t.yaml", "-w", w]), mentions: "/nonexistent/t.yaml")
        assertRuntimeError(try run(["stress", "-t", t, "-w", "/nonexistent/w.yaml"]), mentions: "/nonexistent/w.yaml")
        assertRuntimeError(try run(["topology", "generate", "--nodes", "2", "--memory-per-node", "1GiB", "-o", "/nonexistent/g.yaml"]),
                           mentions: "/nonexistent/g.yaml")
        assertRuntimeError(try run(["sweep", "--collect", "/nonexistent/dir"]), mentions: "/nonexistent/dir")
    }

    func testUsageErrorsExit64WithUsage() throws {
        for args in [["stress", "--no-such-option"], ["stress", "-t", "x.yaml"], ["stress", "-t", "x.yaml", "-w", "y.yaml", "--dump", "nope"],
                     ["sweep", "--param", "vm.watermark_scale_factor"]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains("Usage:"), "\(args): \(r.err)")
        }
    }

    /// The result is printed, the file is named before the run (a warning) and after it (an
    /// error), and the exit is 1; the text does not claim the file was written.
    func testUnwritableReportOrCSVStillPrintsTheResult() throws {
        let (t, w) = try small()
        var r = try run(["stress", "-t", t, "-w", w, "--report", "/nonexistent-dir/r.html", "--quiet"])
        XCTAssertEqual(r.status, 1, r.err)
        XCTAssertTrue(r.out.contains("Per-node numastat"), "the result is printed: \(r.out.prefix(300))")
        XCTAssertFalse(r.out.contains("/nonexistent-dir/r.html"), "the text names only files that were written")
        XCTAssertTrue(r.err.contains("numasim: warning: /nonexistent-dir/r.html: directory /nonexistent-dir does not exist"), r.err)
        XCTAssertTrue(r.err.contains("Error: /nonexistent-dir/r.html: cannot write"), r.err)
        XCTAssertFalse(r.err.contains("Usage:"), r.err)

        let csvDir = try NumasimBinary.temp("csv-is-a-directory")
        try FileManager.default.createDirectory(atPath: csvDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: csvDir) }
        r = try run(["stress", "-t", t, "-w", w, "--csv", csvDir, "--json"])
        XCTAssertEqual(r.status, 1, r.err)
        XCTAssertNotNil(try NumasimBinary.json(r.out)["provenance"], "the JSON result is printed")
        XCTAssertTrue(r.err.contains("Error: \(csvDir): cannot write"), r.err)
    }

    func testThreadsAboveTheSimulatedCPUsWarn() throws {
        let (t, w) = try small()
        let r = try run(["stress", "-t", t, "-w", w, "--threads", "8", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("numasim: warning: --threads 8: two-small has 4 simulated CPUs; at most 4 host threads run"), r.err)
        let quiet = try run(["stress", "-t", t, "-w", w, "--threads", "2", "--quiet"])
        XCTAssertEqual(quiet.err, "", "no warning within the CPUs")
    }

    /// Without -t, bench times its built-in copy of topologies/nehalem-2s.yaml from any directory.
    func testBenchDefaultTopologyDoesNotDependOnTheWorkingDirectory() throws {
        let r = try NumasimBinary.run(["bench", "--only", "boot", "--pairs", "1", "--runs", "1"],
                                      in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("boot: 2 nodes"), r.out)
        let help = try run(["bench", "--help"]).out
        XCTAssertTrue(help.contains("built-in copy of"), help)
    }

    /// `make run`'s stress: short, multi-threaded, and its output shows the fallback.
    func testMakeRunStressShowsCrossNodeFallback() throws {
        let make = try String(contentsOf: NumasimBinary.root.appendingPathComponent("Makefile"), encoding: .utf8)
        XCTAssertTrue(make.contains("numasim stress -t $(TOPOLOGY) -w $(WORKLOAD) --threads 2"), make)
        let r = try run(["stress", "-t", "topologies/nehalem-2s-qemu.yaml", "-w", "workloads/quick-fallback.yaml", "--threads", "2", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("Fallback matrix"), r.out)
        let line = try XCTUnwrap(r.out.split(separator: "\n").first { $0.hasPrefix("served by another node than asked: ") })
        let pct = try XCTUnwrap(Double(line.dropFirst("served by another node than asked: ".count).prefix { $0 != "%" }))
        XCTAssertGreaterThan(pct, 5, String(line))
    }

    /// `--generate-completion-script` completes files and the `--dump` list, one file after another.
    func testShellCompletion() throws {
        let script = try run(["--generate-completion-script", "bash"])
        XCTAssertEqual(script.status, 0, script.err)
        XCTAssertTrue(script.out.contains("---completion stress -- --dump"), "--dump completes through numasim")
        XCTAssertTrue(script.out.contains("yaml"), "topology and workload files complete as .yaml")
        let r = try NumasimBinary.run(["---completion", "stress", "--", "--dump", "3", "11", "numasim", "stress", "--dump", "zoneinfo,bu"],
                                      environment: ["SAP_SHELL": "bash"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init), ["zoneinfo,buddyinfo"])
    }
}
