import ArgumentParser
import Foundation
import NumaReports

struct StressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "Run a workload on a booted topology and report where the pages came from.",
        discussion: """
            The deterministic engine plays the workload as a discrete-event simulation on a \
            simulated clock (docs/time.md): every simulated thread and every node's kswapd has its \
            own time, each operation costs what the cost model says, and the earliest event runs \
            next, so kswapd reclaims while the CPUs allocate and can fall behind them (direct \
            reclaim). It runs the Linux 6.1 allocator model (buddy lists, per-CPU pagesets, \
            watermarks, zonelists, memory policies, LRU reclaim), so the same topology, workload, \
            seed and options give byte-identical output, text, --json, --csv and --report, \
            simulated times included. Host wall-clock figures (seconds, ops per host second) appear only with \
            --timing, labelled as host time; they differ from run to run. With --threads N the \
            concurrent engine runs instead: its host threads race as CPUs do, so its results are \
            not reproducible and two runs differ. When an allocation that may invoke the OOM \
            killer finds nothing to kill, the kernel panics ("Out of memory and no killable \
            processes..."): the run stops there, prints everything up to it with the reason, and \
            exits with status 4 (3: an invariant was violated). It prints per-node numastat (the kernel's per-node file and the \
            numastat tool's table), pgalloc per zone, allocation failures, and the result of the \
            invariant check (every page in exactly one place; counters add up).

            --json results record their provenance: numasim version, the command line as given, \
            the topology's name and SHA-256, the workload's text and SHA-256, the sysctls in force \
            at the end, seed and engine (docs/json.md); `numasim compare` shows how two differ.

            Exit status: 0; 1 for a runtime error (one `Error:` line: a file that cannot be read, \
            or a --report/--csv file that cannot be written — then the result is still printed and \
            the file named at the start and at the end); 3 and 4 as above; 64 for a usage error.

            Workload format: docs/workload-format.md; examples in workloads/.
            """
    )

    @OptionGroup var options: TopologyOptions

    @OptionGroup var input: WorkloadOptions

    @Flag(help: "Print JSON (schema numasim.stress/3, docs/json.md): numastat, fallback matrix, locality, zones, reclaim, latency, timeline.")
    var json = false

    @Option(help: ArgumentHelp(
        "Also print kernel files as they stand at the end, comma-separated: \(StressCommand.dumpFiles.joined(separator: ",")).",
        discussion: "Each file follows a line naming it (/proc/FILE:, or /sys/devices/system/node/nodeN/FILE: per node for node-meminfo and node-vmstat; /sys/kernel/debug/extfrag/FILE: for extfrag_index and unusable_index; numastat: for the numastat tool's table), in the kernel's format; vmstat lists only the counters numasim models.",
        valueName: "FILES"), completion: .custom(StressCommand.completeDump))
    var dump: String?

    /// The files `--dump` knows, in the order the help lists them.
    static let dumpFiles = StressDumps.files

    @Flag(help: "Also report host wall-clock time: seconds and ops/s on this host (not deterministic; JSON: seconds, ops_per_second, throughput).")
    var timing = false

    @Flag(help: "No live status line.")
    var quiet = false

    @Flag(help: "Record every allocator call's simulated latency and report percentiles per operation class (HdrHistogram).")
    var latency = false

    @Option(help: ArgumentHelp("Timeline: sample every N operations (deterministic engine). Default: the workload's pages / 256, at least 64.", valueName: "N"))
    var sampleEvery: Int?

    @Option(help: ArgumentHelp("Timeline: sample every T milliseconds (concurrent engine).", valueName: "T"))
    var sampleMs: Double?

    @Option(help: ArgumentHelp("Write the timeline as CSV to FILE.", valueName: "FILE"), completion: .file(extensions: ["csv"]))
    var csv: String?

    @Option(help: ArgumentHelp("Write a self-contained HTML report (topology, fallback heatmap, timelines, tables) to FILE.", valueName: "FILE"),
            completion: .file(extensions: ["html"]))
    var report: String?

    func validate() throws {
        _ = try options.path()
        _ = try input.path()
        if let dump {
            for f in dump.split(separator: ",") where !Self.dumpFiles.contains(String(f)) {
                throw ValidationError("--dump: unknown file '\(f)'; supported: \(Self.dumpFiles.joined(separator: ", "))")
            }
        }
        if let sampleEvery, sampleEvery < 1 { throw ValidationError("--sample-every: expected a positive number of operations, got \(sampleEvery)") }
        if let sampleMs, !(sampleMs >= 1) { throw ValidationError("--sample-ms: expected at least 1 millisecond, got \(sampleMs)") }
        if sampleEvery != nil && input.threads != nil { throw ValidationError("--sample-every is for the deterministic engine; with --threads use --sample-ms") }
        if sampleMs != nil && input.threads == nil { throw ValidationError("--sample-ms is for the concurrent engine (--threads N); without it use --sample-every") }
    }

    func run() throws {
        let p = try input.prepare(options)
        // Output files are checked before the run, not after minutes of it: a path that cannot
        // be written is named now (the run goes on, its result is printed, the exit is 1).
        for path in [csv, report].compactMap({ $0 }) {
            if let why = StressCommand.unwritable(path) { Diagnostics.warn("\(path): \(why); the run goes on, the file will not be written") }
        }
        let status = StatusLine(enabled: !quiet && !json && isatty(STDERR_FILENO) != 0)
        let observer = p.observer(sampleEvery: sampleEvery, sampleMs: sampleMs, latency: latency, status: status)
        let run = try input.run(p, observer: observer, status: status)
        let dumps = (dump ?? "").split(separator: ",").map(String.init)
        let rep = StressReport(run, dumps: StressDumps.render(dumps, run.allocator, processes: run.addressSpaces?.processes ?? []), timing: timing,
                               provenance: p.provenance(run, arguments: Array(CommandLine.arguments.dropFirst())))
        // The files first, their errors after the result: a file that cannot be written loses
        // nothing of the result, and the text names only the files that were written.
        var errors: [String] = []
        let csvWritten = csv.flatMap { StressCommand.write(TimelineCSV.render(rep.timeline), to: $0, errors: &errors) }
        let reportWritten = report.flatMap { StressCommand.write(HTMLReport.render(rep, topology: p.topology), to: $0, errors: &errors) }
        if json {
            try printJSON(rep)
        } else {
            emit(StressTextReport(report: rep, run: run, everyOps: observer.everyOps, everyMs: observer.everyMs,
                                  csvPath: csvWritten, htmlPath: reportWritten, dumps: dumps).text)
        }
        for e in errors { Diagnostics.error(e) }
        // A violated invariant (3), or the kernel would have panicked (4): all is printed above.
        if let status = WorkloadOptions.exitStatus(run) { throw status }
        if !errors.isEmpty { throw ExitCode.failure }
    }

    /// Why an output file cannot be created (its directory is missing), or nil.
    static func unwritable(_ path: String) -> String? {
        let dir = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        if !dir.isEmpty, !(FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue) {
            return "directory \(dir) does not exist"
        }
        return nil
    }

    /// Writes `text` to `path` and returns the path; on failure adds `PATH: cannot write: WHY`
    /// to `errors` and returns nil.
    static func write(_ text: String, to path: String, errors: inout [String]) -> String? {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            errors.append("\(path): cannot write: \(unwritable(path) ?? error.localizedDescription)")
            return nil
        }
        return path
    }

    /// The exit status of a run that stopped early ("Out of memory and no killable processes...").
    static let stoppedExitCode: Int32 = 4
}

