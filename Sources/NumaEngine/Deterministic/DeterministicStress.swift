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
    /// Nodes woken during a `processes:` phase, whose kswapd runs inline after the operation.
    let woken = WokenSet()
    /// Whether a `processes:` phase runs (kswapd inline) rather than a run phase (kswapd on the clock).
    let inProcessPhase = Flag()

    /// kswapd runs per wake-up in a `processes:` phase are capped so that a node that never
    /// balances cannot stall the phase.
    static let maxKswapdRunsPerWake = 8

    init(machine: BootedMachine) {
        allocator = PageAllocator(machine: machine)
        let scheduler = DiscreteEventScheduler(allocator: allocator)
        self.scheduler = scheduler
        let woken = self.woken, inProcessPhase = self.inProcessPhase
        allocator.kswapdWaker = { n in
            if inProcessPhase.value { woken.insert(n) } else { scheduler.wake(n) }
        }
    }

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
        a.oomKiller = { _ in
            OutOfMemory.select(among: tasks) { victim in
                victim.kill()
                // The victim exits now unless it is the task asking (it dies after its step).
                if victim !== scheduler.currentTask { victim.die(a) }
            }
        }
        defer { a.oomKiller = nil }
        let total = tasks.reduce(0) { $0 + $1.workLeft }
        let round = max(1, tasks.count)
        let steps = StepCounter()
        scheduler.run(tasks) {
            steps.value &+= 1
            guard steps.value % round == 0 else { return }
            progress?(total - tasks.reduce(0) { $0 + $1.workLeft }, total)
            observer?.tick()
        }
        progress?(total - tasks.reduce(0) { $0 + $1.workLeft }, total)
    }

    func runProcesses(_ phase: Workload.ProcessPhase, seed: UInt64, report: inout AddressSpaceReport) throws {
        inProcessPhase.value = true
        defer { inProcessPhase.value = false }
        try ProcessPhaseRunner.run(phase, allocator: allocator, seed: seed, afterEachOperation: { runWokenKswapds() }, report: &report)
    }

    func endRunPhase(_ result: inout StressResult) {}

    func finish() { scheduler.stop() }

    /// `processes:` phases: runs every woken kswapd to the end of its wake-up (iterations of
    /// `kswapd()` until it may sleep, at most `maxKswapdRunsPerWake`), in wake order, inline.
    func runWokenKswapds() {
        let a = allocator
        while let n = woken.popFirst() {
            let state = a.nodes[n].reclaim
            state.setSleeping(false)
            for _ in 0..<DeterministicStress.maxKswapdRunsPerWake {
                if case .maySleep = a.kswapdIteration(nodeIndex: n) { break }
            }
            state.setSleeping(true)
        }
    }
}

/// A step count shared with the scheduler's callback (single-threaded use; no dynamic
/// exclusivity checks on the per-operation path).
final class StepCounter {
    @exclusivity(unchecked) var value = 0
}

/// A flag shared by the engine's closures (single-threaded use).
final class Flag: @unchecked Sendable {
    var value = false
}

/// Node indexes whose kswapd was woken, in wake order without repeats (single-threaded use).
final class WokenSet: @unchecked Sendable {
    private var order: [Int] = []
    private var members = Set<Int>()
    func insert(_ n: Int) { if members.insert(n).inserted { order.append(n) } }
    func popFirst() -> Int? {
        guard !order.isEmpty else { return nil }
        let n = order.removeFirst()
        members.remove(n)
        return n
    }
}

/// A non-Sendable value carried into a `@Sendable` closure that runs on the same thread.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
