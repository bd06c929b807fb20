import Synchronization

/// Demotion in reclaim (mm/vmscan.c 6.1 `can_demote`, `demote_folio_list`, `alloc_demote_page`;
/// mm/memory-tiers.c `next_demotion_node`, `node_get_allowed_targets`): with
/// `demotion_enabled` and a lower memory tier below the node, `shrink_folio_list` moves every
/// page it would reclaim to the lower tier first — before swap or writeback, so anonymous
/// memory is reclaimable even without swap — and reclaims normally only what could not move.
/// A demoted page counts as reclaimed (`pgsteal_*`) and as PGDEMOTE_KSWAPD / PGDEMOTE_DIRECT,
/// and as PGMIGRATE_SUCCESS (PGMIGRATE_FAIL when no page could be had).
///
/// The target page is allocated with `(GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM) | __GFP_NOWARN |
/// __GFP_NOMEMALLOC | GFP_NOWAIT`: first `__GFP_THISNODE` on the target (so the target's kswapd
/// is woken rather than a lower node used while the target has cold pages to demote), then
/// the tier's whole `lower_tier_mask` with the target preferred. Demotion ignores cpusets and
/// mempolicies. Where the kernel picks among several preferred targets at random
/// (`node_random`), numasim takes them in turn, so runs stay reproducible. The page is copied
/// (`copy_page` on the reclaimer's clock) and taken straight from the buddy (no CPU's pageset),
/// counted on the system row under `systemRowLock`.
extension PageAllocator {
    /// `can_demote(nid, sc)`.
    public func canDemote(nodeIndex n: Int) -> Bool {
        demotionEnabled && !demotionTargets(ofNode: nodeIDs[n]).preferred.isEmpty
    }

    /// `can_reclaim_anon_pages` (no memcg): a free swap slot, or demotion.
    func canReclaimAnon(nodeIndex n: Int) -> Bool { swap.hasFreeSlots || canDemote(nodeIndex: n) }

    /// `can_age_anon_pages`: any swap space (`total_swap_pages`, full or not), or demotion.
    func canAgeAnon(nodeIndex n: Int) -> Bool { swap.totalPages > 0 || canDemote(nodeIndex: n) }

    static let demotionGFP: GFP = GFP.highUserMovable.subtracting(.reclaim).union([.nowarn, .nomemalloc, .kswapdReclaim])

    /// `demote_folio_list`: moves the isolated pages of node index `n` to the lower tier.
    /// Returns how many moved; the others are returned for normal reclaim.
    func demotePages(_ pages: [(Zone, Int)], nodeIndex n: Int, _ sc: ScanControl) -> (demoted: Int, left: [(Zone, Int)]) {
        let targets = demotionTargets(ofNode: nodeIDs[n])
        guard !targets.preferred.isEmpty else { return (0, pages) }
        let turn = nodes[n].reclaim.demotionTurn.wrappingAdd(1, ordering: .relaxed).oldValue
        let target = targets.preferred[turn % targets.preferred.count]
        var demoted = 0, failed = 0, thps = 0
        var left: [(Zone, Int)] = []
        var queue = pages[...]
        while let (z, pfn) = queue.popFirst() {
            // alloc_demote_page: the target alone, then the lower tiers (no CPU's pageset). A THP
            // wants a THP (`alloc_migration_target`: order 9, __GFP_COMP; numasim keeps
            // demotion's no-reclaim mask where 6.1 ORs in GFP_TRANSHUGE's direct reclaim).
            let order = z.memmap.order(pfn: pfn)
            let gfp = order == 0 ? Self.demotionGFP : Self.demotionGFP.union(.comp)
            let r = systemRowLock.withLock {
                let r = allocPages(gfp: gfp.union(.thisnode), order: order, preferredNode: target, cpu: -1)
                if case .failure = r {
                    return allocPages(gfp: gfp, order: order, preferredNode: target, nodemask: Set(targets.fallback), cpu: -1)
                }
                return r
            }
            guard case .success(let nb) = r else {
                if order == TransparentHugepage.order, let parts = splitIsolatedHugePage(z, pfn, nodeIndex: n, row: sc.row) {
                    // migrate_pages: a THP that found no target is split and its pages tried
                    // alone (THP_MIGRATION_SPLIT).
                    vmEvents.add(.thpMigrationSplit, row: sc.row)
                    queue.append(contentsOf: parts.map { (z, $0) })
                    continue
                }
                failed += 1 << order
                left.append((z, pfn))
                continue
            }
            if moveReclaimed(z, pfn, n, to: nb, sc) {
                demoted += 1 << order
                if order != 0 { thps += 1 }
            }
        }
        vmEvents.add(.thpMigrationSuccess, thps, row: sc.row)
        vmEvents.add(sc.reclaimer == .kswapd ? .pgdemoteKswapd : .pgdemoteDirect, demoted, row: sc.row)
        vmEvents.add(.pgmigrateSuccess, demoted, row: sc.row)
        nodes[n].reclaim.demotedAtomic.wrappingAdd(demoted, ordering: .relaxed)
        vmEvents.add(.pgmigrateFail, failed, row: sc.row)
        return (demoted, left)
    }

