import Dispatch
import Foundation
import NumaCore
import NumaWorkload
import Synchronization

/// The run over time: every N operations (deterministic engine) or T milliseconds (concurrent
/// engine), each populated zone's NR_FREE_PAGES against its min/low/high watermarks (`wmark_pages`,
/// boost included), each node's kswapd (wake-ups, `balance_pgdat` runs, awake or on `kswapd_wait`),
/// where the pages allocated since the previous sample came from, and each zone's free blocks
/// per order and migratetype (/proc/buddyinfo and /proc/pagetypeinfo, `StressObserver+FreeAreas`).
///
/// A sample reads only values other threads may read while the run goes on — kswapd state is
/// atomic, task sums are published by their owners, and each zone's free lists and free count
/// are read under its `zone->lock`, held for a few dozen loads as the kernel's /proc readers
/// hold it — so the concurrent engine's reporter takes no other lock (the kernel's per-CPU vm
/// event rows are read only at the end).
public struct Timeline: Sendable, Codable, Equatable {
    /// The interval asked for: operations (deterministic) or milliseconds (concurrent).
    public var everyOps: Int?
    public var everyMs: Double?
    /// Zones sampled, as `node:Zone`, in the order of each sample's `free`, `min`, `low`, `high`.
    public var zones: [String]
    /// Node ids, in the order of each sample's `kswapd_*` arrays.
    public var nodes: [Int]
    public var samples: [TimelineSample]
    /// Where each workload phase began, when there are two or more (`StressObserver+Phases`).
    public var phases: [PhaseMark]? = nil

    enum CodingKeys: String, CodingKey {
        case everyOps = "every_ops", everyMs = "every_ms", zones, nodes, samples, phases
    }
}

public struct TimelineSample: Sendable, Codable, Equatable {
    /// Operations of all tasks so far, and simulated milliseconds since the run started.
    public var ops: Int
    public var ms: Double
    public var free: [Int]
    public var min: [Int]
    public var low: [Int]
    public var high: [Int]
    /// Cumulative `wakeup_kswapd` wake-ups and `balance_pgdat` runs, and whether kswapd is awake.
    public var kswapdWakeups: [Int]
    public var kswapdRuns: [Int]
    public var kswapdAwake: [Bool]
    /// Cumulative pages allocated, served by another node than the one asked for (fallback),
    /// served by the node of the allocating CPU, and Σ pages × SLIT distance (CPU's node → serving).
    public var pages: Int
    public var fallbackPages: Int
    public var localPages: Int
    public var distancePages: Int
    /// Over the interval since the previous sample: fallback pages / pages, local pages / pages,
    /// page-weighted mean SLIT distance (null when nothing was allocated in the interval).
    public var fallbackRate: Double?
    public var locality: Double?
    public var meanDistance: Double?
    /// Free blocks per order of each zone (/proc/buddyinfo), and per migratetype and order
    /// (/proc/pagetypeinfo), read with `free` under each zone's lock (`StressObserver+FreeAreas`).
    /// Absent from results written before they were added.
    public var buddyinfo: FreeAreaCounts?
    public var pagetypeinfo: FreeAreaCounts?

    enum CodingKeys: String, CodingKey {
        case ops, ms, free, min, low, high
        case kswapdWakeups = "kswapd_wakeups", kswapdRuns = "kswapd_runs", kswapdAwake = "kswapd_awake"
        case pages, fallbackPages = "fallback_pages", localPages = "local_pages", distancePages = "distance_pages"
        case fallbackRate = "fallback_rate", locality, meanDistance = "mean_distance"
        case buddyinfo, pagetypeinfo
    }
}

