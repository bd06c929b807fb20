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
    /// Memory tiers over the process phases' simulated time (nil before any process phase).
    public var tiers: TierTimeline?
    /// Where each `pattern:` touch step's hot set ended.
    public var hotSets: [HotSetPlacement] = []

    public init() {}

    public var faults: Int { processes.reduce(0) { $0 + $1.stats.faults } }
    public var majorFaults: Int { processes.reduce(0) { $0 + $1.stats.majorFaults } }
    public var pagesAllocated: Int { processes.reduce(0) { $0 + $1.stats.pagesAllocated } }
    public var tablePagesAllocated: Int { processes.reduce(0) { $0 + $1.stats.tablePagesAllocated } }
    public var killed: [String] { processes.filter(\.killed).map(\.name) }
    public var failures: [String: Int] {
        processes.reduce(into: [:]) { acc, p in for (k, v) in p.stats.failures { acc[k, default: 0] += v } }
    }

    /// Pages allocated for processes: data pages (faults, migration) and page-table pages.
    public var allocations: Int { pagesAllocated + tablePagesAllocated }
    public var frees: Int { processes.reduce(0) { $0 + $1.stats.pagesFreed + $1.stats.tablePagesFreed } }

    /// The process called `name` (the last one, if several phases reused the name).
    public func process(named name: String) -> SimulatedProcess? { processes.last { $0.name == name } }
}
