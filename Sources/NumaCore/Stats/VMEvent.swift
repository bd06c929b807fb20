import Synchronization

/// `enum vm_event_item` (include/linux/vm_event_item.h, 6.1): the machine-wide event counters of
/// /proc/vmstat that numasim models, with the kernel's names. PGALLOC_<zone> is counted per zone
/// beside the pagesets (`PerCPUPages.pgalloc`); ALLOCSTALL_<zone> per zone here by zone index.
public enum VMEvent: Int, CaseIterable, Sendable {
    case pgfree, pgactivate, pgdeactivate, pgfault, pgmajfault, pgrefill
    case pgstealKswapd, pgstealDirect, pgscanKswapd, pgscanDirect
    /// Pages reclaim moved to a lower memory tier instead of freeing (`demote_folio_list`).
    case pgdemoteKswapd, pgdemoteDirect
    case pgscanAnon, pgscanFile, pgstealAnon, pgstealFile
    case pswpin, pswpout
    case kswapdLowWmarkHitQuickly, kswapdHighWmarkHitQuickly, pageoutrun
    case oomKill
    case allocstallDMA, allocstallDMA32, allocstallNormal, allocstallMovable, allocstallDevice
    case pgscanDirectThrottle, zoneReclaimFailed
    /// Pages moved by migration (memory offline here), and pages that could not be.
    case pgmigrateSuccess, pgmigrateFail
    /// Compaction (mm/compaction.c): pages the migrate and free scanners looked at, pages they
    /// isolated, direct compaction stalls and their outcome, kcompactd wake-ups and its scans.
    case compactMigrateScanned, compactFreeScanned, compactIsolated, compactStall, compactFail, compactSuccess
    case compactDaemonWake, compactDaemonMigrateScanned, compactDaemonFreeScanned
    /// NUMA balancing (kernel/sched/fair.c `task_numa_work`, mm/memory.c `do_numa_page`,
    /// mm/migrate.c `migrate_misplaced_page`): PTEs made PROT_NONE, hinting faults (and those
    /// on the faulting CPU's node), pages migrated by them.
    case numaPteUpdates, numaHintFaults, numaHintFaultsLocal, numaPagesMigrated
    /// Node statistics PGPROMOTE_SUCCESS / PGPROMOTE_CANDIDATE, summed machine-wide here (per
    /// node in `PGData.promotion`).
    case pgpromoteSuccess, pgpromoteCandidate
    /// Node statistics the kernel keeps per node (workingset.c); summed machine-wide here.
    case workingsetRefaultAnon, workingsetRefaultFile, workingsetActivateAnon, workingsetActivateFile
    /// Dirty page-cache pages written back by reclaim (`nr_written`).
    case nrWritten
    /// Transparent huge pages (mm/huge_memory.c, NumaCore/THP/): PMD-size folios a fault got,
    /// faults that fell back to 4 KiB pages (no page; the memcg charge failed), splits, the
    /// huge zero page's allocation, THP migration, swap-out fallbacks; NUMA balancing's
    /// PMD updates.
    case thpFaultAlloc, thpFaultFallback, thpFaultFallbackCharge
    case thpSplitPage, thpDeferredSplitPage, thpSplitPmd, thpZeroPageAlloc
    case thpMigrationSuccess, thpMigrationFail, thpMigrationSplit, thpSwpoutFallback
    case numaHugePteUpdates
    /// Not a kernel counter: allocations that returned failure (the kernel prints a warning).
    case allocFail
    /// Not kernel counters: the work the simulated clock charges (docs/time.md), counted on the
    /// row of the CPU or kswapd that did it: pcp refills and drains (batches, pages), buddy
    /// splits and merges, and time slept (`reclaim_throttle`, congestion waits) in ns.
    case workPcpBatches, workPcpPages, workBuddySplits, workBuddyMerges, workSleepNanoseconds
    /// Not a kernel counter: the simulated time compaction took (scanning and copying), in ns.
    case workCompactNanoseconds

