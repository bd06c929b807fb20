/// `struct lruvec` (include/linux/mmzone.h) of one node (`pgdat->__lruvec`, Linux ≥ 4.8): the
/// four evictable LRU lists, `lru_lock` and `nonresident_age` (mm/workingset.c).
///
/// The node's lists are one LRU order over all its zones, as the kernel's are. They are stored
/// as per-zone sublists threaded through each zone's `MemMap` links (`Zone.lruLists`), and every
/// page gets a node-wide sequence number when it goes on a list's head (`MemMap.lruSeq`): the
/// node list's tail is the oldest sublist tail. Every list operation the kernel does on
/// `lruvec->lists[lru]` is a head insertion, a tail removal or an unlink, so the merged order is
/// exactly the node list's order. The sublist counts are the per-zone sizes the kernel keeps as
/// `NR_ZONE_{IN,}ACTIVE_{ANON,FILE}` (`update_lru_size`).
public final class LRUVec: @unchecked Sendable {
    /// `enum lru_list`: LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE.
    public enum List: Int, CaseIterable, Sendable {
        case inactiveAnon = 0, activeAnon = 1, inactiveFile = 2, activeFile = 3
        public var isFile: Bool { rawValue >= 2 }
        public var isActive: Bool { rawValue & 1 == 1 }
        public static func of(kind: PageKind, active: Bool) -> List {
            List(rawValue: (kind == .file ? 2 : 0) + (active ? 1 : 0))!
        }
        /// The name /proc/vmstat gives the list's size.
        public var statName: String {
            ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file"][rawValue]
        }
        /// The per-zone name /proc/zoneinfo gives it.
        public var zoneStatName: String {
            ["nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file"][rawValue]
        }
    }

    /// `lruvec->lru_lock`
    public let lock = SpinLock()
    /// The node's zones (`node_zones`), by zone index.
    let zones: [Zone]
    /// Sequence number of the last head insertion (wraps; compared by signed difference).
    @exclusivity(unchecked) var seq: UInt32 = 0
    /// `lruvec->nonresident_age` (mm/workingset.c): evictions and activations so far, the
    /// clock of refault distances. Under `lock`.
    @exclusivity(unchecked) public internal(set) var nonresidentAge = 0
    /// WORKINGSET_ACTIVATE_{ANON,FILE} of the node, and `lruvec->refaults[]`, their values when
    /// the last reclaim run ended (`snapshot_refaults`). Under `lock`.
    @exclusivity(unchecked) var workingsetActivate = [0, 0]
    @exclusivity(unchecked) var refaultsSnapshot = [0, 0]
    /// `lruvec->anon_cost`, `lruvec->file_cost` (`lru_note_cost`): pages written out by reclaim
    /// of each type, a decaying average. Under `lock`.
    @exclusivity(unchecked) public internal(set) var anonCost = 0
    @exclusivity(unchecked) public internal(set) var fileCost = 0
    /// Shadow entries of evicted file pages by stale handle (`PageAllocator+Workingset`):
    /// `nonresident_age` at eviction. Under `lock`.
    @exclusivity(unchecked) var shadows: [UInt64: Int] = [:]
    /// `pgskip_<zone>` (`__count_zid_vm_events(PGSCAN_SKIP, ...)`) by zone index. Under `lock`.
    @exclusivity(unchecked) public internal(set) var pgskip: [Int]

    /// With cgroups: the node's pages on each list by memory cgroup, `[memcg index × 4 + list]`
    /// (the sizes of the memcgs' lruvecs on this node, `mem_cgroup_lruvec`); nil without. Under `lock`.
    @exclusivity(unchecked) var memcgSizes: UnsafeMutablePointer<Int>?

    init(zones: [Zone]) {
        self.zones = zones
        pgskip = Array(repeating: 0, count: zones.count)
    }

    deinit { memcgSizes?.deallocate() }

    /// `lruvec_add_folio`: `pfn` of zone `z` at the head of list `l`. Under `lock`.
    /// A large folio (a THP, order 9) is one entry counted as its pages (`update_lru_size` with
    /// `folio_nr_pages`).
    @inline(__always) func addHead(_ z: Zone, _ pfn: Int, _ l: List) {
        seq &+= 1
        z.memmap.setLRUSeq(pfn, seq)
        z.memmap.pushHead(pfn, &z.lruLists[l.rawValue])
        let nr = 1 << z.memmap.order(pfn: pfn)
        if nr > 1 { z.lruLargeExtra[l.rawValue] += nr - 1 }
        if let sizes = memcgSizes, let tags = z.memcgTags { sizes[MemcgTag(tags[pfn - z.startPfn]).index << 2 | l.rawValue] += nr }
    }

    /// `lruvec_del_folio`. Under `lock`.
    @inline(__always) func remove(_ z: Zone, _ pfn: Int, _ l: List) {
        z.memmap.unlink(pfn, &z.lruLists[l.rawValue])
        let nr = 1 << z.memmap.order(pfn: pfn)
        if nr > 1 { z.lruLargeExtra[l.rawValue] -= nr - 1 }
        if let sizes = memcgSizes, let tags = z.memcgTags { sizes[MemcgTag(tags[pfn - z.startPfn]).index << 2 | l.rawValue] -= nr }
    }

    /// Pages of memory cgroup `memcg` on list `l` of this node (`lruvec_lru_size` of its lruvec;
    /// numasim keeps one LRU order per node, each page tagged with its memcg). Under `lock`.
    func memcgSize(_ memcg: Int, _ l: List) -> Int { memcgSizes.map { $0[memcg << 2 | l.rawValue] } ?? 0 }

    /// `lru_to_folio(&lruvec->lists[l])`: the node list's tail, the oldest of the zones'
    /// sublist tails. Under `lock`.
    @inline(__always) func tail(_ l: List) -> (zone: Zone, pfn: Int)? {
        var best: (zone: Zone, pfn: Int)? = nil
        var bestSeq: UInt32 = 0
        for z in zones {
            guard let pfn = z.memmap.tailPfn(z.lruLists[l.rawValue]) else { continue }
            let s = z.memmap.lruSeq(pfn)
            if best == nil || Int32(bitPattern: s &- bestSeq) < 0 { best = (z, pfn); bestSeq = s }
        }
        return best
    }

    /// Pages on list `l` of the zones up to `highestZone` (`lruvec_lru_size`). Under `lock`.
    func size(_ l: List, highestZone: Int = Int.max) -> Int {
        var s = 0
        for z in zones where z.index <= highestZone { s += z.lruLists[l.rawValue].count + z.lruLargeExtra[l.rawValue] }
        return s
    }

    /// Pages on list `l` of the node, all zones.
    public func count(_ l: List) -> Int { lock.withLock { size(l) } }
}