/// Watches a stress run for the timeline and the live status line. The engines call `beginPhase`
/// and `endPhase` from the thread that runs the workload, and `tick` from one reporter only
/// (the deterministic loop, or the concurrent engine's reporter thread).
public final class StressObserver: @unchecked Sendable {
    /// Sample every this many operations (deterministic engine's ticks).
    public let everyOps: Int
    /// Sample every this many milliseconds (concurrent engine's reporter).
    public let everyMs: Double
    /// Record allocator call latencies in the tasks.
    public let recordLatency: Bool
    /// Called with the latest sample a few times a second (the live status line).
    public let status: (@Sendable (TimelineSample, Timeline) -> Void)?
    public let statusInterval: Double

    /// Called on the engine's thread when a run phase's tasks are done (`exited` false), and
    /// again after `free: at_exit` groups gave their pages back (`exited` true): tests and
    /// reports read per-phase counter deltas here.
    public var onPhaseEnd: ((PageAllocator, _ exited: Bool) -> Void)?
    public private(set) var timeline = Timeline(zones: [], nodes: [], samples: [])
    var zoneRefs: [Zone] = []
    var nodes: [PGData] = []
    var runs: () -> [Int] = { [] }
    /// The engine's simulated time now, in ns.
    var clock: () -> Int = { 0 }
    var tasks: [SimulatedTask] = []
    /// The running sums of a process phase (its operations and the placement of the pages its
    /// faults allocated), which has no `SimulatedTask`s.
    var processSums: (() -> PlacementSums)?
    var earlier = PlacementSums()
    var lastOps = 0
    var lastStatus = 0.0
    var ticks = 0
    let start = DispatchTime.now().uptimeNanoseconds

    public init(everyOps: Int = 1000, everyMs: Double = 20, recordLatency: Bool = false,
                statusInterval: Double = 0.2, status: (@Sendable (TimelineSample, Timeline) -> Void)? = nil) {
        self.everyOps = Swift.max(1, everyOps)
        self.everyMs = Swift.max(1, everyMs)
        self.recordLatency = recordLatency
        self.statusInterval = statusInterval
        self.status = status
    }

    var elapsedMs: Double { Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e6 }

    /// A run phase starts with these tasks; `kswapdRuns` reads the engine's balance_pgdat counts.
    /// `concurrent`: the phase is sampled by time (the reporter thread), not by operations.
    func beginPhase(_ a: PageAllocator, tasks: [SimulatedTask], concurrent: Bool = false, clock: @escaping () -> Int = { 0 },
                    kswapdRuns: @escaping () -> [Int]) {
        self.clock = clock
        if concurrent { timeline.everyMs = everyMs } else { timeline.everyOps = everyOps }
        setUpZones(a)
        runs = kswapdRuns
        if recordLatency { for t in tasks where t.latency == nil { t.latency = OpLatency() } }
        self.tasks = tasks
        if timeline.samples.isEmpty { sample(force: true) }
    }

    /// The timeline's phase marks (`StressObserver+Phases`).
    func setPhases(_ marks: [PhaseMark]) { timeline.phases = marks }

    /// The zones and nodes the timeline samples, fixed by the first phase that samples.
    func setUpZones(_ a: PageAllocator) {
        guard zoneRefs.isEmpty else { return }
        for (n, id) in a.nodeIDs.enumerated() {
            for z in a.nodes[n].zones where z.managed > 0 {
                zoneRefs.append(z)
                timeline.zones.append("\(id):\(z.name)")
            }
        }
        timeline.nodes = a.nodeIDs
        nodes = a.nodes
    }

    /// The phase's tasks are done: a closing sample, and their sums become history.
    func endPhase() {
        sample(force: true)
        earlier = earlier + currentSums()
        tasks = []
        processSums = nil
    }

    func currentSums() -> PlacementSums { tasks.reduce(processSums?() ?? PlacementSums()) { $0 + $1.publishedSums } }

    /// A process phase starts (deterministic engine): `sums` reads its processes' sums.
    func beginProcessPhase(_ a: PageAllocator, clock: @escaping () -> Int, kswapdRuns: @escaping () -> [Int],
                           sums: @escaping () -> PlacementSums) {
        processSums = sums
        beginPhase(a, tasks: [], clock: clock, kswapdRuns: kswapdRuns)
    }

