/// `struct hstate` (include/linux/hugetlb.h, Linux 6.1): one huge page size's pool — the global
/// and per-node counts, the per-node free lists (`hugepage_freelists`), the pages in use
/// (`hugepage_activelist`), and the two round-robin cursors `next_nid_to_alloc` /
/// `next_nid_to_free` that interleave a global resize across nodes.
///
/// Per-node arrays are by node index (`PageAllocator.nodes[i]`); the cursors hold node ids, as
/// the kernel's nodemask walks do. A pool page is an allocated compound block of the buddy
/// allocator (`AllocatedBlock` of order `order`), held off the buddy lists until it is freed
/// back (`update_and_free_hugetlb_folio`).
public struct HState: Sendable, Equatable {
    /// `huge_page_order(h)`: 9 for 2 MiB on x86_64, 18 for 1 GiB.
    public let order: Int
    /// `max_huge_pages`: the persistent pool size the last resize reached.
    public var maxHugePages = 0
    public var nrHugePages = 0
    public var freeHugePages = 0
    public var resvHugePages = 0
    public var surplusHugePages = 0
    /// `nr_overcommit_huge_pages` (/proc/sys/vm/nr_overcommit_hugepages for the default size).
    public var nrOvercommitHugePages = 0
    public var nrHugePagesNode: [Int]
    public var freeHugePagesNode: [Int]
    public var surplusHugePagesNode: [Int]
    /// Node ids (`first_memory_node` at `hugetlb_add_hstate`).
    public var nextNidToAlloc: Int
    public var nextNidToFree: Int
    /// `hugepage_freelists[nid]` by node index; the list head (`.next`) is the array's last
    /// element: `enqueue_hugetlb_folio` does `list_move(&folio->lru, &h->hugepage_freelists[nid])`
    /// (add at the head) and both dequeue and `remove_pool_huge_page` take the head.
    var freeLists: [[AllocatedBlock]]
    /// `hugepage_activelist`: pages handed out (hugetlb VMA faults).
    var activeList: [AllocatedBlock] = []

    init(order: Int, nodeCount: Int, firstMemoryNode: Int) {
        self.order = order
        nrHugePagesNode = Array(repeating: 0, count: nodeCount)
        freeHugePagesNode = Array(repeating: 0, count: nodeCount)
        surplusHugePagesNode = Array(repeating: 0, count: nodeCount)
        freeLists = Array(repeating: [], count: nodeCount)
        nextNidToAlloc = firstMemoryNode
        nextNidToFree = firstMemoryNode
    }

    /// `persistent_huge_pages(h)`: nr_huge_pages - surplus_huge_pages.
    public var persistentHugePages: Int { nrHugePages - surplusHugePages }
    /// `huge_page_size(h) / 1024`.
    public var sizeKB: Int { 4 << order }
    /// `h->name`: "hugepages-2048kB".
    public var name: String { "hugepages-\(sizeKB)kB" }
    /// `hstate_is_gigantic(h)`: order >= MAX_ORDER.
    public var isGigantic: Bool { order >= FreeArea.maxOrder }
    /// The free pages on node index `n`'s list (head last).
    public func freeList(nodeIndex n: Int) -> [AllocatedBlock] { freeLists[n] }
    public var activePages: [AllocatedBlock] { activeList }
}

/// The machine's hugetlb state (`hstates[]` of mm/hugetlb.c): the default 2 MiB hstate
/// (HUGETLB_PAGE_ORDER = 9 on x86_64), the 1 GiB one (order 18, runtime pools only), and the vmstat counters the pool's buddy allocations
/// bump. Changed only between phases (a resize step, the boot allocation) or by the
/// deterministic engine's process faults, never by racing host threads.
public final class HugeTLBState: @unchecked Sendable {
    /// `hstates[]`: index 0 is `default_hstate` (2 MiB), index 1 the 1 GiB hstate.
    public internal(set) var hstates: [HState]
    /// HTLB_BUDDY_PGALLOC / HTLB_BUDDY_PGALLOC_FAIL (vmstat `htlb_buddy_alloc_success`,
    /// `htlb_buddy_alloc_fail`), counted by `alloc_buddy_hugetlb_folio`.
    public internal(set) var htlbBuddyAllocSuccess = 0
    public internal(set) var htlbBuddyAllocFail = 0
    /// Every resize so far (a boot `nr_hugepages`, a workload `hugepages:` step), in order.
    public internal(set) var resizes: [HugeTLBResize] = []

    /// `HUGETLB_PAGE_ORDER` of x86_64 (PMD_SHIFT 21 - PAGE_SHIFT 12).
    public static let defaultOrder = 9

    /// PUD_SHIFT 30 - PAGE_SHIFT 12: the 1 GiB hstate x86_64 registers with X86_FEATURE_GBPAGES.
    public static let giganticOrder = 18

    init(nodeCount: Int, firstMemoryNode: Int) {
        hstates = [HState(order: HugeTLBState.defaultOrder, nodeCount: nodeCount, firstMemoryNode: firstMemoryNode),
                   HState(order: HugeTLBState.giganticOrder, nodeCount: nodeCount, firstMemoryNode: firstMemoryNode)]
    }

    /// `default_hstate`.
    public var defaultHState: HState { hstates[0] }

    /// The hstate of `order`, if the machine has one.
    public func index(order: Int) -> Int? { hstates.firstIndex { $0.order == order } }

    /// Whether any pool was ever sized (reports leave hugetlb out otherwise).
    public var isInUse: Bool { !resizes.isEmpty || hstates.contains { $0.nrHugePages > 0 || $0.nrOvercommitHugePages > 0 } }
}
