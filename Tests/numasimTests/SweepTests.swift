import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// `numasim sweep` through the built binary: grid order, job lists (quoting, Slurm), real
/// parallel runs whose results move the way the kernel's formulas say, collection from a
/// directory, and errors.
final class SweepTests: XCTestCase {
    var binary: URL {
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("numasim")
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("numasim")
    }

    func run(_ executable: String, _ args: [String], environment: [String: String]? = nil) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read stderr on another thread so neither pipe can fill up and stall the child.
        let e = DataBox()
        let group = DispatchGroup()
        let reader = err.fileHandleForReading
        DispatchQueue.global().async(group: group) { e.data = reader.readDataToEndOfFile() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e.data, as: UTF8.self))
    }

    func numasim(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            XCTFail("numasim is not built at \(binary.path); run `swift build` before `swift test`")
            return (-1, "", "")
        }
        return try run(binary.path, args)
    }

    /// A scratch directory whose name needs quoting in a shell (a space and a quote).
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("numasim sweep's \(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Two 256 MiB nodes; the workload fills node 0 with page cache and overflows by a third.
    func smallMachine(in dir: URL) throws -> (topology: String, workload: String) {
        let t = try write("""
            name: sweep-test
            nodes:
              - {id: 0, cpus: "0", memory: 256MiB}
              - {id: 1, cpus: "1", memory: 256MiB}
            distances: [[10, 20], [20, 10]]
            """, "topo.yaml", in: dir)
        let w = try write("""
            threads:
              - cpus: 0
                gfp: GFP_HIGHUSER_MOVABLE
                kind: file
                allocate: 340MiB
                free: never
            """, "fill.yaml", in: dir)
        return (t, w)
    }

    /// POSIX shell words: bare words, '…' and \x — enough for what sweep writes, written here
    /// independently of sweep's quoting (and checked against /bin/sh below).
    func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var current = "", inWord = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            switch c {
            case "'":
                inWord = true
                while let q = chars.popFirst(), q != "'" { current.append(q) }
            case "\\":
                inWord = true
                if let next = chars.popFirst() { current.append(next) }
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            default:
                current.append(c); inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    // MARK: - Grid and job lists

    func testGridIsCartesianProductLastParameterFastestAndJobLinesParseBack() throws {
        let dir = try scratch()
        let (topo, work) = try smallMachine(in: dir)
        let out = dir.appendingPathComponent("results dir").path
        let jobs = dir.appendingPathComponent("jobs.txt").path
        let r = try numasim(["sweep", "-t", topo, "-w", work, "--sysctl", "vm.min_free_kbytes=2048",
                             "--param", "vm.watermark_scale_factor=10,200",
                             "--param", "seed=1,2,3",
                             "--param", "threads=det,2",
                             "--param", "vm.lowmem_reserve_ratio=256 256 32 0 0",
                             "--emit-jobs", jobs, "--out", out])
        XCTAssertEqual(r.status, 0, r.err)
        let lines = try String(contentsOfFile: jobs, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2 * 3 * 2 * 1)
        // The expected grid, as nested loops with the first --param outermost.
        var expected: [(wsf: String, seed: String, threads: String?)] = []
        for w in ["10", "200"] { for s in ["1", "2", "3"] { for t in [nil, "2"] as [String?] { expected.append((w, s, t)) } } }
        for (i, line) in lines.enumerated() {
            let words = shellWords(line)
            XCTAssertEqual(words[0], binary.path)
            var args = Array(words.dropFirst())
            // Redirections: JSON to OUT/i.json, errors to OUT/i.err.
            XCTAssertEqual(Array(args.suffix(4)), [">", out + "/\(i).json", "2>", out + "/\(i).err"], line)
            args.removeLast(4)
            var want = ["stress", "-t", topo, "-w", work, "--seed", expected[i].seed]
            if let t = expected[i].threads { want += ["--threads", t] }
            want += ["--sysctl", "vm.min_free_kbytes=2048", "--sysctl", "vm.watermark_scale_factor=\(expected[i].wsf)",
                     "--sysctl", "vm.lowmem_reserve_ratio=256 256 32 0 0", "--json", "--quiet"]
            XCTAssertEqual(args, want, "job \(i)")
        }
        // The shell splits a line the same way (paths with a space and a quote included).
        let argPart = String(lines[3][..<lines[3].range(of: " > ", options: .backwards)!.lowerBound])
        let sh = try run("/bin/sh", ["-c", "set -- \(argPart); printf '%s\\n' \"$@\""])
        XCTAssertEqual(sh.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init),
                       shellWords(argPart))
        // grid.json in the result directory names every point.
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/grid.json"))) as? [String: Any])
        XCTAssertEqual(manifest["parameters"] as? [String], ["vm.watermark_scale_factor", "seed", "threads", "vm.lowmem_reserve_ratio"])
        let points = try XCTUnwrap(manifest["points"] as? [[String: Any]])
        XCTAssertEqual(points.count, 12)
        XCTAssertEqual(points[5]["values"] as? [String], ["10", "3", "2", "256 256 32 0 0"])
        XCTAssertEqual(points[6]["values"] as? [String], ["200", "1", "det", "256 256 32 0 0"])
    }

    /// The real thing: a 2 × 2 grid run in parallel processes, then the same grid as a Slurm
    /// array run task by task with bash and collected — same numbers, same table.
    func testRealSweepMovesAsTheKernelSaysAndSlurmRouteCollectsTheSame() throws {
        let dir = try scratch()
        let (topo, work) = try smallMachine(in: dir)
        let keep = dir.appendingPathComponent("direct").path
        let grid = ["--param", "vm.watermark_scale_factor=10,1000", "--param", "vm.zone_reclaim_mode=0,1"]
        let r = try numasim(["sweep", "-t", topo, "-w", work] + grid + ["--jobs", "2", "--json", "--out", keep])
        XCTAssertEqual(r.status, 0, r.err)
        let doc = try json(r.out)
        XCTAssertEqual(doc["schema"] as? String, "numasim.sweep/1")
        let runs = try XCTUnwrap(doc["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 4)
        func summary(_ i: Int) throws -> [String: Any] { try XCTUnwrap(runs[i]["summary"] as? [String: Any]) }
        func int(_ i: Int, _ key: String) throws -> Int { try XCTUnwrap(try summary(i)[key] as? Int, key) }
        XCTAssertEqual(runs.map { ($0["parameters"] as? [String: String])?["vm.watermark_scale_factor"] }, ["10", "10", "1000", "1000"])
        XCTAssertEqual(runs.map { ($0["parameters"] as? [String: String])?["vm.zone_reclaim_mode"] }, ["0", "1", "0", "1"])
        for (i, run) in runs.enumerated() {
            XCTAssertEqual(run["ok"] as? Bool, true, "run \(i)")
            XCTAssertEqual(try summary(i)["invariants_ok"] as? Bool, true)
            // Each run's own stress JSON is kept whole.
            XCTAssertEqual((run["result"] as? [String: Any])?["schema"] as? String, "numasim.stress/3")
        }

        // zone_reclaim_mode 0: node 0 serves until each of its zones is at its low watermark
        // (DMA: low + protection), the rest falls back to node 1. Raising the scale factor
        // raises low by max(min/4, managed × factor / 10000) per zone, so numa_miss grows by
        // the sum of the zones' rise in low (up to pcp batch rounding).
        func node0(_ factor: Int) throws -> [BootZone] {
            var t = try TopologyFile.load(path: topo)
            try t.sysctl.apply(assignment: "vm.watermark_scale_factor=\(factor)", arch: t.arch)
            return try BootedMachine(topology: t).zones[0]!.filter(\.isPopulated)
        }
        let (z10, z1000) = (try node0(10), try node0(1000))
        for (a, b) in zip(z10, z1000) {
            // The formula, checked on the booted numbers: tmp = max(min >> 2, managed × wsf / 10000).
            XCTAssertEqual(a.watermark.low - a.watermark.min, max(a.watermark.min >> 2, a.managed * 10 / 10000))
            XCTAssertEqual(b.watermark.low - b.watermark.min, max(b.watermark.min >> 2, b.managed * 1000 / 10000))
        }
        let lowRise = zip(z10, z1000).reduce(0) { $0 + $1.1.watermark.low - $1.0.watermark.low }
        XCTAssertGreaterThan(lowRise, 2000)
        let missRise = try int(2, "numa_miss") - int(0, "numa_miss")
        let slack = 2 * z10.reduce(0) { $0 + $1.pcpBatch }
        XCTAssertLessThanOrEqual(abs(missRise - lowRise), slack, "numa_miss rose by \(missRise), low by \(lowRise)")
        // Without node reclaim nothing scans and kswapd stays asleep: node 1 never reaches low.
        for i in [0, 2] {
            XCTAssertEqual(try int(i, "pgscan"), 0)
            XCTAssertEqual(try int(i, "kswapd_wakeups"), 0)
        }
        // zone_reclaim_mode 1: node 0 reclaims its own clean page cache before going remote.
        for (zrm0, zrm1) in [(0, 1), (2, 3)] {
            XCTAssertLessThan(try int(zrm1, "numa_miss"), try int(zrm0, "numa_miss"))
            XCTAssertGreaterThan(try XCTUnwrap(try summary(zrm1)["local_share"] as? Double),
                                 try XCTUnwrap(try summary(zrm0)["local_share"] as? Double))
            XCTAssertGreaterThan(try int(zrm1, "pgscan"), 0)
        }

        // The same grid as a Slurm array, each task run by bash as Slurm would, then collected.
        let results = dir.appendingPathComponent("slurm out").path
        let script = dir.appendingPathComponent("sweep.sbatch").path
        let e = try numasim(["sweep", "-t", topo, "-w", work] + grid + ["--emit-jobs", script, "--format", "slurm", "--out", results])
        XCTAssertEqual(e.status, 0, e.err)
        let text = try String(contentsOfFile: script, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("#!/bin/bash\n"))
        XCTAssertTrue(text.contains("\n#SBATCH --array=0-3\n"), text)
        for task in 0..<4 {
            let b = try run("/bin/bash", [script], environment: ["SLURM_ARRAY_TASK_ID": String(task)])
            XCTAssertEqual(b.status, 0, "task \(task): \(b.err)")
        }
        let c = try numasim(["sweep", "--collect", results, "--json"])
        XCTAssertEqual(c.status, 0, c.err)
        let collected = try XCTUnwrap(try json(c.out)["runs"] as? [[String: Any]])
        XCTAssertEqual(collected.count, 4)
        for i in 0..<4 {
            XCTAssertEqual(collected[i]["parameters"] as? [String: String], runs[i]["parameters"] as? [String: String])
            let s = try XCTUnwrap(collected[i]["summary"] as? [String: Any])
            for key in ["numa_hit", "numa_miss", "local_node", "other_node", "pgscan", "pgsteal", "allocstall", "kswapd_wakeups"] {
                XCTAssertEqual(s[key] as? Int, try int(i, key), "run \(i) \(key): the deterministic engine repeats itself")
            }
        }

        // The direct run kept its results too: the table and CSV come from them.
        let table = try numasim(["sweep", "--collect", keep])
        XCTAssertEqual(table.status, 0, table.err)
        let rows = table.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.count, 5, table.out)
        XCTAssertEqual(Array(rows[0].split(separator: " ").prefix(5)), ["#", "vm.watermark_scale_factor", "vm.zone_reclaim_mode", "sim", "ms"], rows[0])
        XCTAssertTrue(rows[3].hasPrefix("2  1000 "), rows[3])
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0.hasSuffix(" ok") })
        let csv = try numasim(["sweep", "--collect", keep, "--csv"])
        let csvRows = csv.out.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(csvRows.count, 5)
        let header = csvRows[0]
        let miss = try XCTUnwrap(header.firstIndex(of: "numa_miss"))
        XCTAssertEqual(Int(csvRows[3][miss]), try int(2, "numa_miss"))
        XCTAssertEqual(csvRows[2][try XCTUnwrap(header.firstIndex(of: "vm.zone_reclaim_mode"))], "1")
    }

    // MARK: - Failures

    /// A child that fails is a row with its error's first line; the others are kept; exit ≠ 0.
    func testFailedRunIsReportedAndNothingIsLost() throws {
        let dir = try scratch()
        let (topo, _) = try smallMachine(in: dir)
        let work = try write("threads:\n  - {cpus: 0, gfp: GFP_KERNEL, allocate: 2000, free: never}\n", "tiny.yaml", in: dir)
        let wrapper = try write("""
            #!/bin/sh
            case " $* " in
              *" --seed 2 "*) echo "simulated crash on seed 2" >&2; echo "second line" >&2; exit 7 ;;
            esac
            exec '\(binary.path)' "$@"

            """, "wrapper.sh", in: dir)
        chmod(wrapper, 0o755)
        let r = try numasim(["sweep", "-t", topo, "-w", work, "--param", "seed=1,2,3", "--binary", wrapper, "--json"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("1 of 3 runs failed"), r.err)
        let runs = try XCTUnwrap(try json(r.out)["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["ok"] as? Bool }, [true, false, true])
        XCTAssertEqual(runs[1]["exit_status"] as? Int, 7)
        XCTAssertEqual(runs[1]["error"] as? String, "simulated crash on seed 2")
        XCTAssertNil(runs[1]["summary"])
        for i in [0, 2] {
            XCTAssertEqual((runs[i]["summary"] as? [String: Any])?["numa_hit"] as? Int, 2000)
        }
        // The table says the same.
        let t = try numasim(["sweep", "-t", topo, "-w", work, "--param", "seed=1,2,3", "--binary", wrapper])
        XCTAssertNotEqual(t.status, 0)
        XCTAssertTrue(t.out.contains("run 1: exit 7: simulated crash on seed 2"), t.out)
    }

    /// A result directory with a missing result: that point fails with its .err's first line.
    /// Without grid.json, rows come from the result files themselves.
    func testCollectReportsMissingResultsAndWorksWithoutGrid() throws {
        let dir = try scratch()
        let (topo, _) = try smallMachine(in: dir)
        let work = try write("threads:\n  - {cpus: 0, gfp: GFP_KERNEL, allocate: 100, free: never}\n", "tiny.yaml", in: dir)
        let results = dir.appendingPathComponent("res").path
        let jobs = dir.appendingPathComponent("jobs").path
        XCTAssertEqual(try numasim(["sweep", "-t", topo, "-w", work, "--param", "seed=5,6", "--emit-jobs", jobs, "--out", results]).status, 0)
        let lines = try String(contentsOfFile: jobs, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(try run("/bin/sh", ["-c", lines[0]]).status, 0)
        try "slurmstepd: error: *** JOB 42 CANCELLED ***\nmore\n".write(toFile: results + "/1.err", atomically: true, encoding: .utf8)
        let c = try numasim(["sweep", "--collect", results])
        XCTAssertNotEqual(c.status, 0)
        XCTAssertTrue(c.out.contains("run 1: failed: slurmstepd: error: *** JOB 42 CANCELLED ***"), c.out)
        XCTAssertTrue(c.out.split(separator: "\n")[1].hasPrefix("0  5 "), c.out)
        try FileManager.default.removeItem(atPath: results + "/grid.json")
        let bare = try numasim(["sweep", "--collect", results, "--csv"])
        XCTAssertEqual(bare.status, 0, bare.err)
        let rows = bare.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.count, 2)
        XCTAssertTrue(rows[0].hasPrefix("index,topology,engine,threads,seed,"), rows[0])
        XCTAssertTrue(rows[1].hasPrefix("0,sweep-test,deterministic,1,5,"), rows[1])
    }

    func testBadParametersAreNamed() throws {
        let dir = try scratch()
        let (topo, work) = try smallMachine(in: dir)
        for (param, expect) in [
            ("vm.nope=1", ["--param vm.nope", "unknown sysctl"]),
            ("vm.watermark_scale_factor=10,abc", ["--param vm.watermark_scale_factor", "'abc'"]),
            ("vm.watermark_scale_factor=0", ["--param vm.watermark_scale_factor", "1...3000"]),
            ("vm.zone_reclaim_mode=", ["--param vm.zone_reclaim_mode", "empty value list"]),
            ("seed=1,,2", ["--param seed", "empty value"]),
            ("threads=0", ["--param threads", "1…256"]),
            ("vm.lowmem_reserve_ratio=256 32", ["--param vm.lowmem_reserve_ratio", "expected 5 ratios"]),
            ("watermark_scale_factor", ["--param 'watermark_scale_factor'", "NAME=V1,V2"]),
        ] {
            let r = try numasim(["sweep", "-t", topo, "-w", work, "--param", param])
            XCTAssertNotEqual(r.status, 0, param)
            for e in expect { XCTAssertTrue(r.err.contains(e), "\(param): \(r.err)") }
            XCTAssertFalse(r.err.contains("Fatal error"), r.err)
        }
        let twice = try numasim(["sweep", "-t", topo, "-w", work, "--param", "seed=1", "--param", "seed=2"])
        XCTAssertTrue(twice.err.contains("--param seed: given twice"), twice.err)
        let noWorkload = try numasim(["sweep", "-t", topo, "--param", "seed=1,2"])
        XCTAssertTrue(noWorkload.err.contains("no workload"), noWorkload.err)
        let missing = try numasim(["sweep", "-w", work, "--param", "topology=\(topo),/nonexistent/x.yaml"])
        XCTAssertTrue(missing.err.contains("/nonexistent/x.yaml"), missing.err)
    }
}

/// Written by one reader thread, read after it is done (DispatchGroup.wait orders the two).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
