import Synchronization

/// The page cache of named files (`struct address_space` and its `i_pages` xarray,
/// include/linux/fs.h): per file, the page cached at each index (a handle) or nothing. A
/// handle reclaim made stale is the slot of an evicted page; its shadow entry is taken from the
/// allocator at the refault (`PageAllocator.takeShadow`). File pages belong to the file, not to
/// the task that read them: they stay cached after it ends, until reclaim takes them.
///
/// Owned by the allocator for a whole stress run (every phase, both engines). Each file has its
/// own lock (the kernel's `i_pages` lock): tasks of the concurrent engine may read one file
/// together. `beginPhase` rewinds every file's read cursor, so the tasks of one group (and any
/// group of the same phase naming the same file) read it together from page 0.
public final class PageCache: @unchecked Sendable {
    public final class File: @unchecked Sendable {
        public let name: String
        /// A `SpinLock` (acquire/release atomics, which ThreadSanitizer sees; `Mutex`'s futex it
        /// does not) guards `slots` and `nodesPerLevel`.
        let lock = SpinLock()
        /// Slot per page index (nil: never read).
        @exclusivity(unchecked) var slots: [AllocatedBlock?] = []
        /// The next page index a reading task takes.
        let cursor = Atomic<Int>(0)
        /// Per xarray level (leaves first): the chunks (`index >> 6 L`) that have a node.
        @exclusivity(unchecked) var nodesPerLevel: [Set<Int>] = []
        init(name: String) { self.name = name }

        /// Runs `body` on the file's slots with its lock held.
        public func withSlots<R>(_ body: (inout [AllocatedBlock?]) throws -> R) rethrows -> R {
            try lock.withLock { try body(&slots) }
        }

        /// Takes the next page index to read.
        public func nextIndex() -> Int { cursor.wrappingAdd(1, ordering: .relaxed).oldValue }

        /// Pages of the file whose slot holds a handle the allocator still owns (cached pages;
        /// a slot whose page migration moved is updated first).
        public func cachedPages(_ a: PageAllocator) -> Int {
            withSlots { s in
                var cached = 0
                for i in s.indices {
                    guard let h = s[i] else { continue }
                    if a.isOwned(h) { cached += 1 } else if let moved = a.followMigration(h) { s[i] = moved; cached += 1 }
                }
                return cached
            }
        }
    }

    let lock = SpinLock()
    @exclusivity(unchecked) var files: [String: File] = [:]
    /// The `radix_tree_node` slab cache holding every file's xarray nodes.
    public let xarrayNodes = XArrayNodeSlab()

    public init() {}

    /// The file called `name` (created empty at its first use).
    public func file(_ name: String) -> File {
        lock.withLock {
            if let f = files[name] { return f }
            let f = File(name: name)
            files[name] = f
            return f
        }
    }

    /// A run phase starts: every file is read again from page 0.
    public func beginPhase() {
        let all = lock.withLock { Array(files.values) }
        for f in all { f.cursor.store(0, ordering: .relaxed) }
    }

    /// `migrate_pages` of the cached pages in a memory block going offline (mm/memory_hotplug.c
    /// `do_migrate_range`; page cache is movable): each gets a new page from another node
    /// (`alloc_migration_target`, GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL, `targets` as
    /// the nodemask) with the old page's LRU state (`folio_migrate_flags`), and the old page is
    /// freed. Runs with no CPU allocating. Returns pages moved and pages that could not move.
    public func migratePages(out block: PageAllocator.MemoryBlock, allocator a: PageAllocator, cpu: Int,
                             targets: Set<Int>) -> (moved: Int, failed: Int) {
        let node = a.nodeIDs[block.nodeIndex]
        let gfp: GFP = [.user, .movable, .retryMayfail]
        var moved = 0, failed = 0
        for f in lock.withLock({ Array(files.values) }) {
            f.withSlots { slots in
                for i in slots.indices {
                    if let h = slots[i], !a.isOwned(h), let moved = a.followMigration(h) { slots[i] = moved }
                    guard let b = slots[i], b.node == node, b.zone == block.zone, block.range.contains(b.pfn), a.isOwned(b) else { continue }
                    let z = a.nodes[block.nodeIndex].zones[b.zone]
                    let old = z.memmap.lruFlags(pfn: b.pfn)
                    switch a.allocPages(gfp: gfp, order: 0, preferredNode: node, nodemask: targets.isEmpty ? [node] : targets, cpu: cpu) {
                    case .success(let nb):
                        a.memcgMigrate(b, to: nb)
                        a.addToLRU(nb, kind: .file, active: old.contains(.active), dirty: old.contains(.dirty), mapped: old.contains(.young))
                        if old.contains(.referenced) {
                            a.nodes[a.nodeIndex[nb.node]!].zones[nb.zone].memmap.insertLRUFlags(nb.pfn, .referenced)
                        }
                        _ = a.release(b, cpu: cpu, kind: .file)
                        slots[i] = nb
                        moved += 1
                    case .failure:
                        failed += 1
                    }
                }
            }
        }
        return (moved, failed)
    }
}
