import NumaCore
import NumaTopology

/// The deterministic engine: runs a workload on one `PageAllocator` from a single thread,
/// simulated threads interleaved in a fixed order (one operation per thread per round, each
/// thread's CPUs taken in turn), kswapd run inline between rounds when woken. Same topology,
/// workload and seed → the same result, bit for bit.
public struct DeterministicStress {
    public struct Result: Sendable {
        public var allocator: PageAllocator
        public var tasks: [SimulatedTask] = []
        public var allocations: Int { tasks.reduce(0) { $0 + $1.stats.allocations } }
        public var frees: Int { tasks.reduce(0) { $0 + $1.stats.frees } }
        /// Failed allocations by GFP mask name and reason.
        public var failures: [String: Int] {
            tasks.reduce(into: [:]) { acc, t in for (k, v) in t.stats.failures { acc[k, default: 0] += v } }
        }
        public var ops: Int { tasks.reduce(0) { $0 + $1.stats.ops } }
        public var refaults: Int { tasks.reduce(0) { $0 + $1.stats.refaults } }
        public var oomKilled: [String] { tasks.filter(\.stats.killed).map(\.name) }
        /// balance_pgdat runs per node index.
        public var kswapdRuns: [Int] = []
        /// What each memory hotplug step did.
        public var hotplug: [MemoryHotplugReport] = []
        /// Processes of `processes:` phases, faults, TLB numbers.
        public var addressSpaces = AddressSpaceReport()
    }

    /// kswapd runs per wake-up are capped so that a node that never balances (threads keep
    /// allocating in the same round) cannot stall the round: the kernel's kswapd would be
    /// preempted by those threads too.
    static let maxKswapdRunsPerWake = 8

    public static func run(machine: BootedMachine, workload: Workload, seed: UInt64,
                           progress: ((Int, Int) -> Void)? = nil, observer: StressObserver? = nil) throws -> Result {
        let a = PageAllocator(machine: machine)
        a.swap = SwapSpace(totalPages: workload.swapPages)
        a.swappiness = workload.swappiness
        var result = Result(allocator: a)
        result.kswapdRuns = [Int](repeating: 0, count: a.nodeIDs.count)
        let woken = WokenSet()
        a.kswapdWaker = { n in woken.insert(n) }
        var phaseSeed = seed
        for phase in workload.phases {
            switch phase {
            case .sysctl(let assignments):
                try a.writeSysctls(assignments)
            case .hotplug(let step):
                result.hotplug.append(MemoryHotplug.run(step, allocator: a, tasks: result.tasks))
            case .processes(let p):
                var report = result.addressSpaces
                try ProcessPhaseRunner.run(p, allocator: a, seed: phaseSeed, afterEachOperation: { runWokenKswapds(a, woken, &result) },
                                           report: &report)
                result.addressSpaces = report
                phaseSeed = phaseSeed &* 6364136223846793005 &+ 1442695040888963407
            case .run(let specs):
                if let j = specs.firstIndex(where: { $0.duration != nil }) {
                    throw InputError(file: "workload", key: "threads[\(j)].duration",
                                     "a wall-clock duration needs the concurrent engine (--threads N); the deterministic engine is reproducible only by operation counts: use ops:")
                }
                let tasks = specs.enumerated().map { i, spec in
                    SimulatedTask(spec: spec, cpus: spec.cpus, pages: spec.allocatePages, name: "threads[\(i)]",
                                  seed: phaseSeed &+ UInt64(i) &* 0x9E37_79B9, maxNumNodes: machine.topology.kernel.maxNumNodes)
                }
                phaseSeed = phaseSeed &* 6364136223846793005 &+ 1442695040888963407
                observer?.beginPhase(a, tasks: tasks) { result.kswapdRuns }
                let current = CurrentTask()
                a.oomKiller = { _ in
                    guard let victim = tasks.filter({ !$0.isKilled && !$0.stats.killed }).max(by: { $0.livePages < $1.livePages }),
                          victim.livePages > 0 else { return false }
                    victim.kill()
                    // The victim exits now unless it is the task asking (it dies after its step).
                    if victim !== current.task { victim.die(a) }
                    return true
                }
                let total = tasks.reduce(0) { $0 + $1.workLeft }
                var active = true
                while active {
                    active = false
                    for t in tasks where !t.isDone {
                        active = true
                        current.task = t
                        t.step(a)
                        current.task = nil
                        runWokenKswapds(a, woken, &result)
                    }
                    progress?(total - tasks.reduce(0) { $0 + $1.workLeft }, total)
                    observer?.tick()
                }
                observer?.endPhase()
                a.oomKiller = nil
                result.tasks += tasks
            }
        }
        return result
    }

    /// Runs every woken kswapd to completion of its wake-up (balance, then the sleep checks),
    /// in node order.
    static func runWokenKswapds(_ a: PageAllocator, _ woken: WokenSet, _ r: inout Result) {
        while let n = woken.popFirst() {
            let state = a.nodeReclaim[n]
            state.setSleeping(false)
            var hz = a.zones[n].count - 1
            for _ in 0..<maxKswapdRunsPerWake {
                let req = state.consumeRequest()
                hz = req.highestZone ?? hz
                var order = a.balancePgdat(nodeIndex: n, order: req.order, highestZone: hz)
                r.kswapdRuns[n] += 1
                if order < req.order { order = 0 }
                // The nap is instantaneous here: nothing can wake kswapd during it.
                if a.prepareKswapdSleep(nodeIndex: n, order: order, highestZone: hz) { break }
                a.vmEvents.add(.kswapdHighWmarkHitQuickly, row: a.kswapdSlot(nodeIndex: n))
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

/// SplitMix64: a small, fast, seedable generator for reproducible runs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
