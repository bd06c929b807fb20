import NumaMM

/// What a process did, for reports and tests.
public struct ProcessStats: Sendable, Equatable {
    /// `pgfault`: every fault the handler resolved (minor and major).
    public var faults = 0
    /// `pgmajfault`: faults that had to read the page (swap-in, page-cache miss).
    public var majorFaults = 0
    /// Read faults of anonymous memory answered with the shared zero page.
    public var zeroPageFaults = 0
    /// Write faults on a zero-page PTE (`do_wp_page` copying the zero page).
    public var wpFaults = 0
    public var pagesAllocated = 0
    /// THP faults that mapped a 2 MiB folio (`thp_fault_alloc`), those that fell back to 4 KiB
    /// pages (`thp_fault_fallback`, of which `thp_fault_fallback_charge` for the memcg charge),
    /// read faults answered with the huge zero page, and THPs split (munmap, madvise).
    public var thpFaults = 0
    public var thpFallbacks = 0
    public var thpFallbacksCharge = 0
    public var hugeZeroPageFaults = 0
    public var thpSplits = 0
    public var pagesFreed = 0
    public var tablePagesAllocated = 0
    public var tablePagesFreed = 0
    public var accesses = 0
    public var migrated = 0
    /// The `migrate`, `migrate_pages` and `mbind … move` steps, summed in move_pages terms.
    public var moveRequests = SimulatedProcess.MoveOutcome()
    /// NUMA hinting faults taken (`numa_hint_faults`) and pages they migrated.
    public var numaHintFaults = 0
    public var numaMigrated = 0
    /// Accesses that found their page mapped (no fault), how many of those found it on a top-tier
    /// node, and their summed memory latency on the simulated clock (CPU node → page node).
    public var mappedAccesses = 0
    public var topTierAccesses = 0
    public var accessLatencyNanoseconds = 0
    /// PTEs its NUMA-balancing scans made PROT_NONE (`numa_pte_updates`).
    public var numaPteUpdates = 0
    public var migrateFailed = 0
    /// Reclaimed pages noticed at their next access (the process's share of refaults).
    public var refaults = 0
    /// Failed allocations by "GFP order N: reason".
    public var failures: [String: Int] = [:]
}

/// Why a process step could not run: a workload mistake (a touch outside every mapping is a
/// SIGSEGV) or a refused system call. Reported with the process and step.
public enum ProcessError: Error, CustomStringConvertible, Equatable {
    case segv(process: String, thread: String, address: UInt64, reason: String)
    case syscall(process: String, call: String, String)
    case outOfMemory(process: String, what: String)

    public var description: String {
        switch self {
        case let .segv(p, t, a, reason):
            return "process '\(p)' \(t): SIGSEGV at \(hex64(a)): \(reason)"
        case let .syscall(p, call, msg):
            return "process '\(p)': \(call): \(msg)"
        case let .outOfMemory(p, what):
            return "process '\(p)': out of memory for \(what)"
        }
    }
}
