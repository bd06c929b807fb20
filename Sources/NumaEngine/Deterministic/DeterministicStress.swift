import NumaCore
import NumaProcess
import NumaTopology
import NumaWorkload

/// The deterministic engine: runs a workload on one `PageAllocator` from a single thread,
/// simulated threads interleaved in a fixed order (one operation per thread per round, each
/// thread's CPUs taken in turn), kswapd run inline between operations when woken. Same
/// topology, workload and seed → the same result, bit for bit.
public struct DeterministicStress: StressEngine {
    let allocator: PageAllocator
    var isConcurrent: Bool { false }
    /// Nodes whose kswapd `wakeup_kswapd` woke, run after the current operation.
    let woken = WokenSet()

    /// kswapd runs per wake-up are capped so that a node that never balances (threads keep
    /// allocating in the same round) cannot stall the round: the kernel's kswapd would be
    /// preempted by those threads too.
    static let maxKswapdRunsPerWake = 8

    init(machine: BootedMachine) {
        allocator = PageAllocator(machine: machine)
        let woken = self.woken
        allocator.kswapdWaker = { n in woken.insert(n) }
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

    func runTasks(_ tasks: [SimulatedTask], progress: (@Sendable (Int, Int) -> Void)?, observer: StressObserver?) {
        let a = allocator
        let current = CurrentTask()
        a.oomKiller = { _ in
            guard let victim = OutOfMemory.victim(among: tasks.filter { !$0.isKilled && !$0.stats.killed }) else { return false }
            victim.kill()
            // The victim exits now unless it is the task asking (it dies after its step).
            if victim !== current.task { victim.die(a) }
            return true
        }
        defer { a.oomKiller = nil }
        let total = tasks.reduce(0) { $0 + $1.workLeft }
        var active = true
        while active {
            active = false
            for t in tasks where !t.isDone {
                active = true
                current.task = t
                t.step(a)
                current.task = nil
                runWokenKswapds()
            }
            progress?(total - tasks.reduce(0) { $0 + $1.workLeft }, total)
            observer?.tick()
        }
    }

    func runProcesses(_ phase: Workload.ProcessPhase, seed: UInt64, report: inout AddressSpaceReport) throws {
        try ProcessPhaseRunner.run(phase, allocator: allocator, seed: seed, afterEachOperation: { runWokenKswapds() }, report: &report)
    }

    func endRunPhase(_ result: inout StressResult) {}

    func finish() {}

    /// Runs every woken kswapd to the end of its wake-up (iterations of `kswapd()` until it may
    /// sleep, at most `maxKswapdRunsPerWake`), in wake order. The nap is instantaneous here:
    /// nothing can wake kswapd during it, so the second sleep check would see the same node.
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

/// The task being stepped (the OOM killer must not free a task's pages in the middle of its step).
final class CurrentTask: @unchecked Sendable {
    var task: SimulatedTask?
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
