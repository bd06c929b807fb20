import NumaCore
import NumaMM

/// What the process phases of a run did: the processes (those with `exit: false` still hold
/// their memory and page tables) and the CPUs' TLB numbers.
public struct AddressSpaceReport: Sendable {
    public var processes: [SimulatedProcess] = []
    /// Summed over every CPU's TLB and every process phase (numasim-only numbers: the kernel has
    /// no TLB hit/miss counters).
    public var tlb = TLB.Statistics()
    /// mm switches on a CPU (`switch_mm_irqs_off` with a different mm), and how many of them
    /// flushed the TLB (all of them without PCID).
    public var contextSwitches = 0
    public var contextSwitchFlushes = 0
    /// `nr_tlb_*` (kernel names; vmstat lines only with CONFIG_DEBUG_TLBFLUSH).
    public var tlbFlushes = TLBFlushEvents()
    /// Steps run: one per access of a touch, one per other step.
    public var ops = 0

    public init() {}

    public var faults: Int { processes.reduce(0) { $0 + $1.stats.faults } }
    public var majorFaults: Int { processes.reduce(0) { $0 + $1.stats.majorFaults } }
    public var pagesAllocated: Int { processes.reduce(0) { $0 + $1.stats.pagesAllocated } }
    public var tablePagesAllocated: Int { processes.reduce(0) { $0 + $1.stats.tablePagesAllocated } }
    public var killed: [String] { processes.filter(\.killed).map(\.name) }
    public var failures: [String: Int] {
        processes.reduce(into: [:]) { acc, p in for (k, v) in p.stats.failures { acc[k, default: 0] += v } }
    }

    /// The process called `name` (the last one, if several phases reused the name).
    public func process(named name: String) -> SimulatedProcess? { processes.last { $0.name == name } }
}

/// A process step that failed, with where it was in the workload.
public struct ProcessStepError: Error, CustomStringConvertible {
    public var process: String
    public var thread: String
    public var step: Int
    public var kind: String
    public var underlying: String
    public var description: String {
        "process '\(process)' \(thread) steps[\(step)] (\(kind)): \(underlying)"
    }
}

/// Runs one `processes:` phase in the deterministic engine: every thread of every process takes
/// one operation per round (one access of a touch, or one whole other step) in workload order;
/// a thread runs on its CPU, so a CPU shared by threads of different processes switches mm (and,
/// without PCID, loses its TLB) whenever the other process's thread takes its turn. Woken kswapds
/// run after each operation, as for thread groups.
public enum ProcessPhaseRunner {
    /// The frame the shared zero page stands for: `empty_zero_page` lives in the kernel image,
    /// which starts at CONFIG_PHYSICAL_START (16 MiB) — frame 0x1000. Symbolic: the model does not
    /// reserve the image, and the page is never allocated or freed.
    static let zeroPfn = 0x1000

