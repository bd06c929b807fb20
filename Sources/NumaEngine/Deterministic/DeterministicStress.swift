import NumaCore
import NumaProcess
import NumaTopology
import NumaWorkload

/// The deterministic engine: runs a workload on one `PageAllocator` as a discrete-event
/// simulation on the simulated clock (`DiscreteEventScheduler`, docs/time.md): simulated
/// threads and each node's kswapd interleaved by simulated time, ties in a fixed order. Same
/// topology, workload and seed → the same result, bit for bit, times included.
public struct DeterministicStress: StressEngine {
    let allocator: PageAllocator
    var isConcurrent: Bool { false }
    let scheduler: DiscreteEventScheduler

    init(machine: BootedMachine) {
        allocator = PageAllocator(machine: machine)
        let scheduler = DiscreteEventScheduler(allocator: allocator)
        self.scheduler = scheduler
        allocator.kswapdWaker = { n in scheduler.wake(n) }
    }

    /// Runs `workload` on a fresh allocator over `machine`.
    ///
    /// - Parameters:
    ///   - seed: the seed of order distributions and random frees; each run phase derives its
    ///     own from it.
    ///   - progress: called with (pages done, pages planned), on the calling thread.
    ///   - observer: timeline sampling and latency recording; nil records neither.
    /// - Returns: the allocator at the end and the tasks' statistics. The invariants are not
    ///   checked here: `StressRun.run` (NumaReports) runs and checks, as `numasim stress` does.
    /// - Throws: `WorkloadRunError` when a phase cannot run (a failed process step).
    public static func run(machine: BootedMachine, workload: Workload, seed: UInt64,
                           progress: ((Int, Int) -> Void)? = nil, observer: StressObserver? = nil) throws -> StressResult {
        // The deterministic engine calls `progress` from the thread that called `run`.
        let report: (@Sendable (Int, Int) -> Void)? = progress.map { p in
            let box = UnsafeSendable(p)
            return { @Sendable d, t in box.value(d, t) }
        }
        return try DeterministicStress(machine: machine).run(workload, seed: seed, threads: 1, progress: report, observer: observer)
    }

    func check(_ workload: Workload) throws {}

    func changeMachine<R>(_ body: () throws -> R) rethrows -> R { try body() }

    func makeTasks(_ specs: [Workload.ThreadSpec], seed: UInt64, maxNumNodes: Int) throws -> [SimulatedTask] {
        if let j = specs.firstIndex(where: { $0.duration != nil }) {
            throw WorkloadRunError(key: "threads[\(j)].duration",
                                   message: "a wall-clock duration needs the concurrent engine (--threads N); the deterministic engine is reproducible only by operation counts: use ops:")
        }
        return specs.enumerated().map { i, spec in
            SimulatedTask(spec: spec, cpus: spec.cpus, pages: spec.allocatePages, name: "threads[\(i)]",
                          seed: seed &+ UInt64(i) &* 0x9E37_79B9, maxNumNodes: maxNumNodes)
        }
    }

    var simulatedNanoseconds: Int { scheduler.latest }
    var simulatedNow: Int { scheduler.now }

    func runTasks(_ tasks: [SimulatedTask], progress: (@Sendable (Int, Int) -> Void)?, observer: StressObserver?) {
        let a = allocator, scheduler = self.scheduler
        let owner = OutOfMemory.taskOfCPU(tasks)
        a.oomKiller = { oc in
            OutOfMemory.outOfMemory(a, oc, candidates: tasks.map { $0.oomCandidate() }, current: owner[oc.cpu],
                                    cpusetsEnabled: a.cgroups.cpusetsEnabled, now: scheduler.now) { i in
                let victim = tasks[i]
                victim.kill()
                // The victim exits now unless it is the task asking (it dies after its step).
                if victim !== scheduler.currentTask { victim.die(a) }
            }
        }
        defer { a.oomKiller = nil }
        let total = tasks.reduce(0) { $0 + $1.workLeft }
        let round = max(1, tasks.count)
        let steps = StepCounter()
        scheduler.run(tasks, continuing: false, finishingIterations: false) {
            steps.value &+= 1
            guard steps.value % round == 0 else { return }
            progress?(total - tasks.reduce(0) { $0 + $1.workLeft }, total)
            observer?.tick()
        }
        progress?(total - tasks.reduce(0) { $0 + $1.workLeft }, total)
    }

    func runProcesses(_ phase: Workload.ProcessPhase, seed: UInt64, report: inout AddressSpaceReport, observer: StressObserver?) throws {
        try ProcessPhaseRunner.run(phase, allocator: allocator, seed: seed, scheduler: scheduler, report: &report, observer: observer)
    }

    /// The exit on the clock: each exiting task frees a block per step from where its touches
    /// ended, while kswapd goes on with what it was doing when the last touch ended (the
    /// kernel's kswapd does not stop when a workload does); iterations still running when the
    /// last page is back finish here.
    func exitTasks(_ tasks: [SimulatedTask]) {
        scheduler.run(tasks.filter { $0.beginExit() }, continuing: true, finishingIterations: true) {}
    }

    func endRunPhase(_ result: inout StressResult) {}

    func finish() { scheduler.stop() }
}

/// A step count shared with the scheduler's callback (single-threaded use; no dynamic
/// exclusivity checks on the per-operation path).
final class StepCounter {
    @exclusivity(unchecked) var value = 0
}

/// A non-Sendable value carried into a `@Sendable` closure that runs on the same thread.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
