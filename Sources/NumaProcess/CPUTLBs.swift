import NumaCore
import NumaMM

/// Every simulated CPU's TLB and the mm loaded on it (`cpu_tlbstate.loaded_mm`), with the
/// switches and flushes of arch/x86/mm/tlb.c:
///
/// * `switchTo` is `switch_mm_irqs_off`: running a thread of another process on a CPU loads its
///   CR3, which without PCID drops every non-global entry. The kernel counts no vmstat event for
///   it; numasim counts `contextSwitches` and `contextSwitchFlushes` (numasim-only numbers).
/// * `flushRange` is `flush_tlb_mm_range`: on the initiating CPU, if the mm is loaded there,
///   `flush_tlb_func` — at most `tlb_single_page_flush_ceiling` (33) pages one by one, counted as
///   `nr_tlb_local_flush_one` per page, else everything, `nr_tlb_local_flush_all`; every other
///   CPU with the mm loaded (`mm_cpumask`; x86 clears a CPU from it when it switches away) gets
///   one IPI: `nr_tlb_remote_flush` once, `nr_tlb_remote_flush_received` per CPU, and flushes
///   without counting a local event. These are vmstat lines only with CONFIG_DEBUG_TLBFLUSH, which
///   Debian's 6.1 (the kernel samples) lacks, so numasim keeps them here (`flushEvents`, under the
///   kernel's names) and not in its /proc/vmstat.
///   A CPU whose thread has finished is idle in lazy-TLB mode (the mm stays loaded): it gets the
///   IPI only when page tables were freed (`native_flush_tlb_multi`: `tlb_is_not_lazy` otherwise),
///   and otherwise flushes when it next leaves lazy mode (`tlb_gen`) — dropped at once here.
/// * With PCID, CPUs that switched away keep entries tagged with the mm; the kernel flushes them
///   when it next loads the mm (its `tlb_gen` moved on); the model drops them at once.
public final class CPUTLBs: @unchecked Sendable {
    private(set) var tlbs: [Int: TLB] = [:]
    /// The asid loaded per CPU (absent: none yet, or the mm exited).
    private(set) var loaded: [Int: Int] = [:]
    /// CPUs idle in lazy-TLB mode (their thread finished; the mm is still loaded).
    private(set) var lazy: Set<Int> = []
    /// Every CPU's TLB geometry (entries, ways) and whether PCID tags entries with the mm.
    let entries: Int, ways: Int, pcid: Bool
    let allocator: PageAllocator
    public internal(set) var contextSwitches = 0
    public internal(set) var contextSwitchFlushes = 0
    /// `NR_TLB_*` events (include/linux/vm_event_item.h under CONFIG_DEBUG_TLBFLUSH).
    public internal(set) var flushEvents = TLBFlushEvents()

    public init(entries: Int, ways: Int, pcid: Bool, allocator: PageAllocator) {
        self.entries = entries
        self.ways = ways
        self.pcid = pcid
        self.allocator = allocator
    }

    /// The TLB of `cpu` (created empty on first use).
    func withTLB<R>(_ cpu: Int, _ body: (inout TLB) throws -> R) rethrows -> R {
        if tlbs[cpu] == nil { tlbs[cpu] = TLB(entries: entries, ways: ways, pcid: pcid, asid: -1) }
        return try body(&tlbs[cpu]!)
    }

    /// `switch_mm_irqs_off` when `cpu` runs a thread of `asid`. Returns whether a switch happened.
    @discardableResult
    public func switchTo(_ asid: Int, cpu: Int) -> Bool {
        lazy.remove(cpu)
        guard loaded[cpu] != asid else { return false }
        loaded[cpu] = asid
        contextSwitches += 1
        if !pcid { contextSwitchFlushes += 1 }
        withTLB(cpu) { $0.switchAddressSpace(to: asid) }
        return true
    }

    /// The thread on `cpu` has nothing left to run: the CPU goes idle, lazily keeping the mm.
    public func goIdle(cpu: Int) { if loaded[cpu] != nil { lazy.insert(cpu) } }

    /// `flush_tlb_mm_range(mm, start, end, freed_tables)` initiated on `cpu`.
    public func flushRange(asid: Int, start: UInt64, end: UInt64, cpu: Int, freedTables: Bool = false) {
        let pages = Int((end - start) >> 12)
        let all = pages > TLB.singlePageFlushCeiling
        var remote = 0
        for (c, a) in loaded.sorted(by: { $0.key < $1.key }) where a == asid {
            withTLB(c) { _ = $0.flushRange(start: start, end: end) }
            if c == cpu {
                if all { flushEvents.localFlushAll += 1 } else { flushEvents.localFlushOne += pages }
            } else {
                remote += 1
                if !lazy.contains(c) || freedTables { flushEvents.remoteFlushReceived += 1 }
            }
        }
        if remote > 0 { flushEvents.remoteFlush += 1 }
        if pcid {
            for c in tlbs.keys.sorted() where loaded[c] != asid { withTLB(c) { $0.dropAddressSpace(asid) } }
        }
    }

    /// The mm is gone (exit): CPUs that had it loaded fall back to no mm (`init_mm`, lazily) and
    /// their entries for it go; the exiting CPU counts the full flush of `exit_mmap`'s
    /// `tlb_finish_mmu` if it had the mm loaded.
    public func exit(asid: Int, cpu: Int) {
        for c in tlbs.keys.sorted() {
            withTLB(c) { $0.dropAddressSpace(asid) }
            if loaded[c] == asid {
                loaded[c] = nil
                lazy.remove(c)
                if c == cpu { flushEvents.localFlushAll += 1 }
            }
        }
    }

    /// Sums over the CPUs' TLBs.
    public var statistics: TLB.Statistics { tlbs.values.reduce(TLB.Statistics()) { $0 + $1.statistics } }
}

extension TLB.Statistics {
    /// Two sets of TLB counters added field by field.
    public static func + (a: TLB.Statistics, b: TLB.Statistics) -> TLB.Statistics {
        var s = a
        s.hits += b.hits
        s.misses += b.misses
        s.evictions += b.evictions
        s.fullFlushes += b.fullFlushes
        s.pageFlushes += b.pageFlushes
        s.globalFlushes += b.globalFlushes
        return s
    }
}

/// The x86 TLB-flush events of CONFIG_DEBUG_TLBFLUSH, machine-wide (arch/x86/mm/tlb.c).
public struct TLBFlushEvents: Sendable, Equatable {
    /// `nr_tlb_remote_flush`: flushes that sent IPIs to other CPUs running the mm.
    public var remoteFlush = 0
    /// `nr_tlb_remote_flush_received`: IPIs handled.
    public var remoteFlushReceived = 0
    /// `nr_tlb_local_flush_all`: whole-TLB flushes on the initiating CPU.
    public var localFlushAll = 0
    /// `nr_tlb_local_flush_one`: pages flushed one `invlpg` at a time on the initiating CPU.
    public var localFlushOne = 0
    public init() {}

    public static func + (a: TLBFlushEvents, b: TLBFlushEvents) -> TLBFlushEvents {
        var r = a
        r.remoteFlush += b.remoteFlush
        r.remoteFlushReceived += b.remoteFlushReceived
        r.localFlushAll += b.localFlushAll
        r.localFlushOne += b.localFlushOne
        return r
    }
}
