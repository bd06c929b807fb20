import NumaCore
import NumaMM
import NumaProcess
import NumaWorkload

/// A process step that failed, with where it was in the workload.
extension WorkloadRunError {
    /// A process step that failed: `processes[i].threads[k].steps[s]` (within its phase); the
    /// message names the step kind and what failed (the process and thread say themselves).
    init(processIndex: Int, threadIndex: Int, step: Int, kind: String, underlying: String) {
        self.init(key: "processes[\(processIndex)].threads[\(threadIndex)].steps[\(step)]",
                  message: "\(kind): \(underlying)")
    }
}

/// Runs one `processes:` phase in the deterministic engine: every thread is an actor of the
/// discrete-event scheduler with its own clock (`ProcessPhaseRunner+Clock.swift`), taking one
/// operation per event (one access of a touch, or one whole other step) while each node's
/// kswapd runs on the clock. A thread runs on its CPU, so a CPU shared by threads of different
/// processes switches mm (and, without PCID, loses its TLB) whenever the other process's
/// thread takes its turn. Without a scheduler (unit tests) the threads take turns in workload
/// order and no kswapd runs.
enum ProcessPhaseRunner {
    static func run(_ phase: Workload.ProcessPhase, allocator a: PageAllocator, seed: UInt64,
                    scheduler: DiscreteEventScheduler?, report: inout AddressSpaceReport, observer: StressObserver? = nil) throws {
        let topology = a.machine.topology
        // Address spaces model 4-level (and 32-bit) page tables only; 5-level (LA57) would move
        // PAGE_OFFSET, vmemmap and the user/kernel split.
        guard topology.paging == .fourLevel else {
            throw WorkloadRunError(key: "processes", message: "process phases model 4-level page tables; the topology's paging: 5-level is not modelled for address spaces (numasim models 5-level paging only for the physical address limit)")
        }
        let mode = PagingMode(arch: topology.arch, kernel: topology.kernel).withPageTableIsolation()
        let maxNumNodes = topology.kernel.maxNumNodes
        let context = ProcessPhaseContext(tlbs: CPUTLBs(config: phase.tlb, allocator: a), maxNumNodes: maxNumNodes)
        var processes: [SimulatedProcess] = []
        var threads: [ThreadProgram] = []
        for (i, spec) in phase.processes.enumerated() {
            // Policies as set inside the process's cpuset (CgroupPlacement).
            let policies = try spec.threads.enumerated().map { k, t in
                try CgroupPlacement.policy(t.policy, cgroup: spec.cgroup, allocator: a,
                                           key: "processes[\(i)].threads[\(k)].policy")
            }
            let p: SimulatedProcess
            do {
                p = try SimulatedProcess(
                    name: spec.name, asid: report.processes.count + i + 1, mode: mode, allocator: a, cpu: spec.threads[0].cpu,
                    policy: policies[0], zeroPfn: SimulatedProcess.zeroPagePfn, exitsAtPhaseEnd: spec.exits)
            } catch { throw WorkloadRunError(key: "processes[\(i)]", message: "\(error)") }
            if a.cgroups.cpusetsEnabled { p.memsAllowed = a.cgroups.memsAllowed(of: spec.cgroup) }
            p.memcg = spec.cgroup.flatMap { a.cgroups[$0]?.memory }
            processes.append(p)
            for (k, m) in spec.mmaps.enumerated() {
                do { try p.mmap(m) } catch { throw WorkloadRunError(key: "processes[\(i)].mmap[\(k)]", message: "\(error)") }
            }
            for (k, t) in spec.threads.enumerated() {
                let thread = ProcessThread(name: "threads[\(k)] (cpu \(t.cpu))", cpu: t.cpu, policy: policies[k], process: p,
                                           maxNumNodes: maxNumNodes)
                p.add(thread)
                threads.append(ThreadProgram(thread: thread, steps: t.steps, seed: seed &+ UInt64(threads.count) &* 0x9E37_79B9,
                                             processIndex: i, threadIndex: k, context: context))
            }
        }
        context.threads = threads
        let tlbs = context.tlbs
        let all = processes
        // out_of_memory → select_bad_process (OutOfMemory.swift) → oom_kill_process.
        let specs = phase.processes
        let cpusets = a.cgroups.cpusetsEnabled
        a.oomKiller = { oc in
            let candidates = zip(all, specs).map { p, spec in
                OOMCandidate(name: p.name, pages: p.oomBadnessPages, oomScoreAdj: spec.oomScoreAdj,
                             bindNodes: p.threads.map { $0.policy.mode == .bind ? $0.policy.nodes : nil },
                             memsAllowed: p.memsAllowed, memcg: spec.cgroup, isVictim: p.killed && !p.exited)
            }
            let current = context.running.flatMap { r in all.firstIndex { $0 === r } }
            return OutOfMemory.outOfMemory(a, oc, candidates: candidates, current: current, cpusetsEnabled: cpusets,
                                           now: scheduler?.now) { i in
                let victim = all[i]
                victim.killed = true
                // The victim's memory goes now unless it is the faulting process (it dies after its step).
                if victim !== context.running {
                    victim.exit(cpu: victim.mainCPU)
                    tlbs.exit(asid: victim.asid, cpu: victim.mainCPU)
                }
            }
        }
        defer { a.oomKiller = nil }
        if let scheduler {
            // Memory tiers over simulated time, a sample every interval (and at both ends).
            var tiers = report.tiers ?? TierTimeline(a)
            let interval = Int(tiers.intervalMs * 1e6)
            tiers.sample(a, atNanoseconds: scheduler.latest)
            var nextSample = (scheduler.latest / interval + 1) * interval
            // The run's timeline (free pages, kswapd, placement) samples process phases too.
            let all = processes
            observer?.beginProcessPhase(a, clock: { scheduler.latest }, kswapdRuns: { a.nodes.map(\.kswapdRuns) }) {
                all.reduce(PlacementSums(ops: context.ops)) { sum, p in
                    guard let pl = p.placement else { return sum }
                    return sum + PlacementSums(pages: pl.pages, missPages: pl.missPages, localPages: pl.localPages,
                                               distancePages: pl.distancePages)
                }
            }
            defer { observer?.endPhase() }
            scheduler.run(threads, continuing: false, finishingIterations: true) {
                observer?.tick()
                let now = scheduler.now
                guard now >= nextSample else { return }
                tiers.sample(a, atNanoseconds: now)
                nextSample = (now / interval + 1) * interval
            }
            tiers.sample(a, atNanoseconds: scheduler.latest)
            report.tiers = tiers
        } else {
            var active = true
            while active && !a.hasPanicked {
                active = false
                for t in threads where !t.isDone && !a.hasPanicked {
                    active = true
                    t.advance(a)
                }
            }
        }
        if let error = context.error { throw error }
        // After a panic nothing exits: the report shows the machine as it stopped.
        for p in processes where p.exitsAtPhaseEnd && !p.exited && !a.hasPanicked {
            p.exit(cpu: p.mainCPU)
            tlbs.exit(asid: p.asid, cpu: p.mainCPU)
        }
        report.ops += context.ops
        report.hotSets += context.hotSets
        report.processes += processes
        report.tlb = report.tlb + tlbs.statistics
        report.contextSwitches += tlbs.contextSwitches
        report.contextSwitchFlushes += tlbs.contextSwitchFlushes
        report.tlbFlushes = report.tlbFlushes + tlbs.flushEvents
    }