    /// Deterministic engine: called once per round; samples when `everyOps` operations passed.
    func tick() {
        ticks &+= 1
        let ops = earlier.ops + (processSums?().ops ?? 0) + tasks.reduce(0) { $0 + $1.publishedOps }
        if ops - lastOps >= everyOps {
            sample()
        } else if status != nil, ticks & 63 == 0, elapsedMs - lastStatus >= statusInterval * 1000 {
            sample(keep: false)
        }
    }

    /// Concurrent engine: the reporter thread's loop until `done` says the phase is over.
    func report(until done: () -> Bool) {
        var nextSample = elapsedMs + everyMs
        while !done() {
            // Sleep until the next sample (or status redraw) is due: on a machine with as many
            // cores as host threads every wake-up of this thread preempts one of them.
            var due = nextSample
            if status != nil { due = Swift.min(due, lastStatus + statusInterval * 1000) }
            let wait = Swift.min(Swift.max(0.5, due - elapsedMs), 50)
            usleep(UInt32(wait * 1000))
            let now = elapsedMs
            if now >= nextSample {
                sample()
                nextSample = now + everyMs
            } else if status != nil, now - lastStatus >= statusInterval * 1000 {
                sample(keep: false)
            }
        }
    }

    func sample(keep: Bool = true, force: Bool = false) {
        let sums = earlier + currentSums()
        let prev = timeline.samples.last
        let dp = sums.pages - (prev?.pages ?? 0)
        // A kept sample reads each zone's free lists with its free count (`+FreeAreas`); the
        // status line's throw-away samples read only the atomics.
        let areas = keep ? captureFreeAreas(previous: prev) : nil
        var s = TimelineSample(
            ops: sums.ops, ms: Double(clock()) / 1e6,
            free: areas?.free ?? zoneRefs.map(\.nrFreePages), min: zoneRefs.map { $0.watermarkPages(.min) },
            low: zoneRefs.map { $0.watermarkPages(.low) }, high: zoneRefs.map { $0.watermarkPages(.high) },
            kswapdWakeups: nodes.map(\.kswapdWakeups), kswapdRuns: runs(), kswapdAwake: nodes.map { !$0.reclaim.isKswapdSleeping },
            pages: sums.pages, fallbackPages: sums.missPages, localPages: sums.localPages, distancePages: sums.distancePages)
        if dp > 0 {
            s.fallbackRate = Double(sums.missPages - (prev?.fallbackPages ?? 0)) / Double(dp)
            s.locality = Double(sums.localPages - (prev?.localPages ?? 0)) / Double(dp)
            s.meanDistance = Double(sums.distancePages - (prev?.distancePages ?? 0)) / Double(dp)
        }
        s.buddyinfo = areas?.buddyinfo
        s.pagetypeinfo = areas?.pagetypeinfo
        if keep {
            timeline.samples.append(s)
            lastOps = sums.ops
        }
        // The status line is redrawn a few times a second, not at every sample; the first and
        // the closing sample of a phase always show.
        let now = elapsedMs
        if let status, force || !keep || now - lastStatus >= statusInterval * 1000 {
            lastStatus = now
            status(s, timeline)
        }
    }
}

/// The concurrent engine's single reporter: a thread that samples for the observer while a
/// phase's host threads run, stopped (and joined) before the phase's results are read.
final class PhaseReporter: @unchecked Sendable {
    let finished = Atomic<Bool>(false)
    let exited = DispatchSemaphore(value: 0)

    init(_ observer: StressObserver) {
        let thread = Thread { [self] in
            observer.report { self.finished.load(ordering: .acquiring) }
            self.exited.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    func stop() {
        finished.store(true, ordering: .releasing)
        exited.wait()
    }
}
