/// One node of the machine: `pg_data_t` before boot.
public struct NodeSpec: Equatable, Sendable {
    public var id: Int
    public var cpus: CPUList
    /// Physical memory of the node. Empty for a CPU-only (memoryless) node.
    public var memory: NodeMemory
    /// Extra memory the firmware and early kernel keep (kernel image, ACPI tables, crash
    /// kernel…), taken from the top of the node as memblock allocates top-down.
    public var reserved: UInt64
    /// The node's managed memory (sysfs `MemTotal`) when known: the highest zone absorbs the
    /// difference from numasim's estimate so the node total matches exactly.
    public var managed: UInt64?
    /// Free memory at the start of a run (sysfs `MemFree`) when known.
    public var free: UInt64?
    /// Memory at the top of the node onlined as ZONE_MOVABLE (hot-plugged or `movable_node`
    /// memory, typical for CXL expanders). `nil` = none.
    public var movable: MovableAmount?
    /// Per-zone values recorded from a real machine (`/proc/zoneinfo`), used as given.
    public var zones: [String: ZoneOverride]
    /// `node_unreclaimable` recorded on a real machine: kswapd had given up on the node
    /// (`pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES`) when it was captured.
    public var unreclaimable = false
    /// How the memory comes online and its default abstract distance (`memory_type:`).
    public var memoryType: MemoryType = .dram
    /// An explicit abstract distance (`adistance:`); `nil` = the memory type's default.
    public var adistance: Int?

    public init(id: Int, cpus: CPUList = .empty, memory: NodeMemory, reserved: UInt64 = 0,
                managed: UInt64? = nil, free: UInt64? = nil, movable: MovableAmount? = nil,
                zones: [String: ZoneOverride] = [:]) {
        self.id = id
        self.cpus = cpus
        self.memory = memory
        self.reserved = reserved
        self.managed = managed
        self.free = free
        self.movable = movable
        self.zones = zones
    }
}