    /// One operation of `t`.
    static func step(_ program: ThreadProgram, tlbs: CPUTLBs, maxNumNodes: Int) throws {
        let t = program
        let p = t.thread.process
        let index = t.stepIndex
        let s = t.steps[index]
        func fail(_ kind: String, _ e: Error) -> WorkloadRunError {
            WorkloadRunError(processIndex: t.processIndex, threadIndex: t.threadIndex, step: index, kind: kind, underlying: "\(e)")
        }
        tlbs.switchTo(p.asid, cpu: t.thread.cpu)
        switch s {
        case .touch(let spec):
            do {
                if t.touchPlan == nil {
                    let (start, end) = try p.resolve(spec.range, step: "touch")
                    t.touchPlan = TouchPlan(start: start, end: end, spec: spec, rng: &t.rng)
                    t.touchDone = 0
                    t.touchDeadline = spec.durationNs.map { t.clockNs &+ $0 }
                }
                let plan = t.touchPlan!
                if t.touchDone < plan.total {
                    t.lastAccess = plan.address(t.touchDone, rng: &t.rng)
                    try p.access(t.lastAccess!, write: plan.write, thread: t.thread, tlbs: tlbs)
                    t.touchDone += 1
                    t.thinkNs = spec.thinkNs
                }
                if t.touchDone >= plan.total || t.touchDeadline.map({ t.clockNs >= $0 }) == true {
                    if let hot = plan.hotSet {
                        let where_ = p.placement(from: hot.start, pages: hot.pages, node: p.allocatorNode(ofCPU: t.thread.cpu))
                        t.context.hotSets.append(HotSetPlacement(
                            process: p.name, step: "processes[\(t.processIndex)].threads[\(t.threadIndex)].steps[\(index)]",
                            pages: hot.pages, resident: where_.resident, topTier: where_.topTier, onCPUNode: where_.onNode))
                    }
                    t.touchPlan = nil
                    t.touchDeadline = nil
                    t.stepIndex += 1
                }
            } catch { throw fail("touch", error) }
            return
        case .mmap(let spec):
            do { try p.mmap(spec) } catch { throw fail("mmap", error) }
        case .munmap(let ref):
            do {
                let (start, end) = try p.resolve(ref, step: "munmap")
                try p.munmap(start: start, end: end, thread: t.thread, tlbs: tlbs)
            } catch { throw fail("munmap", error) }
        case .mbind(let ref, let policy, let move):
            do {
                let (start, end) = try p.resolve(ref, step: "mbind")
                if move {
                    p.recordMoves(try p.mbindMove(start: start, end: end, policy: policy, thread: t.thread, tlbs: tlbs))
                } else {
                    try p.mbind(start: start, end: end, policy: policy)
                }
            } catch { throw fail("mbind", error) }
        case .migratePages(let from, let to):
            do { p.recordMoves(try p.migratePages(from: from, to: to, thread: t.thread, tlbs: tlbs)) } catch { throw fail("migrate_pages", error) }
        case .setMempolicy(let policy):
            // do_set_mempolicy: a new interleave policy restarts the task counter.
            t.thread.setMempolicy(policy, maxNumNodes: maxNumNodes)
        case .migrate(let ref, let node):
            do {
                let (start, end) = try p.resolve(ref, step: "migrate")
                p.recordMoves(try p.migrate(start: start, end: end, to: node, thread: t.thread, tlbs: tlbs))
            } catch { throw fail("migrate", error) }
        case .madvise(let spec):
            do {
                let (start, end) = try p.resolve(spec.range, step: "madvise")
                switch spec.advice {
                case .dontneed:
                    try p.madviseDontneed(start: start, end: end, dropPage: spec.select.matches, dropSwapped: spec.select == .all,
                                          thread: t.thread, tlbs: tlbs)
                case .hugepage, .nohugepage:
                    try p.madviseHugepage(start: start, end: end, hugepage: spec.advice == .hugepage)
                }
            } catch { throw fail("madvise", error) }
        }
        t.stepIndex += 1
    }
}

