/// Reclaim for a memory cgroup's limit (mm/vmscan.c, Linux 6.1: `try_to_free_mem_cgroup_pages`,
/// `do_try_to_free_pages` and `shrink_zones` with `sc->target_mem_cgroup`, `isolate_lru_folios`
/// on the memcg's lruvec).
///
/// numasim keeps one LRU order per node and tags each page with its memcg (`MemcgTag`); a
/// memcg's lruvec on a node is the node's list restricted to its pages, in the same order, and
/// its sizes are counted as pages come and go. A limit reclaim walks that order from the tail
/// and takes only the memcg's pages, leaving the others where they are — what the kernel's own
/// per-memcg list would give it. Each page's references, activation and LRU costs are the
/// node's, as before (the costs of the memcg's lruvec are not kept apart).
extension PageAllocator {
    /// `try_to_free_mem_cgroup_pages(memcg, nr_pages, gfp, MEMCG_RECLAIM_MAY_SWAP)`: at least
    /// SWAP_CLUSTER_MAX pages, priority 12 → 0 over every node of the local node's zonelist
    /// (cgroup reclaim skips neither cpuset-disallowed zones nor any zone: `reclaim_idx` is the
    /// highest), counted as direct reclaim (pgscan_direct, pgsteal_direct) but not as an
    /// allocation stall (ALLOCSTALL is global reclaim's). Returns the pages reclaimed.
    func tryToFreeMemCgroupPages(_ m: MemCgroup, pages n: Int, gfp: GFP, cpu: Int) -> Int {
        let row = slot(ofCPU: cpu)
        let local = cpuNode[cpu].flatMap { nodeIndex[$0] } ?? 0
        var sc = ScanControl(nrToReclaim: max(n, ScanControl.swapClusterMax), reclaimIdx: Int.max, order: 0,
                             reclaimer: .direct, row: row, cpuSlot: cpuSlot[cpu])
        sc.targetMemcg = m.index
        var order: [Int] = []
        for ref in zonelistTable.list(nodeIndex: local, thisNode: false) where !order.contains(ref.nodeIndex) { order.append(ref.nodeIndex) }
        while sc.priority >= 0 {
            for node in order { shrinkNode(nodeIndex: node, &sc) }
            if sc.nrReclaimed >= sc.nrToReclaim { break }
            sc.priority -= 1
        }
        return sc.nrReclaimed
    }

    /// `isolate_lru_folios` on memcg `sc.targetMemcg`'s lruvec of node `v` — or, for global
    /// reclaim, on the lruvecs of every memcg not in `sc.protectedMemcgs` (in zones up to
    /// `sc.reclaimIdx`): the node's list `l` walked from its tail (the oldest of the zones'
    /// sublist tails first), taking up to `nrToScan` of those pages and stepping over the others
    /// without moving them. O(pages walked). Under `v.lock`.
    func isolateMemcgLocked(_ v: LRUVec, _ l: LRUVec.List, _ nrToScan: Int, _ sc: ScanControl) -> (taken: [(Zone, Int)], scanned: Int) {
        var cursors: [Int?] = v.zones.map { $0.memmap.tailPfn($0.lruLists[l.rawValue]) }
        var taken: [(Zone, Int)] = []
        var scanned = 0
        while scanned < nrToScan {
            // The oldest cursor (lowest sequence number, compared by wrapping difference).
            var best: Int? = nil
            for (i, c) in cursors.enumerated() {
                guard let pfn = c else { continue }
                if let b = best, let bp = cursors[b] {
                    let z = v.zones[i], bz = v.zones[b]
                    if Int32(bitPattern: z.memmap.lruSeq(pfn) &- bz.memmap.lruSeq(bp)) < 0 { best = i }
                } else { best = i }
            }
            guard let i = best, let pfn = cursors[i] else { break }
            let z = v.zones[i]
            cursors[i] = z.memmap.towardHead(pfn)
            guard let tags = z.memcgTags else { continue }
            let memcg = MemcgTag(tags[pfn - z.startPfn]).index
            if sc.targetMemcg != 0 {
                guard memcg == sc.targetMemcg else { continue }
            } else {
                guard z.index <= sc.reclaimIdx, !sc.protectedMemcgs.contains(memcg) else { continue }
            }
            scanned += 1 << z.memmap.order(pfn: pfn)
            v.remove(z, pfn, l)
            z.memmap.removeLRUFlags(pfn, .lru)
            taken.append((z, pfn))
        }
        return (taken, scanned)
    }
}

extension PageAllocator {
    /// Pages of memcg `m` on LRU list `l` of node index `n` (its lruvec's size, `memory.stat`'s
    /// `inactive_anon` and friends).
    public func memcgLRUPages(_ m: MemCgroup, nodeIndex n: Int, _ l: LRUVec.List) -> Int {
        let v = nodes[n].lruvec
        return v.lock.withLock { v.memcgSize(m.index, l) }
    }

    /// `mem_cgroup_calculate_protection` and the checks of `shrink_node_memcgs` (6.1) for a
    /// global reclaim pass: every memcg is a child of the root, so its effective protection is
    /// its own `memory.min` and `memory.low`. At or below `memory.min` its pages are left alone;
    /// at or below `memory.low` too, unless the reclaim is the retry that may dip into it
    /// (`memcg_low_reclaim`; MEMCG_LOW counted), and the pass notes that it skipped one.
    func memcgProtection(_ sc: inout ScanControl) {
        sc.protectedMemcgs.removeAll(keepingCapacity: true)
        for m in memcgs.dropFirst() {
            let usage = m.current
            if m.min > 0 && usage <= m.min {
                sc.protectedMemcgs.insert(m.index)
            } else if m.low > 0 && usage <= m.low {
                if sc.memcgLowReclaim {
                    m.count(.low)
                } else {
                    sc.memcgLowSkipped = true
                    sc.protectedMemcgs.insert(m.index)
                }
            }
        }
    }
}