    public static func run(_ phase: Workload.ProcessPhase, allocator a: PageAllocator, seed: UInt64,
                    afterEachOperation: () -> Void, report: inout AddressSpaceReport) throws {
        let topology = a.machine.topology
        let mode = PagingMode(arch: topology.arch, kernel: topology.kernel).withPageTableIsolation()
        let maxNumNodes = topology.kernel.maxNumNodes
        let tlbs = CPUTLBs(config: phase.tlb, allocator: a)
        var processes: [SimulatedProcess] = []
        var threads: [ProcessThread] = []
        for (i, spec) in phase.processes.enumerated() {
            let main = spec.threads[0]
            let p = try SimulatedProcess(
                name: spec.name, asid: report.processes.count + i + 1, mode: mode, allocator: a, cpu: main.cpu,
                policy: main.policy, zeroPfn: zeroPfn, exitsAtPhaseEnd: spec.exits)
            processes.append(p)
            for m in spec.mmaps { try p.mmap(m) }
            for (k, t) in spec.threads.enumerated() {
                let thread = ProcessThread(name: "threads[\(k)] (cpu \(t.cpu))", spec: t, process: p,
                                           seed: seed &+ UInt64(threads.count) &* 0x9E37_79B9, maxNumNodes: maxNumNodes)
                p.threads.append(thread)
                threads.append(thread)
            }
        }
        let running = RunningProcess()
        let all = processes
        // out_of_memory → oom_kill_process: the process with the most resident pages.
        a.oomKiller = { _ in
            guard let victim = all.filter({ !$0.killed && !$0.exited }).max(by: { $0.residentPages < $1.residentPages }),
                  victim.residentPages > 0 else { return false }
            victim.killed = true
            // The victim's memory goes now unless it is the faulting process (it dies after its step).
            if victim !== running.process {
                victim.exit(cpu: victim.mainCPU)
                tlbs.exit(asid: victim.asid, cpu: victim.mainCPU)
            }
            return true
        }
        defer { a.oomKiller = nil }
        var active = true
        while active {
            active = false
            for t in threads where !t.isDone {
                active = true
                running.process = t.process
                try step(t, tlbs: tlbs, maxNumNodes: maxNumNodes)
                running.process = nil
                report.ops += 1
                // A finished thread leaves its CPU idle unless another thread still runs there.
                if t.isDone && !threads.contains(where: { $0.cpu == t.cpu && !$0.isDone }) { tlbs.goIdle(cpu: t.cpu) }
                if t.process.killed && !t.process.exited {
                    a.count(.oomKill, cpu: t.cpu)
                    t.process.exit(cpu: t.cpu)
                    tlbs.exit(asid: t.process.asid, cpu: t.cpu)
                }
                afterEachOperation()
            }
        }
        for p in processes where p.exitsAtPhaseEnd && !p.exited {
            p.exit(cpu: p.mainCPU)
            tlbs.exit(asid: p.asid, cpu: p.mainCPU)
        }
        report.processes += processes
        let s = tlbs.statistics
        report.tlb.hits += s.hits
        report.tlb.misses += s.misses
        report.tlb.evictions += s.evictions
        report.tlb.fullFlushes += s.fullFlushes
        report.tlb.pageFlushes += s.pageFlushes
        report.tlb.globalFlushes += s.globalFlushes
        report.contextSwitches += tlbs.contextSwitches
        report.contextSwitchFlushes += tlbs.contextSwitchFlushes
        report.tlbFlushes = report.tlbFlushes + tlbs.flushEvents
    }

    /// One operation of `t`.
    static func step(_ t: ProcessThread, tlbs: CPUTLBs, maxNumNodes: Int) throws {
        let p = t.process
        let index = t.stepIndex
        let s = t.steps[index]
        func fail(_ kind: String, _ e: Error) -> ProcessStepError {
            ProcessStepError(process: p.name, thread: t.name, step: index, kind: kind, underlying: "\(e)")
        }
        tlbs.switchTo(p.asid, cpu: t.cpu)
        switch s {
        case .touch(let spec):
            do {
                if t.touchPlan == nil {
                    let (start, end) = try p.resolve(spec.range, step: "touch")
                    t.touchPlan = TouchPlan(start: start, end: end, spec: spec, rng: &t.rng)
                    t.touchDone = 0
                }
                let plan = t.touchPlan!
                if t.touchDone < plan.total {
                    try p.access(plan.address(t.touchDone), write: plan.write, thread: t, tlbs: tlbs)
                    t.touchDone += 1
                }
                if t.touchDone >= plan.total {
                    t.touchPlan = nil
                    t.stepIndex += 1
                }
            } catch { throw fail("touch", error) }
            return
        case .mmap(let spec):
            do { try p.mmap(spec) } catch { throw fail("mmap", error) }
        case .munmap(let ref):
            do {
                let (start, end) = try p.resolve(ref, step: "munmap")
                try p.munmap(start: start, end: end, thread: t, tlbs: tlbs)
            } catch { throw fail("munmap", error) }
        case .mbind(let ref, let policy):
            do {
                let (start, end) = try p.resolve(ref, step: "mbind")
                try p.mbind(start: start, end: end, policy: policy)
            } catch { throw fail("mbind", error) }
        case .setMempolicy(let policy):
            // do_set_mempolicy: a new interleave policy restarts the task counter.
            t.policy = policy
            t.interleave = InterleaveState(maxNumNodes: maxNumNodes)
        case .migrate(let ref, let node):
            do {
                let (start, end) = try p.resolve(ref, step: "migrate")
                try p.migrate(start: start, end: end, to: node, thread: t, tlbs: tlbs)
            } catch { throw fail("migrate", error) }
        }
        t.stepIndex += 1
    }
}

