import ArgumentParser
import Foundation
import NumaReports

/// `numasim numastat`: numastat(8) of numactl 2.0.16 on a stress result, or on a run made here.
struct NumastatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "numastat",
        abstract: "Show a stress result's per-node memory statistics as numastat(8) does.",
        discussion: """
            Reads a result of `numasim stress --json` (RESULT.json), or runs one here with the \
            options stress takes for it (-t TOPOLOGY -w WORKLOAD, --seed, --sysctl, --costs, \
            --threads), and prints what numactl 2.0.16's numastat prints on a machine whose \
            /sys/devices/system/node files are the run's at its end: the same tables, column \
            widths and headers. Without -c/-m/-n/-s/-z, the tool's default table (raw \
            numa_hit ... other_node counts per node, as the old numastat printed them); -n the same \
            counters in MB with a Total column; -m the per-node meminfo in MB (the tool also \
            prints "Token NAME not in hash table." for the 6.1 fields it does not know: \
            SwapCached, SecPageTables, FileHugePages, FilePmdMapped); -c narrow columns; -z \
            without all-zero rows and columns; -s rows sorted by Total, descending. Columns fold \
            at 80 characters on a terminal, and at NUMASTAT_WIDTH when it is set, as the tool's \
            do. -p PID|PATTERN (repeatable) shows the per-node memory of the run's processes \
            still alive at its end (rows Huge, Heap, Stack, Private, Total; one row per PID when \
            several are selected, unless -v), from their /proc/PID/numa_maps; numasim's PIDs are \
            1000, 1001, ... in the order of the report's processes (`stress --dump numa_maps` \
            lists them). --json prints the shown system tables as data (schema \
            numasim.numastat/1, docs/json.md).

            Examples:
              numasim stress -t topologies/nehalem-2s-qemu.yaml -w workloads/page-cache-pressure.yaml --json > a.json
              numasim numastat a.json
              numasim numastat -m a.json
              numasim numastat -c -z -t topologies/epyc-nps4.yaml -w workloads/interleave-and-bind.yaml
              numasim numastat -p 1000 a.json
            """
    )

    @Argument(help: ArgumentHelp("A result of `numasim stress --json`.", valueName: "RESULT.json"), completion: .file(extensions: ["json"]))
    var result: String?

    @OptionGroup(title: "Instead of RESULT.json, a run made here (options of stress)") var machine: TopologyOptions
    @OptionGroup(title: "Instead of RESULT.json, a run made here (options of stress)") var input: WorkloadOptions

    @Flag(name: .customShort("c"), help: "Minimize column widths.")
    var compress = false

    @Flag(name: .customShort("m"), help: "Show the meminfo-like system-wide memory usage per node (MB).")
    var meminfo = false

    @Flag(name: .customShort("n"), help: "Show the numastat counters in MB with a Total column.")
    var numastat = false

    @Flag(name: .customShort("s"), help: "Sort rows by the Total column, largest first.")
    var sort = false

    @Flag(name: .customShort("z"), help: "Skip rows and columns of zeros.")
    var skipZeros = false

    @Option(name: .customShort("p"), help: ArgumentHelp("Per-node memory of a process: its PID, or a pattern its name contains (repeatable).", valueName: "PID|PATTERN"))
    var processes: [String] = []

    @Flag(name: .customShort("v"), help: "With several processes, a table for each (as with one).")
    var verbose = false

    @Flag(help: "Print the shown tables as JSON (schema numasim.numastat/1, docs/json.md).")
    var json = false

    var options: NumastatTool.Options {
        NumastatTool.Options(compress: compress, meminfo: meminfo, numastat: numastat, sortByTotal: sort, skipZero: skipZeros)
    }

    func validate() throws {
        if !processes.isEmpty && json {
            throw ValidationError("--json shows the system tables; the process view (-p) is text only")
        }
        let runGiven = machine.topology != nil || !machine.sysctls.isEmpty || input.anyGiven
        if let result, runGiven {
            throw ValidationError("\(result) and -t/-w/--seed/--sysctl/--costs/--threads: give a stress result (numasim numastat RESULT.json) or the run to make (-t TOPOLOGY -w WORKLOAD), not both")
        }
        if result == nil {
            guard runGiven else {
                throw ValidationError("expected a stress result (numasim numastat RESULT.json) or a run to make (numasim numastat -t TOPOLOGY -w WORKLOAD)")
            }
            _ = try machine.path()
            _ = try input.path()
        }
    }

    func run() throws {
        let report: StressReport
        var exit: ExitCode?
        if let result {
            do { report = try StressReport.load(result, reader: "numastat") } catch let e as StressReport.LoadError {
                throw RuntimeError(e.description)
            }
        } else {
            let p = try input.prepare(machine)
            let status = StatusLine(enabled: !json && isatty(STDERR_FILENO) != 0)
            let run = try input.run(p, observer: p.observer(status: status), status: status)
            report = StressReport(run)
            exit = WorkloadOptions.exitStatus(run)
        }
        let tool = NumastatTool(report: report)
        do {
            let width = NumastatTool.screenWidth(environment: ProcessInfo.processInfo.environment, isTerminal: isatty(STDOUT_FILENO) != 0)
            if json {
                try printJSON(tool.json(options, report: report, source: result))
            } else if !processes.isEmpty {
                // main(): the process tables, then -m, then -n (the numastat table only when asked).
                let entries: [NumastatTool.ProcessEntry]
                do { entries = try NumastatTool.processes(of: report) } catch is NumastatTool.MissingNumaMaps {
                    throw RuntimeError("\(result ?? "the run"): its processes have no numa_maps (a result of an older numasim); -p needs them: rerun `numasim stress --json`, or run here with -t/-w")
                }
                let out = tool.processInfo(processes, entries: entries, options, verbose: verbose, screenWidth: width)
                emit(out.stdout)
                if !out.stderr.isEmpty { FileHandle.standardError.write(Data(out.stderr.utf8)) }
                if meminfo || numastat { emit(try tool.render(options, screenWidth: width)) }
            } else {
                emit(try tool.render(options, screenWidth: width))
            }
        } catch let e as NumastatTool.MissingMeminfo {
            throw RuntimeError("\(result ?? "the run"): no node_meminfo for node \(e.node) (a result of numasim before 0.1.0); -m needs it: rerun `numasim stress --json`, or run here with -t/-w")
        }
        if let exit { throw exit }
    }
}
