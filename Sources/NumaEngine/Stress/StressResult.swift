import NumaCore
import NumaProcess
import NumaWorkload

/// What a stress run left behind, the same for both engines: the allocator as it stands at the
/// end (every counter, zone and LRU), the tasks with their statistics, and what the phases that
/// are not task runs did (hotplug steps, process phases).
public struct StressResult: Sendable {
    public var allocator: PageAllocator
    public var tasks: [SimulatedTask] = []
    /// 1 for the deterministic engine, the host threads for the concurrent one.
    public var threads: Int
    /// Host seconds the run took (not part of the model: for throughput lines only).
    public var seconds: Double = 0
    /// Simulated time the run took (docs/time.md): the latest clock of any CPU or kswapd.
    public var simulatedNanoseconds = 0
    /// What each memory hotplug step did.
    public var hotplug: [MemoryHotplugReport] = []
    /// Processes of `processes:` phases, faults, TLB numbers (deterministic engine).
    public var addressSpaces = AddressSpaceReport()
    /// Why the run stopped before the workload's end (nil: it ran to the end).
    public var stop: StressStop?
    /// Invariant reports taken at the end of each run phase (concurrent engine: after its
    /// threads stopped; the deterministic engine checks once at the end).
    public var phaseInvariants: [[Zone.InvariantReport]] = []

    public init(allocator: PageAllocator, threads: Int) {
        self.allocator = allocator
        self.threads = threads
    }

    public var allocations: Int { tasks.reduce(0) { $0 + $1.stats.allocations } }
    public var frees: Int { tasks.reduce(0) { $0 + $1.stats.frees } }
    /// Failed allocations by GFP mask name and reason.
    public var failures: [String: Int] {
        tasks.reduce(into: [:]) { acc, t in for (k, v) in t.stats.failures { acc[k, default: 0] += v } }
    }
    public var ops: Int { tasks.reduce(0) { $0 + $1.stats.ops } }
    public var refaults: Int { tasks.reduce(0) { $0 + $1.stats.refaults } }
    public var oomKilled: [String] { tasks.filter(\.stats.killed).map(\.name) }
    public var opsPerSecond: Double { seconds > 0 ? Double(ops) / seconds : 0 }
    /// balance_pgdat runs per node index.
    public var kswapdRuns: [Int] { allocator.nodes.map(\.kswapdRuns) }
}

/// A run that ended early: the kernel would have panicked in phase `phase` (0-based, the
/// workload's order; `key` names it as the workload file does, e.g. `phases[1].threads`); the
/// phases after it did not run.
public struct StressStop: Sendable, Equatable {
    public var phase: Int
    public var key: String
    public var panic: OutOfMemoryPanic

    public init(phase: Int, key: String, panic: OutOfMemoryPanic) { self.phase = phase; self.key = key; self.panic = panic }

    /// One line for reports: the kernel's messages and where the run stopped.
    public var reason: String { "\(panic), during \(key)" }
}
