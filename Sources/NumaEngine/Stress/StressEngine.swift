import NumaCore
import NumaProcess
import NumaTopology
import NumaWorkload

/// What differs between the two engines, over one phase loop (`StressEngine.run`): how a run
/// phase's tasks are played (one thread in a fixed order, or host threads racing), who runs
/// kswapd (inline, or a loop per node on Dispatch queues), and what must hold around a change
/// of the machine (sysctl writes and hotplug steps run with no CPU allocating and, in the
/// concurrent engine, every kswapd stopped). Everything the kernel decides is in NumaCore and
/// shared.
protocol StressEngine {
    var allocator: PageAllocator { get }
    /// Host threads race (the timeline is sampled by time, not by operations).
    var isConcurrent: Bool { get }
    /// The simulated time now (for timeline samples), and at the end of the run (the latest
    /// clock of any CPU or kswapd), in ns.
    var simulatedNow: Int { get }
    var simulatedNanoseconds: Int { get }
    /// Refuses what this engine cannot run, before anything runs.
    func check(_ workload: Workload) throws
    /// Runs `body` while nothing else touches the machine.
    func changeMachine<R>(_ body: () throws -> R) rethrows -> R
    /// The tasks of a run phase (`seed` is the phase's).
    func makeTasks(_ specs: [Workload.ThreadSpec], seed: UInt64, maxNumNodes: Int) throws -> [SimulatedTask]
    /// Plays a run phase's tasks until they are done.
    func runTasks(_ tasks: [SimulatedTask], progress: (@Sendable (Int, Int) -> Void)?, observer: StressObserver?)
    /// Runs a `processes:` phase.
    func runProcesses(_ phase: Workload.ProcessPhase, seed: UInt64, report: inout AddressSpaceReport, observer: StressObserver?) throws
    /// The run phase's tasks exit (`free: at_exit` groups give their pages back).
    func exitTasks(_ tasks: [SimulatedTask])
    /// After a run phase: what the engine checks or records.
    func endRunPhase(_ result: inout StressResult)
    /// The run is over: stop what still runs.
    func finish()
}

extension StressEngine {
    /// The phase loop both engines share: sysctl steps through the allocator's one sysctl
    /// path, hotplug steps, process phases and run phases in workload order, each run phase
    /// with its own seed (an LCG step from the last).
    func run(_ workload: Workload, seed: UInt64, threads: Int, progress: (@Sendable (Int, Int) -> Void)?,
             observer: StressObserver?) throws -> StressResult {
        try check(workload)
        let clock = ContinuousClock()
        let start = clock.now
        let a = allocator
        a.swap = SwapSpace(totalPages: workload.swapPages)
        if let s = workload.swappiness { a.writeSwappiness(s) }
        // Named files are cached for the whole run; their evictions leave shadow entries.
        a.pageCache = PageCache()
        a.recordsShadows = workload.phases.contains { if case .run(let specs) = $0 { return specs.contains { $0.file != nil } } else { return false } }
        var result = StressResult(allocator: a, threads: threads)
        a.cgroups = CgroupTable(workload.cgroups.map { Cgroup(name: $0.name, settings: $0.settings) })
        a.enableMemcg()
        var phaseSeed = seed
        let nextSeed = { (s: UInt64) in s &* 6364136223846793005 &+ 1442695040888963407 }
        phases: for (index, phase) in workload.phases.enumerated() {
            observer?.markPhase(index, phase, count: workload.phases.count, ms: Double(simulatedNow) / 1e6)
            switch phase {
            case .sysctl(let assignments):
                try changeMachine {
                    try a.writeSysctls(assignments)
                    // compaction_proactiveness_sysctl_handler wakes every kcompactd (a no-op for other sysctls).
                    a.compactionSysctlsWritten(assignments, nowNs: simulatedNanoseconds)
                }
            case .cgroup(let name, let settings):
                a.cgroups[name]?.update(a.cgroups[name]!.settings.merged(with: settings))
            case .hotplug(let step):
                let tasks = result.tasks
                result.hotplug.append(changeMachine { MemoryHotplug.run(step, allocator: a, tasks: tasks) })
            case .hugepages(let step):
                try changeMachine { _ = try step.apply(to: a, source: workload.key(phase: index, "hugepages")) }
            case .compactMemory(let step):
                // sysctl_compaction_handler / sysfs_compact_node: no CPU allocates meanwhile.
                changeMachine { a.compactMemory(node: step.node) }
                result.phaseInvariants.append(a.checkInvariants())
            case .processes(let p):
                do { try runProcesses(p, seed: phaseSeed, report: &result.addressSpaces, observer: observer) } catch let e as WorkloadRunError {
                    throw e.inPhase(index, of: workload)
                }
                phaseSeed = nextSeed(phaseSeed)
                // Pages moved between nodes (NUMA balancing, demotion, migrate steps): every
                // page is still in exactly one place when the phase ends.
                result.phaseInvariants.append(a.checkInvariants())
                if let panic = a.panicState.panic { result.stop = StressStop(phase: index, key: workload.key(phase: index, "processes"), panic: panic); break phases }
            case .run(let specs):
                let tasks: [SimulatedTask]
                do {
                    tasks = try makeTasks(try CgroupPlacement.threadSpecs(specs, allocator: a),
                                          seed: phaseSeed, maxNumNodes: a.machine.topology.kernel.maxNumNodes)
                } catch let e as WorkloadRunError {
                    throw e.inPhase(index, of: workload)
                }
                CgroupPlacement.place(tasks, cgroups: a.cgroups)
                phaseSeed = nextSeed(phaseSeed)
                a.pageCache.beginPhase()
                observer?.beginPhase(a, tasks: tasks, concurrent: isConcurrent, clock: { self.simulatedNow }) { a.nodes.map(\.kswapdRuns) }
                runTasks(tasks, progress: progress, observer: observer)
                observer?.onPhaseEnd?(a, false)
                // The tasks exit (`free: at_exit` groups give their pages back). After a kernel
                // panic nothing exits: the report shows the machine as it stopped.
                let panic = a.panicState.panic
                if panic == nil { exitTasks(tasks) }
                observer?.onPhaseEnd?(a, true)
                observer?.endPhase()
                endRunPhase(&result)
                result.tasks += tasks
                if let panic { result.stop = StressStop(phase: index, key: workload.key(phase: index, "threads"), panic: panic); break phases }
            }
            observer?.phaseDone(phase, a, clock: { self.simulatedNanoseconds }) { a.nodes.map(\.kswapdRuns) }
        }
        result.simulatedNanoseconds = simulatedNanoseconds
        finish()
        result.seconds = (clock.now - start) / .seconds(1)
        return result
    }
}