    /// The name /proc/vmstat prints.
    public var kernelName: String {
        switch self {
        case .pgfree: return "pgfree"
        case .pgactivate: return "pgactivate"
        case .pgdeactivate: return "pgdeactivate"
        case .pgfault: return "pgfault"
        case .pgmajfault: return "pgmajfault"
        case .pgrefill: return "pgrefill"
        case .pgstealKswapd: return "pgsteal_kswapd"
        case .pgstealDirect: return "pgsteal_direct"
        case .pgscanKswapd: return "pgscan_kswapd"
        case .pgscanDirect: return "pgscan_direct"
        case .pgdemoteKswapd: return "pgdemote_kswapd"
        case .pgdemoteDirect: return "pgdemote_direct"
        case .pgscanAnon: return "pgscan_anon"
        case .pgscanFile: return "pgscan_file"
        case .pgstealAnon: return "pgsteal_anon"
        case .pgstealFile: return "pgsteal_file"
        case .pswpin: return "pswpin"
        case .pswpout: return "pswpout"
        case .kswapdLowWmarkHitQuickly: return "kswapd_low_wmark_hit_quickly"
        case .kswapdHighWmarkHitQuickly: return "kswapd_high_wmark_hit_quickly"
        case .pageoutrun: return "pageoutrun"
        case .oomKill: return "oom_kill"
        case .allocstallDMA: return "allocstall_dma"
        case .allocstallDMA32: return "allocstall_dma32"
        case .allocstallNormal: return "allocstall_normal"
        case .allocstallMovable: return "allocstall_movable"
        case .allocstallDevice: return "allocstall_device"
        case .pgscanDirectThrottle: return "pgscan_direct_throttle"
        case .zoneReclaimFailed: return "zone_reclaim_failed"
        case .pgmigrateSuccess: return "pgmigrate_success"
        case .pgmigrateFail: return "pgmigrate_fail"
        case .compactMigrateScanned: return "compact_migrate_scanned"
        case .compactFreeScanned: return "compact_free_scanned"
        case .compactIsolated: return "compact_isolated"
        case .compactStall: return "compact_stall"
        case .compactFail: return "compact_fail"
        case .compactSuccess: return "compact_success"
        case .compactDaemonWake: return "compact_daemon_wake"
        case .compactDaemonMigrateScanned: return "compact_daemon_migrate_scanned"
        case .compactDaemonFreeScanned: return "compact_daemon_free_scanned"
        case .numaPteUpdates: return "numa_pte_updates"
        case .numaHintFaults: return "numa_hint_faults"
        case .numaHintFaultsLocal: return "numa_hint_faults_local"
        case .numaPagesMigrated: return "numa_pages_migrated"
        case .pgpromoteSuccess: return "pgpromote_success"
        case .pgpromoteCandidate: return "pgpromote_candidate"
        case .workingsetRefaultAnon: return "workingset_refault_anon"
        case .workingsetRefaultFile: return "workingset_refault_file"
        case .workingsetActivateAnon: return "workingset_activate_anon"
        case .workingsetActivateFile: return "workingset_activate_file"
        case .nrWritten: return "nr_written"
        case .thpFaultAlloc: return "thp_fault_alloc"
        case .thpFaultFallback: return "thp_fault_fallback"
        case .thpFaultFallbackCharge: return "thp_fault_fallback_charge"
        case .thpSplitPage: return "thp_split_page"
        case .thpDeferredSplitPage: return "thp_deferred_split_page"
        case .thpSplitPmd: return "thp_split_pmd"
        case .thpZeroPageAlloc: return "thp_zero_page_alloc"
        case .thpMigrationSuccess: return "thp_migration_success"
        case .thpMigrationFail: return "thp_migration_fail"
        case .thpMigrationSplit: return "thp_migration_split"
        case .thpSwpoutFallback: return "thp_swpout_fallback"
        case .numaHugePteUpdates: return "numa_huge_pte_updates"
        case .allocFail: return "numasim_alloc_fail"
        case .workPcpBatches: return "numasim_work_pcp_batches"
        case .workPcpPages: return "numasim_work_pcp_pages"
        case .workBuddySplits: return "numasim_work_buddy_splits"
        case .workBuddyMerges: return "numasim_work_buddy_merges"
        case .workSleepNanoseconds: return "numasim_work_sleep_ns"
        case .workCompactNanoseconds: return "numasim_work_compact_ns"
        }
    }