/// What a process thread runs: its workload steps, the step under way and how far a touch
/// step's accesses got (the thread itself, `ProcessThread`, is the kernel's side), and its
/// simulated clock.
final class ThreadProgram {
    let thread: ProcessThread
    let steps: [Workload.ProcessStep]
    var stepIndex = 0
    var touchDone = 0
    var touchPlan: TouchPlan?
    /// When a `duration:` touch ends (the thread's clock), and the think time of the last access.
    var touchDeadline: Int?
    var thinkNs = 0
    /// The address the last operation accessed (a touch step's), for its memory latency.
    var lastAccess: UInt64?
    var rng: SplitMix64
    /// Where the thread stands in its phase (`processes[processIndex].threads[threadIndex]`).
    let processIndex: Int, threadIndex: Int
    unowned let context: ProcessPhaseContext
    var clockNs = 0

    init(thread: ProcessThread, steps: [Workload.ProcessStep], seed: UInt64, processIndex: Int, threadIndex: Int,
         context: ProcessPhaseContext) {
        self.thread = thread
        self.steps = steps
        rng = SplitMix64(seed: seed)
        self.processIndex = processIndex
        self.threadIndex = threadIndex
        self.context = context
    }

    var isDone: Bool { stepIndex >= steps.count || thread.process.killed || thread.process.exited || context.error != nil }
}

/// What a `processes:` phase's threads share: the CPUs' TLBs, the process being stepped (the
/// OOM killer must not free it mid-step), the operation count and the first error (which ends
/// the phase). Used by the deterministic engine's one thread only.
final class ProcessPhaseContext: @unchecked Sendable {
    let tlbs: CPUTLBs
    let maxNumNodes: Int
    var threads: [ThreadProgram] = []
    var running: SimulatedProcess?
    var ops = 0
    var hotSets: [HotSetPlacement] = []
    var error: Error?

    init(tlbs: CPUTLBs, maxNumNodes: Int) {
        self.tlbs = tlbs
        self.maxNumNodes = maxNumNodes
    }
}

extension SimulatedProcess {
    /// A workload mapping (`mmaps:` or an `mmap` step) as mmap(2) on the process.
    @discardableResult
    public func mmap(_ spec: Workload.MmapSpec) throws -> UInt64 {
        if spec.hugetlb { return try mmapHugeTLB(name: spec.name, length: spec.length, at: spec.address, flags: spec.flags, policy: spec.policy, cpu: mainCPU) }
        let start = try mmap(name: spec.name, length: spec.length, at: spec.address, flags: spec.flags, kind: spec.kind,
                             fileOffset: spec.fileOffset, policy: spec.policy)
        if let advice = spec.advise { try madviseHugepage(start: start, end: start + ((spec.length + 0xfff) & ~0xfff), hugepage: advice == .hugepage) }
        return start
    }

    /// The address range a workload step names.
    public func resolve(_ ref: Workload.RangeRef, step: String) throws -> (start: UInt64, end: UInt64) {
        try resolve(vma: ref.vma, offset: ref.offset, length: ref.length, step: step)
    }
}

extension CPUTLBs {
    /// Every CPU's TLB as a process phase's `tlb:` describes it.
    public convenience init(config: Workload.TLBConfig, allocator: PageAllocator) {
        self.init(entries: config.entries, ways: config.ways, pcid: config.pcid, allocator: allocator)
    }
}
