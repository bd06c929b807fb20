import NumaEngine
import ArgumentParser
import Foundation
import NumaExperiments

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
            --sysctl takes it (vm.watermark_scale_factor, vm.zone_reclaim_mode, vm.min_free_kbytes, vm.swappiness, \
            vm.lowmem_reserve_ratio with its ratios separated by spaces, …). Points are numbered with \
            the last --param varying fastest. With --json each run's result (under result) carries its \
            provenance: command line, topology and workload hashes, sysctls in force (docs/json.md).

            The table has one row per point: simulated time (ms), numa_hit and numa_miss over all \
            nodes, the local share (local_node / (local_node + other_node)), kswapd wake-ups, pgscan \
            and pgsteal (kswapd + direct), allocstall, allocation failures and the invariant check; \
            with --timing also operations per host second (each run with `stress --timing`; host \
            time differs from run to run, everything else is deterministic without --threads). A \
            run that fails is listed with the first line of its error, and sweep then exits non-zero.

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

    @Option(name: [.customShort("t"), .long], help: "Topology file for every point (unless --param topology=...).",
            completion: .file(extensions: ["yaml", "yml"]))
    var topology: String?

    @Option(name: [.customShort("w"), .long], help: "Workload file for every point (unless --param workload=...).",
            completion: .file(extensions: ["yaml", "yml"]))
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

    @Flag(help: "Also report host wall-clock time: each run with `stress --timing`, and a host ops/s column (not deterministic).")
    var timing = false

    @Option(help: ArgumentHelp("Write the grid as a job list instead of running it.", valueName: "FILE"), completion: .file())
    var emitJobs: String?

    @Option(help: ArgumentHelp("Job list format: parallel (one command per line) or slurm (an array script).", valueName: "FORMAT"), completion: .list(["parallel", "slurm"]))
    var format: String = "parallel"

    @Option(help: ArgumentHelp("Where jobs write DIR/<index>.json (with --emit-jobs; default sweep-results). When running, also keep each run's JSON there.", valueName: "DIR"), completion: .directory)
    var out: String?

    @Option(help: ArgumentHelp("The numasim executable the runs (or job lines) call (default: this one).", valueName: "PATH"), completion: .file())
    var binary: String?

    @Option(help: ArgumentHelp("Build the table from a directory of results (DIR/<index>.json, labelled by DIR/grid.json).", valueName: "DIR"), completion: .directory)
    var collect: String?

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv: choose one") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs: expected 1 or more, got \(jobs)") }
        try HostThreads.check(threads)
        if SweepJobs.Format(rawValue: format) == nil {
            throw ValidationError("--format: expected parallel or slurm, got '\(format)'")
        }
        if format != "parallel" && emitJobs == nil { throw ValidationError("--format applies to --emit-jobs") }
        if collect != nil && (emitJobs != nil || !params.isEmpty || topology != nil || workload != nil) {
            throw ValidationError("--collect DIR reads results only; it takes no grid (-t, -w, --param) and no --emit-jobs")
        }
    }

    /// A malformed `--param` is a usage error (exit 64); what goes wrong after it — a file of
    /// the grid that does not load, a directory that cannot be written — exits 1.
    func run() throws {
        if let collect {
            do { return try finish(try SweepCollector.collect(directory: collect)) } catch let e as SweepError { throw RuntimeError(e.description) }
        }
        let grid: SweepGrid
        do {
            grid = try SweepGrid(base: .init(topology: topology, workload: workload, seed: seed, threads: threads, sysctls: sysctls,
                                             timing: timing),
                                 specs: params)
        } catch let e as SweepError { throw ValidationError(e.description) }
        do { try runSweep(grid) } catch let e as SweepError { throw RuntimeError(e.description) }
    }

    func runSweep(_ grid: SweepGrid) throws {
        try grid.validate()
        let me = binary ?? Self.executablePath()
        if let emitJobs {
            let dir = out ?? "sweep-results"
            try SweepJobs.write(grid, format: SweepJobs.Format(rawValue: format)!, binary: me, outputDirectory: dir, to: emitJobs)
            FileHandle.standardError.write(Data("""
                numasim sweep: \(grid.count) jobs written to \(emitJobs); results go to \(dir)/<index>.json
                  run them from this directory: \(format == "slurm" ? "sbatch" : "parallel <") \(SweepJobs.shellQuote(emitJobs))
                  then: numasim sweep --collect \(SweepJobs.shellQuote(dir))

                """.utf8))
            return
        }
        let progress = !quiet && isatty(STDERR_FILENO) != 0
        var runner = SweepRunner(executable: me, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, keepDirectory: out)
        if progress {
            runner.progress = { done, count in FileHandle.standardError.write(Data("\r\(done)/\(count) runs done   ".utf8)) }
        }
        let rows = try runner.run(grid)
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        try finish((grid.parameters.map(\.name), rows))
    }

    func finish(_ collected: (parameters: [String], rows: [SweepRow])) throws {
        let (parameters, rows) = collected
        if json {
            emit(String(decoding: try SweepTable.json(parameters: parameters, rows: rows, timing: timing), as: UTF8.self) + "\n")
        } else if csv {
            emit(SweepTable.csv(parameters: parameters, rows: rows, timing: timing))
        } else {
            emit(SweepTable.text(parameters: parameters, rows: rows, timing: timing))
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
