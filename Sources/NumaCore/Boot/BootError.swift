import NumaTopology

/// Why a topology cannot be booted: what is wrong, on which node, with the topology key that
/// holds the bad value and what was expected. No file: `InputError.labelling(file:)` adds it
/// where the topology was read, giving `FILE: KEY: MESSAGE`.
public enum BootError: TopologyProblem, Equatable, Sendable {
    /// A rule of `TopologyValidator` (node ids, CPUs, memory, SLIT, sysctls).
    case invalidTopology(TopologyIssue)
    /// Two nodes claim the same page frames (`memblock` ranges of `free_area_init`).
    case overlappingMemory(node: Int, pfns: Range<Int>, otherNode: Int, otherPfns: Range<Int>)
    /// A node's recorded `managed:` total is above its present pages.
    case nodeManagedAbovePresent(node: Int, managed: Int, present: Int)
    /// A zone's managed pages (recorded or computed) are above its present pages.
    case zoneManagedAbovePresent(node: Int, zone: String, managed: Int, present: Int)
    /// A zone's recorded free pages are above its managed pages.
    case zoneFreeAboveManaged(node: Int, zone: String, free: Int, managed: Int)
    /// A zone's recorded state (`free_blocks`, `pageblocks`) that cannot be laid out in it.
    case recordedLayout(node: Int, zone: String, key: String, message: String)

    /// The node the problem is on (nil for a rule of the validator: its key says where).
    public var node: Int? {
        switch self {
        case .invalidTopology: return nil
        case .overlappingMemory(let node, _, _, _), .nodeManagedAbovePresent(let node, _, _),
             .zoneManagedAbovePresent(let node, _, _, _), .zoneFreeAboveManaged(let node, _, _, _),
             .recordedLayout(let node, _, _, _):
            return node
        }
    }

    public var key: String {
        switch self {
        case .invalidTopology(let issue): return issue.key
        case .overlappingMemory(let node, _, _, _): return "nodes (id \(node))"
        case .nodeManagedAbovePresent(let node, _, _): return "nodes (id \(node)).managed"
        case .zoneManagedAbovePresent(let node, let zone, _, _): return "nodes (id \(node)).zones.\(zone)"
        case .zoneFreeAboveManaged(let node, let zone, _, _): return "nodes (id \(node)).zones.\(zone).free"
        case .recordedLayout(let node, let zone, let key, _): return "nodes (id \(node)).zones.\(zone).\(key)"
        }
    }

    public var message: String {
        switch self {
        case .invalidTopology(let issue):
            return issue.message
        case .overlappingMemory(_, let r, let owner, let other):
            return "memory pfn \(r.lowerBound)..<\(r.upperBound) overlaps node \(owner)'s pfn \(other.lowerBound)..<\(other.upperBound)"
        case .nodeManagedAbovePresent(_, let want, let present):
            return "managed \(want) pages exceeds the node's present pages \(present); give more memory or less managed"
        case .zoneManagedAbovePresent(_, _, let managed, let present):
            return "managed \(managed) exceeds present \(present)"
        case .zoneFreeAboveManaged(_, _, let free, let managed):
            return "free \(free) exceeds managed \(managed)"
        case .recordedLayout(_, _, _, let message):
            return message
        }
    }
}
