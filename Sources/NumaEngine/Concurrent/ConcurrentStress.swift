import Dispatch
import Foundation
import NumaCore
import NumaProcess
import NumaWorkload
import NumaTopology
import Synchronization

/// The concurrent engine: `threads` host threads play the workload's simulated CPUs on one
/// shared `PageAllocator`, with a kswapd loop per node on its own Dispatch queue and node actors
/// for sysctl steps and snapshots.
///
/// Each workload thread group is split into one task per CPU (its pages shared out evenly);
/// every simulated CPU is owned by exactly one host thread (CPUs dealt round-robin), so a CPU's
/// pagesets and counter rows are touched by nobody else. Host threads interleave their tasks one
/// operation at a time. Results are not reproducible run to run (threads race, as on a real
/// machine); invariants and conservation are checked after every phase.
public struct ConcurrentStress: StressEngine {
    let allocator: PageAllocator
    let machine: SimulatedMachine
    let threads: Int
    var isConcurrent: Bool { true }
    /// The simulated clocks of the phase's tasks (each CPU's thread publishes its own).
    let clocks = PhaseClocks()
    var simulatedNow: Int { clocks.now }
    var simulatedNanoseconds: Int { clocks.now }

    /// A host thread's share of the simulated CPUs and their tasks.
    /// One host thread's state. `current` is written on every step, so the object is padded to
    /// keep its fields off any cache line another host thread's object writes (false sharing
    /// cost 2-thread runs a third of their speed).
    final class HostThread: @unchecked Sendable {
        private let padBefore: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var tasks: [SimulatedTask] = []
        var current: SimulatedTask?
        let index: Int
        private let padAfter: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        init(index: Int) { self.index = index }
    }

    init(machine m: BootedMachine, threads: Int) {
        allocator = PageAllocator(machine: m)
        machine = SimulatedMachine(allocator: allocator, hosts: threads)
        self.threads = threads
    }

    public static func run(machine: BootedMachine, workload: Workload, threads: Int, seed: UInt64,
                           progress: (@Sendable (Int, Int) -> Void)? = nil, observer: StressObserver? = nil) throws -> StressResult {
        precondition(threads >= 1)
        return try ConcurrentStress(machine: machine, threads: threads).run(workload, seed: seed, threads: threads,
                                                                            progress: progress, observer: observer)
    }

    /// Process phases share an mm between threads and a TLB per CPU; they run in the
    /// deterministic engine only.
    func check(_ workload: Workload) throws {
        if let i = workload.phases.firstIndex(where: { if case .processes = $0 { return true } else { return false } }) {
            throw WorkloadRunError(key: workload.key(phase: i, "processes"),
                                   message: "process phases run in the deterministic engine only; drop --threads to run this workload")
        }
        if workload.threads.contains(where: { $0.trace != nil }) {
            // Host threads racing would reorder the events; a replay plays them in the trace's order.
            throw WorkloadRunError(key: "trace", message: "a trace replays in the deterministic engine only; drop --threads")
        }
    }

    /// Every kswapd stopped while `body` changes the machine (no CPU allocates between phases).
    func changeMachine<R>(_ body: () throws -> R) rethrows -> R {
        machine.quiesce()
        defer { machine.resume() }
        return try body()
    }

    func runProcesses(_ phase: Workload.ProcessPhase, seed: UInt64, report: inout AddressSpaceReport, observer: StressObserver?) throws {
        preconditionFailure("refused by check(_:)")
    }

    func runTasks(_ tasks: [SimulatedTask], progress: (@Sendable (Int, Int) -> Void)?, observer: StressObserver?) {
        clocks.begin(tasks)
        ConcurrentStress.runPhase(tasks, threads: threads, allocator: allocator, machine: machine, progress: progress, observer: observer)
        clocks.end()
    }

    /// The tasks exit after the phase's threads joined (kswapd loops go on meanwhile).
    func exitTasks(_ tasks: [SimulatedTask]) {
        for t in tasks { t.exit(allocator) }
    }

    /// The invariants, checked with every kswapd stopped.
    func endRunPhase(_ result: inout StressResult) {
        machine.quiesce()
        result.phaseInvariants.append(allocator.checkInvariants())
        machine.resume()
    }

    func finish() { machine.quiesce() }

    /// One task per CPU of each group; a group's pages are shared out evenly (the first CPUs
    /// take the remainder).
    func makeTasks(_ specs: [Workload.ThreadSpec], seed: UInt64, maxNumNodes: Int) -> [SimulatedTask] {
        var tasks: [SimulatedTask] = []
        for (g, spec) in specs.enumerated() {
            let n = spec.cpus.count
            for (k, cpu) in spec.cpus.enumerated() {
                let pages = spec.allocatePages / n + (k < spec.allocatePages % n ? 1 : 0)
                var s = spec
                if case .random(let live) = spec.free { s.free = .random(livePages: max(1, live / n)) }
                if case .hold(let k) = spec.free { s.free = .hold(allocations: max(1, k / n)) }
                s.opsLimit = spec.opsLimit.map { $0 / n + (k < $0 % n ? 1 : 0) }
                s.vmaStart = spec.vmaStart.map { $0 + k * (spec.allocatePages / max(1, n)) }
                tasks.append(SimulatedTask(spec: s, cpus: [cpu], pages: pages, name: "threads[\(g)] cpu \(cpu)",
                                           seed: seed &+ UInt64(tasks.count) &* 0x9E37_79B9, maxNumNodes: maxNumNodes))
            }
        }
        return tasks
    }

