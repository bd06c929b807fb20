import NumaCore

/// `migrate_pages` of a task's pages out of a memory block going offline (mm/memory_hotplug.c
/// `do_migrate_range`): each movable page the task holds there gets a new page elsewhere —
/// `alloc_migration_target` with GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL, preferring the
/// block's node but with that node cleared from the nodemask — and the old page is freed. The
/// owner's handle follows the page, as the page tables would. Kernel pages are unmovable and stay.
extension SimulatedTask {
    public struct MigrationCount: Sendable, Equatable {
        public var moved = 0
        public var failed = 0
        /// Pages of the block this task holds that cannot move (kernel memory).
        public var unmovable = 0
    }

    static let migrationGFP: GFP = [.user, .movable, .retryMayfail]

    public func migratePages(out block: PageAllocator.MemoryBlock, allocator a: PageAllocator, cpu: Int, targets: Set<Int>) -> MigrationCount {
        var count = MigrationCount()
        let node = a.nodeIDs[block.nodeIndex]
        var i = -1
        while i + 1 < live.count {
            i += 1
            if !a.isOwned(live[i]) {
                // Demotion moved it, or reclaim split a THP (its pages join the live set).
                if let moved = a.followMigration(live[i]) { live[i] = moved } else { _ = adoptSplit(a, at: i) }
            }
            let b = live[i]
            guard b.node == node, b.zone == block.zone, block.range.contains(b.pfn), a.isOwned(b) else { continue }
            guard spec.kind != .kernel else { count.unmovable += 1 << b.order; continue }
            switch a.allocPages(gfp: SimulatedTask.migrationGFP, order: b.order, preferredNode: node,
                                nodemask: targets.isEmpty ? [node] : targets, cpu: cpu) {
            case .success(let nb):
                a.memcgMigrate(b, to: nb)
                a.addToLRU(nb, kind: spec.kind, dirty: spec.dirty)
                _ = a.release(b, cpu: cpu, kind: spec.kind)
                live[i] = nb
                count.moved += 1 << b.order
            case .failure:
                count.failed += 1 << b.order
            }
        }
        return count
    }
}
