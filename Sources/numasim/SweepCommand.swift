import NumaEngine
import ArgumentParser
import Foundation
import NumaWorkload

/// `numasim sweep`: a parameter grid as independent `numasim stress` runs in child processes,
/// collected into one table — or written out as jobs for GNU parallel or a Slurm array.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a grid of stress runs in parallel processes and collect their results into one table.",
        discussion: """
            Each --param NAME=V1,V2,... adds a dimension; every combination is one `numasim stress \
            --json` run in its own process (--jobs at a time). NAME is topology, workload, threads \
            (a number of host threads, or det for the deterministic engine), seed, or a sysctl as \
            --sysctl takes it (vm.watermark_scale_factor, vm.zone_reclaim_mode, vm.min_free_kbytes, \
            vm.lowmem_reserve_ratio with its ratios separated by spaces, …). Points are numbered with \
            the last --param varying fastest.

            The table has one row per point: ops/s, numa_hit and numa_miss over all nodes, the local \
            share (local_node / (local_node + other_node)), kswapd wake-ups, pgscan and pgsteal \
            (kswapd + direct), allocstall, allocation failures and the invariant check. A run that \
            fails is listed with the first line of its error, and sweep then exits non-zero.

            Beyond one machine: --emit-jobs FILE writes one shell command per point (for \
            `parallel < FILE`), or with --format slurm an array script; each job writes \
            DIR/<index>.json (--out DIR, default sweep-results, where grid.json describes the grid), \
            and --collect DIR builds the same table from them. File paths are written as given, so \
            run the jobs from the directory they are relative to.

            Example (3 × 2 runs):
              numasim sweep -t topologies/nehalem-2s-qemu.yaml
                -w workloads/first-touch-overflow.yaml
                --param vm.watermark_scale_factor=10,100,1000
                --param vm.zone_reclaim_mode=0,1
            """
    )

    @Option(name: [.customShort("t"), .long], help: "Topology file for every point (unless --param topology=...).")
    var topology: String?

    @Option(name: [.customShort("w"), .long], help: "Workload file for every point (unless --param workload=...).")
    var workload: String?

    @Option(help: "Seed for every point (unless --param seed=...).")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Host threads for every point (concurrent engine); default: the deterministic engine.", valueName: "N"))
    var threads: Int?

    @Option(name: .customLong("sysctl"), help: ArgumentHelp("A sysctl for every point (repeatable).", valueName: "vm.NAME=VALUE"))
    var sysctls: [String] = []

    @Option(name: .customLong("param"), help: ArgumentHelp("A grid dimension (repeatable).", valueName: "NAME=V1,V2,..."))
    var params: [String] = []

    @Option(help: ArgumentHelp("Runs at a time (default: the number of cores).", valueName: "N"))
    var jobs: Int?

    @Flag(help: "Print the whole collection as JSON (schema numasim.sweep/1, each run's JSON under result).")
    var json = false

    @Flag(help: "Print the table as CSV.")
    var csv = false

    @Option(help: ArgumentHelp("Write the grid as a job list instead of running it.", valueName: "FILE"))
    var emitJobs: String?

    @Option(help: ArgumentHelp("Job list format: parallel (one command per line) or slurm (an array script).", valueName: "FORMAT"))
    var format: String = "parallel"

    @Option(help: ArgumentHelp("Where jobs write DIR/<index>.json (with --emit-jobs; default sweep-results). When running, also keep each run's JSON there.", valueName: "DIR"))
    var out: String?

    @Option(help: ArgumentHelp("The numasim executable the runs (or job lines) call (default: this one).", valueName: "PATH"))
    var binary: String?

    @Option(help: ArgumentHelp("Build the table from a directory of results (DIR/<index>.json, labelled by DIR/grid.json).", valueName: "DIR"))
    var collect: String?

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv: choose one") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs: expected 1 or more, got \(jobs)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads: expected 1…256, got \(threads)") }
        if SweepJobs.Format(rawValue: format) == nil {
            throw ValidationError("--format: expected parallel or slurm, got '\(format)'")
        }
        if format != "parallel" && emitJobs == nil { throw ValidationError("--format applies to --emit-jobs") }
        if collect != nil && (emitJobs != nil || !params.isEmpty || topology != nil || workload != nil) {
            throw ValidationError("--collect DIR reads results only; it takes no grid (-t, -w, --param) and no --emit-jobs")
        }
    }

    func run() throws {
        if let collect { return try finish(try SweepCollector.collect(directory: collect)) }
        let grid: SweepGrid
        do {
            grid = try SweepGrid(base: .init(topology: topology, workload: workload, seed: seed, threads: threads, sysctls: sysctls),
                                 specs: params)
            try grid.validate()
        } catch let e as SweepError {
            throw ValidationError(e.description)
        }
        let me = binary ?? Self.executablePath()
        if let emitJobs {
            let dir = out ?? "sweep-results"
            try writeManifest(grid, directory: dir)
            let text = SweepJobs.render(grid, format: SweepJobs.Format(rawValue: format)!, binary: me, outputDirectory: dir)
            do { try text.write(toFile: emitJobs, atomically: true, encoding: .utf8) } catch {
                throw ValidationError("--emit-jobs \(emitJobs): cannot write the file (\(error.localizedDescription))")
            }
            if format == "slurm" { chmod(emitJobs, 0o755) }
            FileHandle.standardError.write(Data("""
                numasim sweep: \(grid.count) jobs written to \(emitJobs); results go to \(dir)/<index>.json
                  run them from this directory: \(format == "slurm" ? "sbatch" : "parallel <") \(SweepJobs.shellQuote(emitJobs))
                  then: numasim sweep --collect \(SweepJobs.shellQuote(dir))

                """.utf8))
            return
        }
        if let out { try writeManifest(grid, directory: out) }
        let runner = SweepRunner(executable: me, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                                 keepDirectory: out, progress: !quiet && isatty(STDERR_FILENO) != 0)
        let rows = try runner.run(grid)
        try finish((grid.parameters.map(\.name), rows))
    }

    func writeManifest(_ grid: SweepGrid, directory dir: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let data = try JSONSerialization.data(withJSONObject: SweepJobs.manifest(grid),
                                                  options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try data.write(to: URL(fileURLWithPath: dir).appendingPathComponent(SweepJobs.manifestName))
        } catch {
            throw ValidationError("--out \(dir): cannot write \(SweepJobs.manifestName) there (\(error.localizedDescription))")
        }
    }

    func finish(_ collected: (parameters: [String], rows: [SweepRow])) throws {
        let (parameters, rows) = collected
        if json {
            emit(String(decoding: try SweepTable.json(parameters: parameters, rows: rows), as: UTF8.self) + "\n")
        } else if csv {
            emit(SweepTable.csv(parameters: parameters, rows: rows))
        } else {
            emit(SweepTable.text(parameters: parameters, rows: rows))
        }
        let failed = rows.filter(\.failed).count
        if failed > 0 {
            FileHandle.standardError.write(Data("numasim sweep: \(failed) of \(rows.count) runs failed\n".utf8))
            throw ExitCode(1)
        }
    }

    /// This executable, for the child runs: /proc/self/exe on Linux, else argv[0] made absolute.
    static func executablePath() -> String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return target }
        if let path = Bundle.main.executablePath { return path }
        let arg0 = CommandLine.arguments[0]
        return arg0.hasPrefix("/") ? arg0 : FileManager.default.currentDirectoryPath + "/" + arg0
    }
}

