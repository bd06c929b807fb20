import Synchronization

/// The page cache's own memory: the nodes of each file's `i_pages` xarray, objects of the
/// `radix_tree_node` slab cache (lib/radix-tree.c 6.1 `radix_tree_node_cachep`, created with
/// SLAB_RECLAIM_ACCOUNT, so its slab pages are `__GFP_RECLAIMABLE`).
///
/// Why it matters: reading a big file allocates one xarray node per 64 page indices
/// (XA_CHUNK_SHIFT 6, `xas_create`/`xas_expand` in lib/xarray.c), so a 614 MiB read takes ~360
/// reclaimable slab pages (the kernel samples' wl6 read: node 0's `nr_slab_reclaimable` grew by
/// 393 pages). Those order-2 reclaimable allocations steal movable pageblocks
/// (`__rmqueue_fallback`), and the free pages left in the stolen blocks are what a later
/// movable allocation falls back to — with a watermark boost that wakes kswapd early
/// (`steal_suitable_fallback` → `boost_watermark`).
///
/// SLUB (mm/slub.c 6.1 `calculate_order`, `allocate_slab`): 576-byte objects, and with 4 or more
/// CPUs `slub_min_objects` = 4 × (fls(nr_cpu_ids) + 1) ≥ 16 objects puts them in order-2 slabs
/// of 28 objects (`/proc/slabinfo`: radix_tree_node … 28 4). `allocate_slab` first tries that
/// order with `__GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC` and without `__GFP_RECLAIM` (no
/// reclaim, no kswapd wake-up), then the minimum order (0: 7 objects) with the caller's flags —
/// `filemap_add_folio`'s `GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY` (the readahead mask cut
/// by GFP_RECLAIM_MASK in `__filemap_add_folio`). The slab page comes from the reading CPU's
/// node (`alloc_pages` with the default policy). One cache-wide slab per node is filled before
/// the next is allocated (SLUB's per-CPU slab and partial lists are not modelled).
///
/// Simplifications: nodes are never freed (shadow entries of evicted pages keep them, and the
/// shadow-node shrinker and truncation are not modelled); a failed slab allocation does not
/// fail the page's insertion (counted in `failedAllocations`).
public final class XArrayNodeSlab: @unchecked Sendable {
    /// Objects per slab at the preferred order (2) and at the minimum order (0).
    public static let objectSize = 576
    public static let preferredOrder = 2
    public static var objectsPerPreferredSlab: Int { (4096 << preferredOrder) / objectSize }
    public static var objectsPerMinimumSlab: Int { 4096 / objectSize }

    struct State {
        /// Per node id: objects still free in its current slab.
        var freeObjects: [Int: Int] = [:]
        /// Every slab page block, held until the end of the run.
        var slabs: [AllocatedBlock] = []
        var failedAllocations = 0
    }
    /// A `SpinLock` (visible to ThreadSanitizer, unlike `Mutex`'s futex) guards `state`.
    private let lock = SpinLock()
    @exclusivity(unchecked) private var state = State()

    public init() {}

    /// Slab pages held, per node id.
    public func slabPages() -> [Int: Int] {
        lock.withLock { state.slabs.reduce(into: [:]) { $0[$1.node, default: 0] += 1 << $1.order } }
    }

    /// xarray nodes the cache could not get memory for.
    public var failedAllocations: Int { lock.withLock { state.failedAllocations } }

    /// Allocates `count` xarray nodes for a page-cache insertion on `cpu` (`xas_nomem` →
    /// `kmem_cache_alloc` → `allocate_slab` when the node's slab is full).
    public func allocate(_ count: Int, allocator a: PageAllocator, cpu: Int) {
        guard count > 0 else { return }
        let node = a.node(ofCPU: cpu) ?? a.nodeIDs[0]
        for _ in 0..<count {
            let taken: Bool = lock.withLock {
                guard let left = state.freeObjects[node], left > 0 else { return false }
                state.freeObjects[node] = left - 1
                return true
            }
            if taken { continue }
            // A new slab, allocated outside the cache's lock (the allocation may reclaim).
            let (slab, objects) = newSlab(a, node: node, cpu: cpu)
            lock.withLock {
                guard let slab else { state.failedAllocations += 1; return }
                state.slabs.append(slab)
                state.freeObjects[node, default: 0] += objects - 1
            }
        }
    }

    /// `allocate_slab`: the preferred order without reclaim, else the minimum order.
    func newSlab(_ a: PageAllocator, node: Int, cpu: Int) -> (AllocatedBlock?, Int) {
        let first: GFP = [.kernel, .reclaimable, .comp, .nowarn, .noretry, .nomemalloc]
        if case .success(let b) = a.allocPages(gfp: first.subtracting(.reclaim), order: Self.preferredOrder, preferredNode: node, cpu: cpu) {
            return (b, Self.objectsPerPreferredSlab)
        }
        let fallback: GFP = [.kernel, .reclaimable, .nowarn, .noretry]
        if case .success(let b) = a.allocPages(gfp: fallback, order: 0, preferredNode: node, cpu: cpu) {
            return (b, Self.objectsPerMinimumSlab)
        }
        return (nil, 0)
    }
}

extension PageCache.File {
    /// XA_CHUNK_SHIFT: each xarray node holds 64 slots.
    static let chunkShift = 6

    /// The xarray nodes that storing page `index` adds to this file's tree (`xas_create`, and
    /// `xas_expand` when the index needs a taller tree): at each level L ≥ 1 of the tree, the
    /// node covering `index >> (6 L)`, if the file has none yet; a tree grown taller also gets a
    /// new top node over the old tree at each new level. Call with the file's lock held
    /// (inside `withSlots`). O(1) for an index whose leaf exists, else O(tree height).
    public func newXArrayNodes(storing index: Int) -> Int {
        var height = 1
        while index >> (Self.chunkShift * height) != 0 { height += 1 }
        var added = 0
        let empty = nodesPerLevel.first?.isEmpty ?? true
        while nodesPerLevel.count < height {
            // A taller tree: the new top node holds the old tree (chunk 0) in its first slot.
            nodesPerLevel.append(empty ? [] : [0])
            if !empty { added += 1 }
        }
        // Every level of the tree as it now stands (an index below an earlier one still needs a
        // node at each level on its path), leaves first; a node's ancestors exist with it, so
        // the walk stops at the first node the tree has.
        for level in 1...nodesPerLevel.count {
            guard nodesPerLevel[level - 1].insert(index >> (Self.chunkShift * level)).inserted else { break }
            added += 1
        }
        return added
    }
}