    /// Work the simulated clock charges, not printed with the kernel's counters.
    public var isSimulatedWork: Bool { rawValue >= VMEvent.workPcpBatches.rawValue }

    /// Node-stat items (printed before the events in /proc/vmstat).
    public var isNodeStat: Bool {
        switch self {
        case .workingsetRefaultAnon, .workingsetRefaultFile, .workingsetActivateAnon, .workingsetActivateFile, .nrWritten, .pgpromoteSuccess,
             .pgpromoteCandidate: return true
        default: return false
        }
    }

    /// ALLOCSTALL_<zone> for a zone index (x86_64 order; i386 maps HighMem onto the third slot
    /// as the kernel's ALLOCSTALL_HIGH is, and reports it by the zone's own name).
    public static func allocstall(zone: Int) -> VMEvent {
        VMEvent(rawValue: VMEvent.allocstallDMA.rawValue + Swift.min(zone, 4))!
    }
}

/// Per-CPU `vm_event_states`: one row of counters per CPU slot, each row in its own cache lines,
/// written only by its owner and folded when read (`all_vm_events`).
public final class VMEventTable: @unchecked Sendable {
    @usableFromInline static let rowInts = (VMEvent.allCases.count + 15) & ~15
    @usableFromInline let base: UnsafeMutablePointer<Int>
    public let rows: Int

    public init(rows: Int) {
        self.rows = rows
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, rows) * VMEventTable.rowInts * 8, alignment: 128)
        base = raw.bindMemory(to: Int.self, capacity: Swift.max(1, rows) * VMEventTable.rowInts)
        base.initialize(repeating: 0, count: Swift.max(1, rows) * VMEventTable.rowInts)
    }

    deinit { base.deallocate() }

    /// `count_vm_events` on the row's owner.
    @inline(__always) public func add(_ e: VMEvent, _ n: Int = 1, row: Int) {
        base[row &* VMEventTable.rowInts &+ e.rawValue] &+= n
    }

    /// The folded value (call when the owners are quiescent, or accept a momentary view).
    public subscript(e: VMEvent) -> Int {
        var s = 0
        for r in 0..<rows { s &+= base[r * VMEventTable.rowInts + e.rawValue] }
        return s
    }

    public func value(_ e: VMEvent, row: Int) -> Int { base[row * VMEventTable.rowInts + e.rawValue] }
}

/// A small array of counters that any thread may bump (relaxed atomic adds), for events that
/// are not owned by one CPU — kswapd wake-ups of a node come from every CPU.
public final class AtomicCounters: @unchecked Sendable {
    let storage: UnsafeMutablePointer<Atomic<Int>>
    public let count: Int

    public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: Swift.max(1, count))
        for i in 0..<Swift.max(1, count) { (storage + i).initialize(to: Atomic(0)) }
    }

    deinit { storage.deinitialize(count: Swift.max(1, count)).deallocate() }

    @inline(__always) public func add(_ i: Int, _ n: Int = 1) { storage[i].wrappingAdd(n, ordering: .relaxed) }
    public subscript(i: Int) -> Int { storage[i].load(ordering: .relaxed) }
}

extension PageAllocator {
    /// `count_vm_event` on a CPU's row (events the model's callers observe: faults, refaults).
    public func count(_ e: VMEvent, _ n: Int = 1, cpu: Int) { vmEvents.add(e, n, row: slot(ofCPU: cpu)) }
}