    static func runPhase(_ tasks: [SimulatedTask], threads: Int, allocator a: PageAllocator, machine: SimulatedMachine,
                         progress: (@Sendable (Int, Int) -> Void)?, observer: StressObserver? = nil) {
        let cpus = Array(Set(tasks.flatMap(\.cpus))).sorted()
        let hostCount = min(threads, max(1, cpus.count))
        let hosts = (0..<hostCount).map { HostThread(index: $0) }
        let owner = Dictionary(uniqueKeysWithValues: cpus.enumerated().map { ($0.element, $0.offset % hostCount) })
        for t in tasks { hosts[owner[t.cpus[0]]!].tasks.append(t) }
        let hostOf = Dictionary(uniqueKeysWithValues: tasks.map { (ObjectIdentifier($0), owner[$0.cpus[0]]!) })

        // out_of_memory: `select_bad_process` (OutOfMemory.swift). A victim on the asking thread dies at
        // once (its CPU's pagesets are this thread's); one on another thread dies at its owner's
        // next step, and the asker waits for that (bounded, as the kernel's OOM reaper is).
        let taskOfCPU = OutOfMemory.taskOfCPU(tasks)
        a.oomKiller = { oc in
            let cpu = oc.cpu
            return OutOfMemory.outOfMemory(a, oc, candidates: tasks.map { $0.oomCandidate() }, current: taskOfCPU[cpu],
                                           cpusetsEnabled: a.cgroups.cpusetsEnabled) { i in
                let victim = tasks[i]
                victim.kill()
                let askingHost = owner[cpu].map { hosts[$0] }
                if let askingHost, hostOf[ObjectIdentifier(victim)] == askingHost.index {
                    if victim !== askingHost.current { victim.die(a) }
                    return
                }
                let deadline = DispatchTime.now() + .milliseconds(200)
                while victim.livePages > 0 && DispatchTime.now() < deadline { sched_yield() }
            }
        }
        let total = tasks.reduce(0) { $0 + $1.workLeft }
        let now = ContinuousClock.now
        for t in tasks { t.startClock(now) }
        let done = Atomic<Int>(0)
        let group = DispatchGroup()
        let reporter = observer.map { PhaseReporter($0) }
        for h in hosts {
            group.enter()
            let thread = Thread {
                // Progress is published every 256 steps: one shared counter bumped per step
                // would bounce its cache line between the host threads on every allocation.
                var unpublished = 0
                var steps = 0
                // The task list does not change during the phase: borrowed once, its tasks are
                // stepped without a retain and release each (refcount traffic was a quarter of
                // the hot loop).
                let tasks = h.tasks
                let window = machine.window
                let slot = window.hostSlot(h.index)
                var bound = Int.min
                while true {
                    // The task whose simulated clock is earliest steps next (its own CPU).
                    var next = -1, earliest = Int.max
                    for i in tasks.indices where !tasks[i].isDone && tasks[i].clockNs < earliest {
                        next = i
                        earliest = tasks[i].clockNs
                    }
                    // A kernel panic (out of memory, nothing to kill) stops every CPU.
                    guard next >= 0, !a.hasPanicked else { break }
                    // Publish the clock every step; compare with the slowest actor every 16 steps
                    // or when past the last bound (a kswapd that starts lowers it).
                    if earliest > bound || steps & 15 == 0 { bound = window.advance(slot, to: earliest) } else { window.publish(slot, earliest) }
                    Unmanaged.passUnretained(tasks[next])._withUnsafeGuaranteedRef { t in
                        let before = t.workLeft
                        h.current = t
                        t.step(a)
                        h.current = nil
                        unpublished &+= before - t.workLeft
                        machine.napsMayEnd(at: t.clockNs)
                        machine.kcompactdTimersMayFire(at: t.clockNs, hostSlot: slot)
                    }
                    steps &+= 1
                    if steps & 255 == 0 {
                        done.wrappingAdd(unpublished, ordering: .relaxed)
                        unpublished = 0
                        if t0Progress(h) { progress?(done.load(ordering: .relaxed), total) }
                    }
                }
                window.publish(slot, Int.max)
                done.wrappingAdd(unpublished, ordering: .relaxed)
                // Killed tasks that never stepped again still hold pages: free them here.
                for t in h.tasks where t.isKilled { t.die(a) }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        reporter?.stop()
        a.oomKiller = nil
        progress?(total, total)
    }

    /// Host thread 0 reports progress (one reporter, no contention on the callback).
    @inline(__always) static func t0Progress(_ h: HostThread) -> Bool { h.index == 0 }
}

/// The concurrent engine's simulated time: a phase's tasks start at the previous phase's end,
/// and "now" is the latest clock any of them has published.
final class PhaseClocks: @unchecked Sendable {
    private var tasks: [SimulatedTask] = []
    private var start = 0
    /// Set before the phase's threads start and read after they end (thread start and join order it).
    func begin(_ t: [SimulatedTask]) {
        tasks = t
        for task in t { task.clockNs = start }
    }
    func end() {
        start = now
        tasks = []
    }
    var now: Int { tasks.reduce(start) { max($0, $1.publishedClock) } }
}