/// Runs grid points as child processes, `jobs` at a time, and keeps every result.
struct SweepRunner {
    var executable: String
    var jobs: Int
    var keepDirectory: String?
    var progress: Bool

    func run(_ grid: SweepGrid) throws -> [SweepRow] {
        let points = grid.points
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("numasim-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let state = SweepState(count: points.count)
        // One thread per job slot (concurrentPerform would cap the slots at the core count;
        // the children, not these threads, do the work).
        let finished = DispatchSemaphore(value: 0)
        let workers = min(jobs, points.count)
        let runner = self
        for _ in 0..<workers {
            Thread {
                while let i = state.next() { state.finish(runner.runOne(points[i], scratch: scratch), progress: runner.progress) }
                finished.signal()
            }.start()
        }
        for _ in 0..<workers { finished.wait() }
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return state.rows.compactMap { $0 }
    }

    func runOne(_ point: SweepPoint, scratch: URL) -> SweepRow {
        let values = point.values.map(\.1)
        let dir = keepDirectory.map { URL(fileURLWithPath: $0) } ?? scratch
        let outURL = dir.appendingPathComponent("\(point.index).json")
        let errURL = dir.appendingPathComponent("\(point.index).err")
        // Files rather than pipes: a child's JSON can exceed a pipe buffer, and files need no
        // reader thread per child.
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil),
              let outHandle = try? FileHandle(forWritingTo: outURL), let errHandle = try? FileHandle(forWritingTo: errURL) else {
            return SweepRow(index: point.index, values: values, error: "cannot create \(outURL.path)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = point.stressArguments
        p.standardOutput = outHandle
        p.standardError = errHandle
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            return SweepRow(index: point.index, values: values, error: "cannot start \(executable): \(error.localizedDescription)")
        }
        p.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return SweepCollector.row(index: point.index, values: values, exitStatus: status,
                                  output: (try? Data(contentsOf: outURL)) ?? Data(),
                                  errorText: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}

/// The work queue and results shared by the runner's workers.
final class SweepState: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var done = 0
    private(set) var rows: [SweepRow?]
    let count: Int
    init(count: Int) { self.count = count; rows = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func finish(_ row: SweepRow, progress: Bool) {
        lock.lock(); defer { lock.unlock() }
        rows[row.index] = row
        done += 1
        if progress { FileHandle.standardError.write(Data("\r\(done)/\(count) runs done   ".utf8)) }
    }
}

/// Turns run outputs into rows, from a finished child or from a result directory.
enum SweepCollector {
    static func row(index: Int, values: [String], exitStatus: Int32?, output: Data, errorText: String) -> SweepRow {
        let firstErrorLine = errorText.split(whereSeparator: \.isNewline).first.map(String.init)
        var row = SweepRow(index: index, values: values, exitStatus: exitStatus, result: output.isEmpty ? nil : output)
        do {
            row.summary = try SweepRow.summary(fromStressJSON: output)
            if let exitStatus, exitStatus != 0, row.summary?.invariantsOK != false { row.error = firstErrorLine }
        } catch {
            row.error = firstErrorLine ?? "\(error)"
            row.result = nil
        }
        return row
    }

    /// Reads DIR/grid.json (if present) and DIR/<index>.json. With the grid, every point gets
    /// a row (a missing result is a failure); without it, one row per result file, labelled by
    /// what the results themselves say.
    static func collect(directory dir: String) throws -> (parameters: [String], rows: [SweepRow]) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("--collect \(dir): not a directory")
        }
        let base = URL(fileURLWithPath: dir)
        func read(_ name: String) -> Data? { try? Data(contentsOf: base.appendingPathComponent(name)) }
        func errorText(_ i: Int) -> String { read("\(i).err").map { String(decoding: $0, as: UTF8.self) } ?? "" }
        if let data = read(SweepJobs.manifestName) {
            guard let m = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let names = m["parameters"] as? [String], let points = m["points"] as? [[String: Any]] else {
                throw ValidationError("--collect \(dir): \(SweepJobs.manifestName) is not a sweep grid (schema numasim.sweep-grid/1)")
            }
            let rows = points.enumerated().map { k, p -> SweepRow in
                let i = (p["index"] as? Int) ?? k
                let values = (p["values"] as? [String]) ?? []
                guard let output = read("\(i).json"), !output.isEmpty else {
                    let err = errorText(i).split(whereSeparator: \.isNewline).first.map(String.init)
                    return SweepRow(index: i, values: values, error: err ?? "no result (\(dir)/\(i).json missing or empty)")
                }
                return row(index: i, values: values, exitStatus: nil, output: output, errorText: errorText(i))
            }
            return (names, rows)
        }
        let files = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).compactMap { name -> Int? in
            name.hasSuffix(".json") ? Int(name.dropLast(5)) : nil
        }.sorted()
        guard !files.isEmpty else { throw ValidationError("--collect \(dir): no <index>.json results and no \(SweepJobs.manifestName)") }
        let rows = files.map { i -> SweepRow in
            var r = row(index: i, values: [], exitStatus: nil, output: read("\(i).json") ?? Data(), errorText: errorText(i))
            let s = r.summary
            r.values = [s?.topology ?? "?", s?.engine ?? "?", s.map { String($0.threads) } ?? "?", s.map { String($0.seed) } ?? "?"]
            return r
        }
        return (["topology", "engine", "threads", "seed"], rows)
    }
}
