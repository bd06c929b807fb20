import Foundation
import XCTest
import NumaTestSupport
import NumaCore
import NumaEngine
import NumaExperiments
import NumaTopology
import NumaWorkload

/// The sweep runner over a real grid (child `numasim stress` processes) against direct runs of
/// the deterministic engine, result directories, job lists, and the grid's errors.
final class SweepRunnerTests: XCTestCase {
    /// The repository root (shipped topologies and workloads).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let topology = root.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path
    static let workload = root.appendingPathComponent("workloads/interleave-and-bind.yaml").path

    /// The `numasim` built next to this test bundle (`swift build` builds it).
    static var numasim: String {
        let dir = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent()
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return dir.appendingPathComponent("numasim").path
    }

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("numasim-experiments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }

    /// What the deterministic engine gives in this process for one point.
    func direct(_ point: SweepPoint) throws -> [NumaEvents] {
        var t = try TopologyFile.load(path: point.topology)
        for s in point.sysctls { try t.sysctl.apply(assignment: s, arch: t.arch) }
        let m = try BootedMachine(topology: t)
        let w = try Workload.load(path: point.workload, topology: t)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: point.seed)
        return r.allocator.nodeIDs.map { r.allocator.numastat(node: $0) }
    }

    func testTwoPointGridGivesTheSamePlacementAsDirectRuns() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.numasim) else {
            return XCTFail("numasim is not built at \(Self.numasim); run `swift build` before `swift test`")
        }
        let grid = try SweepGrid(base: .init(topology: Self.topology, workload: Self.workload),
                                 specs: ["vm.watermark_scale_factor=10,1000"])
        try grid.validate()
        XCTAssertEqual(grid.count, 2)
        let keep = try scratch()
        let done = Counter()
        let rows = try SweepRunner(executable: Self.numasim, jobs: 2, keepDirectory: keep,
                                   progress: { d, total in done.record(d, total) }).run(grid)
        XCTAssertEqual(done.calls, [1, 2].map { [$0, 2] }, "one progress call per finished run")
        XCTAssertEqual(rows.map(\.index), [0, 1])
        XCTAssertEqual(rows.map(\.values), [["10"], ["1000"]])
        for (row, point) in zip(rows, grid.points) {
            XCTAssertFalse(row.failed, "\(row.error ?? "")")
            XCTAssertEqual(row.exitStatus, 0)
            let s = try XCTUnwrap(row.summary)
            XCTAssertEqual(s.engine, "deterministic")
            XCTAssertEqual(s.topology, "nehalem-2s-qemu")
            XCTAssertTrue(s.invariantsOK)
            let stats = try direct(point)
            XCTAssertEqual(s.numaHit, stats.reduce(0) { $0 + $1.numaHit }, "point \(point.index)")
            XCTAssertEqual(s.numaMiss, stats.reduce(0) { $0 + $1.numaMiss }, "point \(point.index)")
            XCTAssertEqual(s.localNode, stats.reduce(0) { $0 + $1.localNode }, "point \(point.index)")
            XCTAssertEqual(s.otherNode, stats.reduce(0) { $0 + $1.otherNode }, "point \(point.index)")
            XCTAssertGreaterThan(s.numaHit, 0)
        }

        // The kept directory collects to the same rows (with the grid's labels).
        let collected = try SweepCollector.collect(directory: keep)
        XCTAssertEqual(collected.parameters, ["vm.watermark_scale_factor"])
        XCTAssertEqual(collected.rows.map(\.values), rows.map(\.values))
        XCTAssertEqual(collected.rows.map(\.summary), rows.map(\.summary))
        // The header names the parameter, then the columns (widths follow the values, so only
        // the words are compared): simulated time first, host ops/s only with `timing`.
        let header = SweepTable.text(parameters: collected.parameters, rows: collected.rows).split(separator: "\n").first ?? ""
        XCTAssertEqual(header.split(separator: " ").prefix(5), ["#", "vm.watermark_scale_factor", "sim", "ms", "numa_hit"])
        XCTAssertFalse(header.contains("host"))
        let timed = SweepTable.text(parameters: collected.parameters, rows: collected.rows, timing: true).split(separator: "\n")
        XCTAssertEqual(timed[0].split(separator: " ").prefix(7), ["#", "vm.watermark_scale_factor", "sim", "ms", "host", "ops/s", "numa_hit"])
        // The runs were made without --timing: their host column is empty ("-"), their simulated time is not.
        for (row, r) in zip(timed.dropFirst(), collected.rows) {
            let cells = row.split(separator: " ")
            XCTAssertEqual(cells[3], "-", String(row))
            XCTAssertEqual(try XCTUnwrap(Double(cells[2])), Double(try XCTUnwrap(r.summary).simulatedNs) / 1e6, accuracy: 0.001)
            XCTAssertGreaterThan(try XCTUnwrap(r.summary).simulatedNs, 0)
        }
    }

    /// A child that cannot start is a failed row naming the executable, not an error of the sweep.
    func testMissingExecutableIsAFailedRow() throws {
        let grid = try SweepGrid(base: .init(topology: Self.topology, workload: Self.workload), specs: ["seed=1,2"])
        let rows = try SweepRunner(executable: "/nonexistent/numasim", jobs: 4).run(grid)
        XCTAssertEqual(rows.count, 2)
        for r in rows {
            XCTAssertTrue(r.failed)
            XCTAssertTrue(r.error?.hasPrefix("cannot start /nonexistent/numasim") == true, "\(r.error ?? "nil")")
        }
    }

    func testBadGridParametersAreNamed() throws {
        let base = SweepGrid.Base(topology: Self.topology, workload: Self.workload)
        for (spec, message) in [
            ("watermark_scale_factor", "--param 'watermark_scale_factor': expected NAME=V1,V2,... (e.g. vm.watermark_scale_factor=10,100)"),
            ("=1,2", "--param '=1,2': the parameter name is empty"),
            ("vm.zone_reclaim_mode=", "--param vm.zone_reclaim_mode: empty value list; expected vm.zone_reclaim_mode=V1,V2,..."),
            ("seed=1,,2", "--param seed: an empty value in '1,,2' (two commas, or a comma at an end)"),
            ("seed=1,1", "--param seed: a value is listed twice in '1,1'"),
            ("seed=x", "--param seed: value 'x': expected a seed (an unsigned integer)"),
            ("threads=0", "--param threads: value '0': expected host threads 1…256, or 'det' for the deterministic engine"),
        ] {
            XCTAssertThrowsError(try SweepGrid(base: base, specs: [spec]), spec) { e in
                XCTAssertEqual((e as? SweepError)?.description, message)
            }
        }
        XCTAssertThrowsError(try SweepGrid(base: base, specs: ["seed=1", "seed=2"])) { e in
            XCTAssertEqual("\(e)", "--param seed: given twice (also as seed); list all its values in one --param")
        }
        // What only the files can tell: validate().
        func validationError(_ base: SweepGrid.Base, _ specs: [String]) -> String? {
            do { try SweepGrid(base: base, specs: specs).validate(); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(validationError(base, ["vm.nope=1"]), "--param vm.nope: unknown sysctl; expected one of min_free_kbytes, watermark_scale_factor, watermark_boost_factor, lowmem_reserve_ratio, percpu_pagelist_high_fraction, zone_reclaim_mode, transparent_hugepage, transparent_hugepage_defrag, min_unmapped_ratio, min_slab_ratio, swappiness, nr_hugepages, extfrag_threshold, compaction_proactiveness, demotion_enabled, numa_balancing, numa_balancing_promote_rate_limit_MBps, numa_balancing_scan_delay_ms, numa_balancing_scan_period_min_ms, numa_balancing_scan_period_max_ms, numa_balancing_scan_size_mb, numa_balancing_hot_threshold_ms")
        XCTAssertEqual(validationError(base, ["vm.watermark_scale_factor=10,0"])?.hasPrefix("--param vm.watermark_scale_factor: value '0' (topology \(Self.topology)): "), true)
        XCTAssertEqual(validationError(.init(topology: Self.topology), ["seed=1,2"]), "no workload: give -w FILE or --param workload=FILE1,FILE2")
        XCTAssertEqual(validationError(.init(workload: Self.workload), []), "no topology: give -t FILE or --param topology=FILE1,FILE2")
        XCTAssertEqual(validationError(base, ["topology=/nonexistent/x.yaml"])?.hasPrefix("topology: /nonexistent/x.yaml: "), true)
        XCTAssertNil(validationError(base, ["vm.lowmem_reserve_ratio=256 256 32 0 0,32 32 32 0 0", "threads=det,2"]))
    }

    func testJobListsAndManifestDescribeEveryPoint() throws {
        let dir = try scratch()
        let grid = try SweepGrid(base: .init(topology: "t y.yaml", workload: "w.yaml", sysctls: ["vm.min_free_kbytes=2048"]),
                                 specs: ["seed=1,2", "threads=det,2"])
        XCTAssertEqual(grid.points.map { $0.values.map(\.1) }, [["1", "det"], ["1", "2"], ["2", "det"], ["2", "2"]])
        XCTAssertEqual(grid.point(3).stressArguments, ["stress", "-t", "t y.yaml", "-w", "w.yaml", "--seed", "2", "--threads", "2",
                                                       "--sysctl", "vm.min_free_kbytes=2048", "--json", "--quiet"])
        // `sweep --timing`: every run reports host time too.
        let timed = try SweepGrid(base: .init(topology: "t.yaml", workload: "w.yaml", timing: true), specs: ["seed=1,2"])
        XCTAssertEqual(timed.point(1).stressArguments, ["stress", "-t", "t.yaml", "-w", "w.yaml", "--seed", "2", "--timing", "--json", "--quiet"])
        let jobs = dir + "/jobs.sh", out = dir + "/out"
        try SweepJobs.write(grid, format: .slurm, binary: "/bin/numasim", outputDirectory: out, to: jobs)
        let script = try String(contentsOfFile: jobs, encoding: .utf8)
        XCTAssertTrue(script.contains("#SBATCH --array=0-3\n"), script)
        XCTAssertTrue(script.contains("/bin/numasim stress -t 't y.yaml' -w w.yaml --seed 1 --sysctl vm.min_free_kbytes=2048 --json --quiet > \(out)/0.json 2> \(out)/0.err\n"), script)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: jobs))
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/grid.json"))) as? [String: Any])
        XCTAssertEqual(manifest["parameters"] as? [String], ["seed", "threads"])
        XCTAssertEqual((manifest["points"] as? [[String: Any]])?.count, 4)
        // Nothing ran: collecting names every point as missing.
        let c = try SweepCollector.collect(directory: out)
        XCTAssertEqual(c.rows.map(\.error), (0..<4).map { "no result (\(out)/\($0).json missing or empty)" })
        XCTAssertThrowsError(try SweepCollector.collect(directory: dir + "/nothing")) { e in
            XCTAssertEqual("\(e)", "--collect \(dir)/nothing: not a directory")
        }
        XCTAssertThrowsError(try SweepJobs.write(grid, format: .parallel, binary: "b", outputDirectory: out, to: dir + "/no/such/dir/jobs")) { e in
            XCTAssertTrue("\(e)".hasPrefix("--emit-jobs \(dir)/no/such/dir/jobs: cannot write the file"), "\(e)")
        }
    }

    /// A run that stopped early (out of memory with nothing to kill: JSON with `stop_reason`,
    /// exit 4, nothing on stderr) is a failed row whose error is the reason, with its figures kept.
    func testStoppedRunIsAFailedRowWithItsReason() throws {
        let json = Data(#"{"schema": "numasim.stress/3", "ops": 10, "simulated_time_ns": 5000, "invariants": {"ok": true}, "stop_reason": "Out of memory and no killable processes... (x)"}"#.utf8)
        for status: Int32? in [4, nil] {
            let row = SweepCollector.row(index: 0, values: ["1"], exitStatus: status, output: json, errorText: "")
            XCTAssertTrue(row.failed)
            XCTAssertEqual(row.error, "stopped: Out of memory and no killable processes... (x)")
            XCTAssertEqual(row.summary?.simulatedNs, 5000)
        }
        let text = SweepTable.text(parameters: ["seed"], rows: [SweepCollector.row(index: 0, values: ["1"], exitStatus: 4, output: json, errorText: "")])
        XCTAssertTrue(text.hasSuffix("run 0: exit 4: stopped: Out of memory and no killable processes... (x)\n"), text)
        let ok = SweepCollector.row(index: 0, values: ["1"], exitStatus: 0, output: Data(#"{"schema": "numasim.stress/3", "invariants": {"ok": true}}"#.utf8), errorText: "")
        XCTAssertFalse(ok.failed)
        XCTAssertNil(ok.summary?.stopReason)
    }
}

/// Progress calls, recorded from the runner's worker threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [[Int]] = []
    func record(_ done: Int, _ total: Int) { lock.lock(); recorded.append([done, total]); lock.unlock() }
    var calls: [[Int]] { lock.lock(); defer { lock.unlock() }; return recorded }
}
