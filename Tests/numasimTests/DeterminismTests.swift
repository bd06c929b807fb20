import Foundation
import XCTest
import NumaTestSupport

/// Issue 19: two runs of the deterministic engine with the same topology, workload, seed and
/// options print the same bytes — text, `--json`, `--csv` and `--report` — because nothing in
/// them reads the host's clock unless `--timing` asks for it. Shipped examples on the topology
/// each names, every pair of runs started at once (two processes racing on the host must not
/// matter either).
final class DeterminismTests: XCTestCase {
    /// Runs `args` twice at once and asserts byte-identical output (stdout, stderr, exit status).
    /// Returns the output.
    @discardableResult
    func twice(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let first = try NumasimBinary.startCombined(args), second = try NumasimBinary.startCombined(args)
        let a = try first.finish(), b = try second.finish()
        let text = String(decoding: a, as: UTF8.self)
        XCTAssertTrue(text.hasSuffix("exit 0\n"), "numasim \(args.joined(separator: " ")): \(text.suffix(400))", file: file, line: line)
        XCTAssertGreaterThan(a.count, 1000, file: file, line: line)
        if a != b {
            XCTFail("numasim \(args.joined(separator: " ")): two runs differ; "
                    + GoldenOutputTests.firstDifference(expected: a, actual: b), file: file, line: line)
        }
        return text
    }

    func stress(_ workload: String, topology: String = "nehalem-2s-qemu") -> [String] {
        ["stress", "--quiet", "-t", "topologies/\(topology).yaml", "-w", "workloads/\(workload).yaml", "--seed", "3"]
    }

    /// Three groups at once (interleave over a mapping, bind, churning GFP_KERNEL with mixed
    /// orders): the text report, and the JSON with its CSV and HTML files.
    func testInterleaveAndBindTextJSONCSVAndHTML() throws {
        let text = try twice(stress("interleave-and-bind"))
        XCTAssertTrue(text.contains(" ms simulated\n"), "the header ends at simulated time: \(text.prefix(300))")
        XCTAssertFalse(text.contains("host"), "no host time without --timing")
        XCTAssertTrue(text.contains("Throughput (simulated): "))

        // JSON with --csv and --report: each run writes its own files (same names in two
        // directories), which must match too.
        var files: [[Data]] = []
        var outputs: [Data] = []
        var started: [NumasimBinary.Started] = []
        var dirs: [String] = []
        for _ in 0..<2 {
            let dir = try NumasimBinary.temp("det")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            dirs.append(dir)
            started.append(try NumasimBinary.startCombined(stress("interleave-and-bind") + ["--json", "--latency",
                                                           "--csv", dir + "/t.csv", "--report", dir + "/r.html"]))
        }
        for (s, dir) in zip(started, dirs) {
            outputs.append(try s.finish())
            files.append(try ["t.csv", "r.html"].map { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)) })
            try? FileManager.default.removeItem(atPath: dir)
        }
        // The two command lines name their own directories (provenance.command_line); the rest
        // of the document is the same bytes.
        let withoutCommandLine = outputs.map { out in
            String(decoding: out, as: UTF8.self).replacingOccurrences(of: dirs[0], with: "DIR").replacingOccurrences(of: dirs[1], with: "DIR")
        }
        XCTAssertNotEqual(outputs[0], outputs[1], "provenance.command_line records each run's own --csv/--report paths")
        XCTAssertEqual(withoutCommandLine[0], withoutCommandLine[1], "--json differs between two runs")
        XCTAssertEqual(files[0][0], files[1][0], "--csv differs between two runs")
        XCTAssertEqual(files[0][1], files[1][1], "--report differs between two runs")
        let json = try NumasimBinary.json(String(decoding: outputs[0].dropLast("exit 0\n".utf8.count), as: UTF8.self))
        for key in ["seconds", "ops_per_second", "throughput"] { XCTAssertNil(json[key], "\(key) only with --timing") }
        XCTAssertGreaterThan(json["simulated_time_ns"] as? Int ?? 0, 0)
        XCTAssertFalse(String(decoding: files[0][1], as: UTF8.self).contains("host time"))
    }

    /// One thread overflowing node 0 into node 1, with latency percentiles.
    func testFirstTouchOverflowTextAndJSON() throws {
        let text = try twice(stress("first-touch-overflow") + ["--latency"])
        XCTAssertTrue(text.contains("Latency per allocator call (simulated ns"))
        try twice(stress("first-touch-overflow") + ["--json", "--sample-every", "5000"])
    }

    /// Processes with faults, page tables and TLBs (the process-phase runner).
    func testProcessInterleavedSharedBufferJSON() throws {
        let out = try twice(stress("process-interleaved-shared-buffer") + ["--json"])
        XCTAssertTrue(out.contains("\"address_spaces\""))
    }

    /// `--timing` adds the host figures, labelled as host time, and only them: the rest of the
    /// report is the same bytes as without it.
    func testTimingAddsOnlyLabelledHostTime() throws {
        let base = stress("interleave-and-bind")
        let plain = String(decoding: try NumasimBinary.runCombined(base), as: UTF8.self)
        let timed = String(decoding: try NumasimBinary.runCombined(base + ["--timing"]), as: UTF8.self)
        let p = plain.split(separator: "\n", omittingEmptySubsequences: false)
        let t = timed.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(t.count, p.count + 1, "one more line: the host throughput")
        let header = try XCTUnwrap(t.first)
        XCTAssertTrue(header.hasPrefix(p[0] + " (host time: "), String(header))
        XCTAssertTrue(header.hasSuffix(" ops/s on this host)"), String(header))
        let hostLine = try XCTUnwrap(t.first { $0.hasPrefix("Throughput (host time, --timing): ") })
        XCTAssertEqual(t.filter { $0 != header && $0 != hostLine }, Array(p.dropFirst()))

        let json = try NumasimBinary.run(base + ["--json", "--timing"])
        XCTAssertEqual(json.status, 0, json.err)
        let j = try NumasimBinary.json(json.out)
        XCTAssertGreaterThan(j["seconds"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(j["ops_per_second"] as? Double ?? 0, 0)
        let tp = try XCTUnwrap(j["throughput"] as? [String: Double])
        XCTAssertEqual(Set(tp.keys), ["ops_per_second", "allocations_per_second", "pages_per_second"])
        XCTAssertEqual(StressJSONSchemaTests.validate(j, try StressJSONSchemaTests.schema), [])
    }

    /// The help says what is promised, and what is not.
    func testHelpStatesTheGuarantee() throws {
        let r = try NumasimBinary.run(["stress", "--help"])
        XCTAssertEqual(r.status, 0, r.err)
        let help = r.out.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression)
        XCTAssertTrue(help.contains("give byte-identical output"), help)
        XCTAssertTrue(help.contains("only with --timing"), help)
        XCTAssertTrue(help.contains("not reproducible"), "the concurrent engine is not promised: \(help)")
    }
}