/// The process whose thread is being stepped (the OOM killer must not free it mid-step).
final class RunningProcess: @unchecked Sendable {
    var process: SimulatedProcess?
}

extension AddressSpaceReport {
    /// Pages allocated for processes: data pages (faults, migration) and page-table pages.
    public var allocations: Int { pagesAllocated + tablePagesAllocated }
    public var frees: Int { processes.reduce(0) { $0 + $1.stats.pagesFreed + $1.stats.tablePagesFreed } }

    /// The stress command's text lines for process phases (empty without processes).
    public var summaryText: String {
        guard !processes.isEmpty else { return "" }
        var out = "\naddress spaces: \(processes.count) process(es), pgfault \(faults), pgmajfault \(majorFaults)"
        out += ", TLB hits \(tlb.hits) misses \(tlb.misses), mm switches \(contextSwitches) (\(contextSwitchFlushes) flushing)\n"
        let f = tlbFlushes
        out += "  TLB flushes (CONFIG_DEBUG_TLBFLUSH names): nr_tlb_local_flush_one \(f.localFlushOne), nr_tlb_local_flush_all \(f.localFlushAll), "
            + "nr_tlb_remote_flush \(f.remoteFlush), nr_tlb_remote_flush_received \(f.remoteFlushReceived)\n"
        for p in processes {
            let s = p.stats
            out += "  \(p.name): \(s.accesses) accesses, \(s.faults) faults (\(s.majorFaults) major, \(s.zeroPageFaults) zero-page, "
                + "\(s.wpFaults) copy-on-write), data pages \(s.pagesAllocated) allocated / \(s.pagesFreed) freed, "
                + "page-table pages \(s.tablePagesAllocated) / \(s.tablePagesFreed)"
            if s.migrated + s.migrateFailed > 0 { out += ", migrated \(s.migrated) (failed \(s.migrateFailed))" }
            out += p.exited ? (p.killed ? ", OOM-killed" : ", exited") : ", alive: \(p.residentPages) pages mapped, \(p.tablePages) table pages"
            out += "\n"
        }
        return out
    }

    /// The JSON view (`address_spaces` in `numasim stress --json`).
    public struct JSON: Codable, Sendable {
        public struct Process: Codable, Sendable {
            public var name: String
            public var accesses, faults, major_faults, zero_page_faults, cow_faults: Int
            public var pages_allocated, pages_freed, table_pages_allocated, table_pages_freed: Int
            public var migrated, migrate_failed, resident_pages, table_pages: Int
            public var exited, oom_killed: Bool
        }
        public var processes: [Process]
        public var pgfault, pgmajfault: Int
        public var tlb_hits, tlb_misses, tlb_evictions, mm_switches, mm_switch_flushes: Int
        public var nr_tlb_local_flush_one, nr_tlb_local_flush_all, nr_tlb_remote_flush, nr_tlb_remote_flush_received: Int
    }

    public var json: JSON {
        JSON(processes: processes.map { p in
            let s = p.stats
            return JSON.Process(
                name: p.name, accesses: s.accesses, faults: s.faults, major_faults: s.majorFaults,
                zero_page_faults: s.zeroPageFaults, cow_faults: s.wpFaults, pages_allocated: s.pagesAllocated,
                pages_freed: s.pagesFreed, table_pages_allocated: s.tablePagesAllocated,
                table_pages_freed: s.tablePagesFreed, migrated: s.migrated, migrate_failed: s.migrateFailed,
                resident_pages: p.residentPages, table_pages: p.exited ? 0 : p.tablePages, exited: p.exited,
                oom_killed: p.killed)
        }, pgfault: faults, pgmajfault: majorFaults, tlb_hits: tlb.hits, tlb_misses: tlb.misses,
             tlb_evictions: tlb.evictions, mm_switches: contextSwitches, mm_switch_flushes: contextSwitchFlushes,
             nr_tlb_local_flush_one: tlbFlushes.localFlushOne, nr_tlb_local_flush_all: tlbFlushes.localFlushAll,
             nr_tlb_remote_flush: tlbFlushes.remoteFlush, nr_tlb_remote_flush_received: tlbFlushes.remoteFlushReceived)
    }
}
