import ArgumentParser
import Foundation
import NumaCore
import NumaEngine
import NumaTopology
import NumaReports
import NumaWorkload

/// What picks a stress run besides the machine (`TopologyOptions`): the workload, the seed, the
/// simulated clock's costs and the engine. Shared by `stress` and `numastat -t -w`, which run
/// the same way (`prepare`, then `run`). `-w` is required wherever a run is made (`path()`).
struct WorkloadOptions: ParsableArguments {
    @Option(name: [.customShort("w"), .long], help: "Workload file (YAML; this or --trace is required).", completion: .file(extensions: ["yaml", "yml"]))
    var workload: String?

    @Option(help: ArgumentHelp(
        "Replay a kernel page-allocation trace instead of a workload (- reads standard input).",
        discussion: "The text of perf script after perf record -e kmem:mm_page_alloc -e kmem:mm_page_free -a (or ftrace's trace file with those events): each allocation on its CPU with its order and gfp_flags, each free of a block the replay allocated. Deterministic engine only. docs/user-guide.md.",
        valueName: "FILE"))
    var trace: String?

    @Option(help: "Seed for order distributions and random frees (default: 1).")
    var seed: UInt64?

    @Option(help: ArgumentHelp(
        "Costs of the simulated clock in ns (YAML: costs:, latency_ns:, bandwidth_gbps:), over the topology's own.",
        discussion: "Keys and defaults with their sources: docs/time.md.", valueName: "FILE"), completion: .file(extensions: ["yaml", "yml"]))
    var costs: String?

    @Option(help: ArgumentHelp("Host threads for the concurrent engine (each simulated CPU owned by one; more than the topology's CPUs: a warning, one per CPU runs). Without it, the deterministic engine runs.", valueName: "N"))
    var threads: Int?

    /// Whether any of these options was given.
    var anyGiven: Bool { workload != nil || trace != nil || seed != nil || costs != nil || threads != nil }

    /// The workload file, or the trace file with `--trace`; without either, the parser's own
    /// error for a missing required option. Refuses both at once, and a trace with `--threads`.
    func path() throws -> String {
        if let trace {
            guard workload == nil else {
                throw ValidationError("--trace and --workload (-w) are mutually exclusive: a run replays a kernel trace or plays a workload file, not both")
            }
            guard threads == nil else {
                throw ValidationError("--trace replays the events in their order on the deterministic engine; drop --threads")
            }
            return trace
        }
        guard let workload else { throw ValidationError("Missing expected argument '--workload <workload>' (or --trace <file>)") }
        return workload
    }

    /// A machine booted with its costs and a workload read for it, ready to run.
    struct Prepared {
        var topology: Topology
        var machine: BootedMachine
        var workload: Workload
        var workloadPath: String
        /// The inputs as read, for the result's provenance.
        var topologyInput: StressProvenance.Input
        var workloadInput: StressProvenance.Input
        var costsInput: StressProvenance.Input?
        /// Pages the run phases allocate (the status line's 100 %).
        var plannedPages: Int

        /// Where `run` came from; `arguments`: argv without argv[0].
        func provenance(_ run: StressRun, arguments: [String]) -> StressProvenance {
            StressProvenance(run: run, commandLine: arguments, topology: topologyInput, workload: workloadInput, costs: costsInput)
        }

        /// The run's observer: a timeline sample every `sampleEvery` operations (deterministic
        /// engine; default the planned pages / 256, at least 64) or `sampleMs` ms (concurrent).
        func observer(sampleEvery: Int? = nil, sampleMs: Double? = nil, latency: Bool = false, status: StatusLine) -> StressObserver {
            var show: (@Sendable (TimelineSample, Timeline) -> Void)?
            if status.enabled { show = { @Sendable s, tl in status.show(s, tl) } }
            return StressObserver(everyOps: sampleEvery ?? max(64, plannedPages / 256), everyMs: sampleMs ?? 20,
                                  recordLatency: latency, status: show)
        }
    }

    /// Boots the machine, applies `--costs`, reads the workload.
    func prepare(_ machineOptions: TopologyOptions) throws -> Prepared {
        try HostThreads.check(threads)
        var (t, machine) = try machineOptions.load()
        try InputError.labelling(file: machineOptions.path()) { try PageAllocator.checkLimits(machine) }
        if let threads, threads > t.allCPUs.count {
            // Each host thread owns whole simulated CPUs: the extra ones would have none.
            Diagnostics.warn("--threads \(threads): \(t.name) has \(t.allCPUs.count) simulated CPUs; at most \(t.allCPUs.count) host threads run (one per CPU)")
        }
        if let costs {
            try TopologyFile.applyCosts(path: costs, to: &t)
            machine.topology.costs = t.costs
        }
        let path = try path()
        let w = try trace == nil ? Workload.load(path: path, topology: t) : Workload(trace: KernelTrace.load(path: path), topology: t)
        let planned = w.phases.reduce(0) { acc, p in
            if case .run(let specs) = p { return acc + specs.reduce(0) { $0 + $1.allocatePages } } else { return acc }
        }
        let topologyPath = try machineOptions.path()
        return Prepared(topology: t, machine: machine, workload: w, workloadPath: path,
                        topologyInput: .file(topologyPath, bytes: try InputText.data(topologyPath), name: t.name),
                        workloadInput: .file(path, bytes: try InputText.data(path), name: StressProvenance.workloadName(path: path), keepText: true),
                        costsInput: try costs.map { .file($0, bytes: try InputText.data($0), name: nil) },
                        plannedPages: planned)
    }

    /// Runs the engine (`--threads`: concurrent, else deterministic) and checks the invariants.
    func run(_ p: Prepared, observer: StressObserver, status: StatusLine) throws -> StressRun {
        let progress: @Sendable (Int, Int) -> Void = { done, total in status.progress(done, total) }
        let seed = self.seed ?? 1
        let run = try labellingWorkloadErrors(path: p.workloadPath) {
            try StressRun.run(machine: p.machine, workload: p.workload, seed: seed, threads: threads, observer: observer, progress: progress)
        }
        status.clear()
        return run
    }

    /// The exit status after a run was reported: 3 when an invariant was violated, 4 when it
    /// stopped early (the kernel would have panicked), else none.
    static func exitStatus(_ run: StressRun) -> ExitCode? {
        if !run.violations.isEmpty { return ExitCode(3) }
        if run.stop != nil { return ExitCode(StressCommand.stoppedExitCode) }
        return nil
    }
}
