/// What one write of a pool size did (no kernel counterpart: the "why did my per-node pool come
/// out short" record). The kernel's answer is in its counters before and after the write: the
/// target `set_max_huge_pages` aimed for, and per node the pages before, after, free and
/// surplus, with the node's free memory left (NR_FREE_PAGES, which pages parked on a CPU's
/// per-CPU list do not count).
public struct HugeTLBResize: Sendable, Equatable {
    /// Where the write came from: `sysctl nr_hugepages (boot)`, `phases[2].hugepages`, …
    public var source: String
    /// `hugepages-2048kB`.
    public var name: String
    public var sizeKB: Int
    /// The value written, and the node of a per-node file (nil: a global file).
    public var requested: Int
    public var node: Int?
    /// The writer's policy of an nr_hugepages_mempolicy write (nil: another file).
    public var policy: String?
    /// The nodes the resize could use (`nodes_allowed`), ids ascending.
    public var nodesAllowed: [Int]
    /// The persistent pool size aimed for: `requested`, plus for a per-node write the pages of
    /// the other nodes (`count += nr_huge_pages - nr_huge_pages_node[nid]`).
    public var target: Int
    /// The persistent pool size reached (`max_huge_pages` after the write).
    public var obtained: Int
    /// By node id.
    public var nodeIDs: [Int]
    public var totalBefore: [Int]
    public var total: [Int]
    public var free: [Int]
    public var surplus: [Int]
    /// The node's MemFree and MemTotal after the write (node meminfo, kB).
    public var memFreeKB: [Int]
    public var memTotalKB: [Int]

    init(source: String, before: HState, after: HState, requested: Int, node: Int?, nodesAllowed: [Int], nodeIDs: [Int],
         memFreeKB: [Int], memTotalKB: [Int]) {
        self.source = source
        name = after.name
        sizeKB = after.sizeKB
        self.requested = requested
        self.node = node
        self.nodesAllowed = nodesAllowed
        if let node, let n = nodeIDs.firstIndex(of: node) {
            let (s, o) = requested.addingReportingOverflow(before.nrHugePages - before.nrHugePagesNode[n])
            target = o ? Int.max : s
        } else {
            target = requested
        }
        obtained = after.persistentHugePages
        self.nodeIDs = nodeIDs
        totalBefore = before.nrHugePagesNode
        total = after.nrHugePagesNode
        free = after.freeHugePagesNode
        surplus = after.surplusHugePagesNode
        self.memFreeKB = memFreeKB
        self.memTotalKB = memTotalKB
    }

    /// The pool came out smaller than asked (an allocation failed on every allowed node).
    public var isShort: Bool { obtained < target }
}