    /// `migrate_folio` of an isolated page to `nb`: its LRU state moves (kind, dirty, mapped;
    /// the new page goes on the target's inactive list, as `putback_movable_pages` puts it), the
    /// owner's handle goes stale with a migration entry pointing at `nb`, and the old page is
    /// freed. An owner that let go meanwhile (an orphan) frees the old page and `nb`; that still
    /// counts as done, as the kernel's migration of a page freed under it does. Returns true.
    @discardableResult
    func moveReclaimed(_ z: Zone, _ pfn: Int, _ n: Int, to nb: AllocatedBlock, _ sc: ScanControl) -> Bool {
        let v = nodes[n].lruvec
        let old: LRUFlags? = v.lock.withLock {
            let f = z.memmap.lruFlags(pfn: pfn)
            if dropOrphanLocked(z, pfn, f, n) { return nil }
            let from = AllocatedBlock(pfn: pfn, order: z.memmap.order(pfn: pfn), node: nodeIDs[n], zone: z.index,
                                      generation: z.memmap.generation(pfn: pfn))
            migrationEntries.record(from: from, to: nb)
            _ = z.memmap.bumpGeneration(pfn)
            z.memmap.setLRUFlags(pfn, [])
            return f
        }
        guard let old else {
            freeReclaimed(z, pfn, sc)
            systemRowLock.withLock { freePages(nb, cpu: -1) }
            return true
        }
        if old.kind == .file && old.contains(.dirty) { accountDirty(n, z, -1) }
        if !memcgs.isEmpty { memcgMigrate(from: z, pfn, to: nb) }
        addToLRU(nb, kind: old.kind, active: false, dirty: old.contains(.dirty), mapped: old.contains(.young))
        freeReclaimed(z, pfn, sc)
        return true
    }

    /// The owner's handle `b` went stale: where migration moved the page (following a chain of
    /// migrations), now the owner's; nil if reclaim freed it. The entry is consumed: the owner
    /// must keep the returned handle (its PTE now points there).
    /// `peek`: look without consuming the entries (reports; the owner still follows them).
    public func followMigration(_ b: AllocatedBlock, peek: Bool = false) -> AllocatedBlock? {
        var cur = b
        while let next = peek ? migrationEntries.peek(cur) : migrationEntries.take(cur) {
            if isOwned(next) { return next }
            cur = next
        }
        return nil
    }
}

/// Migration entries (the kernel's `make_migration_entry` left in the page tables, then the
/// new PTE): for each migrated page whose owner has not looked since, the stale handle (node,
/// zone, pfn, generation) → the new page. Taken by the owner at its next use of the page.
public final class MigrationEntries: @unchecked Sendable {
    /// A `SpinLock` (acquire/release atomics, visible to ThreadSanitizer) guards `entries`;
    /// `live` lets the common case — a refault with no migration ever made — skip the lock.
    private let lock = SpinLock()
    @exclusivity(unchecked) private var entries: [AllocatedBlock: AllocatedBlock] = [:]
    private let live = Atomic<Int>(0)

    public init() {}

    func record(from old: AllocatedBlock, to new: AllocatedBlock) {
        lock.withLock {
            if entries.updateValue(new, forKey: old) == nil { live.wrappingAdd(1, ordering: .relaxed) }
        }
    }

    func take(_ old: AllocatedBlock) -> AllocatedBlock? {
        guard live.load(ordering: .relaxed) > 0 else { return nil }
        return lock.withLock {
            guard let new = entries.removeValue(forKey: old) else { return nil }
            live.wrappingSubtract(1, ordering: .relaxed)
            return new
        }
    }

    func peek(_ old: AllocatedBlock) -> AllocatedBlock? {
        guard live.load(ordering: .relaxed) > 0 else { return nil }
        return lock.withLock { entries[old] }
    }

    /// Entries not yet taken by their owners.
    public var count: Int { lock.withLock { entries.count } }
}
