import Synchronization

/// `mem_map`: the page frames of one zone, and the intrusive lists they sit on.
///
/// Stored as parallel arrays indexed by `pfn - startPfn` (struct-of-arrays keeps the hot fields
/// dense): flags (1 B), order (1 B), the migratetype remembered on a free or pcp page (1 B), the
/// LRU state (1 B: kind, PG_lru, PG_active, PG_referenced, PTE young, dirty — `LRUFlags`), the
/// `lru` list links `next`/`prev` (4 B each), an allocation generation (4 B) that tells an
/// owner whether reclaim took its page and the node-wide LRU sequence number (4 B, `LRUVec`)
/// — 20 bytes per page, against the kernel's 64-byte
/// `struct page` — plus the migratetype of each 512-page pageblock (`pageblock_flags`), kept
/// sparse by `PageblockTypes`: one byte per pageblock only in the 8 GiB chunks where some
/// pageblock is not MOVABLE.
///
/// Sparse, as SPARSEMEM's `mem_map` is in memory that is really there: the arrays are reserved
/// address space (`PageRecordStorage`) and a record costs host memory only once written. Boot
/// writes the records of holes, reserved pages and partial blocks (`initialise`); whole free
/// MAX_ORDER blocks stay unwritten until the zone first hands one out (`Zone+UntouchedBlocks`).
/// A page is on at most one list at a time (free list, pcp list or LRU), as `page->lru` is.
///
/// A struct of pointers stored inline in its `Zone` (one load less on every page access than
/// a separate object); the zone frees the storage (`deallocate`) when it goes.
/// The storage is unsafe buffers owned by the zone, so writes cost no copy-on-write check and
/// the per-CPU fast path can touch its own pages without a lock. Flags, order and the pageblock
/// migratetype are read by other CPUs without the zone lock (the buddy check of `__free_one_page`
/// looks at a neighbour that may sit on another CPU's pcp list; `get_pfnblock_migratetype` runs
/// lock-free in the free path), so they are relaxed atomics — plain byte loads and stores on x86,
/// and no data race for ThreadSanitizer. The links and the remembered migratetype are only
/// touched by the owner of the list the page is on (a CPU for its pcp, the zone-lock holder for
/// the free lists).
public struct MemMap: @unchecked Sendable {
    public let startPfn: Int
    public let count: Int
    public let pageblockOrder: Int
    let flagsStorage: UnsafeMutablePointer<Atomic<UInt8>>
    let orderStorage: UnsafeMutablePointer<Atomic<UInt8>>
    let storedMT: UnsafeMutablePointer<UInt8>
    let lruStorage: UnsafeMutablePointer<Atomic<UInt8>>
    let generationStorage: UnsafeMutablePointer<Atomic<UInt32>>
    let next: UnsafeMutablePointer<Int32>
    let prev: UnsafeMutablePointer<Int32>
    /// `pageblock_flags`: the migratetype of each pageblock, sparse (`PageblockTypes`).
    public let pageblockTypes: PageblockTypes
    /// The node-wide LRU sequence number of a page on an LRU list (`LRUVec`); written only
    /// under the node's lru_lock.
    let lruSeqStorage: UnsafeMutablePointer<UInt32>
    let storage: PageRecordStorage
    let firstPageblock: Int
    public let pageblockCount: Int

    public static let bytesPerPage = 20

    /// Reserves the storage of `count` page records. The records are not written: a record reads
    /// as a reserved page on no list (zero bytes, see `storedFlags`) until the zone frees the page
    /// or first uses a never-touched free block, and the host's memory is committed only for
    /// what is written (see `PageRecordStorage`), so a 64 TiB machine costs what its touched
    /// pages cost. O(1) but the pageblock table's flags (one per 4096 pageblocks).
    public init(startPfn: Int, count: Int, pageblockOrder: Int) {
        precondition(count < Int(Int32.max),
                     "a zone of \(count) pages: numasim links pages by 32-bit index, so a zone can span at most 2^31 - 1 pages (8 TiB of 4 KiB pages)")
        self.startPfn = startPfn
        self.count = count
        self.pageblockOrder = pageblockOrder
        let n = Swift.max(count, 1)
        storage = PageRecordStorage(pages: n)
        flagsStorage = storage.array(0, of: Atomic<UInt8>.self)
        orderStorage = storage.array(1, of: Atomic<UInt8>.self)
        storedMT = storage.array(2, of: UInt8.self)
        lruStorage = storage.array(3, of: Atomic<UInt8>.self)
        generationStorage = storage.array(4, of: Atomic<UInt32>.self)
        next = storage.array(5, of: Int32.self)
        prev = storage.array(6, of: Int32.self)
        lruSeqStorage = storage.array(7, of: UInt32.self)
        // memmap_init marks every pageblock MIGRATE_MOVABLE: what `PageblockTypes` reads
        // wherever nothing was stored. Pageblocks are aligned to absolute pfns.
        firstPageblock = startPfn >> pageblockOrder
        let lastBlock = count == 0 ? firstPageblock : (startPfn + count - 1) >> pageblockOrder
        pageblockCount = lastBlock - firstPageblock + 1
        pageblockTypes = PageblockTypes(blocks: firstPageblock...lastBlock, pageblockOrder: pageblockOrder)
    }

    /// `memmap_init_range` for `pfns`: the records as boot leaves a page before the buddy
    /// allocator gets it — PageReserved, on no list (links -1). Records never written already
    /// read so; this resets records in use before (offline, online). O(pfns.count).
    public func initialise(_ pfns: Range<Int>) {
        guard !pfns.isEmpty else { return }
        writeRecords(from: index(pfns.lowerBound), count: pfns.count, flags: .reserved)
    }

    /// Writes the records of a free block that was never touched: its head a buddy page of
    /// `order` on no list yet, the rest tail pages. O(2^order).
    func initialiseFreeBlock(_ pfn: Int, order: Int, _ mt: MigrateType) {
        writeRecords(from: index(pfn), count: 1 << order, flags: .tail)
        setFlags(pfn, .buddy)
        setOrder(pfn, order)
        setStoredMT(pfn, mt)
    }

    /// `count` records from index `lo`: `flags`, order 0, no LRU state, on no list.
    private func writeRecords(from lo: Int, count n: Int, flags: PageFlags) {
        let stored = MemMap.storedFlags(flags)
        for i in lo..<(lo + n) {
            flagsStorage[i].store(stored, ordering: .relaxed)
            orderStorage[i].store(0, ordering: .relaxed)
            lruStorage[i].store(0, ordering: .relaxed)
        }
        storedMT.advanced(by: lo).update(repeating: 0, count: n)
        next.advanced(by: lo).update(repeating: -1, count: n)
        prev.advanced(by: lo).update(repeating: -1, count: n)
    }

    func deallocate() {
        storage.release()
        pageblockTypes.deallocate()
    }

    @inline(__always) public func contains(pfn: Int) -> Bool { pfn >= startPfn && pfn < startPfn + count }
    @inline(__always) func index(_ pfn: Int) -> Int { pfn - startPfn }

    @inline(__always) public func flags(pfn: Int) -> PageFlags {
        MemMap.pageFlags(stored: flagsStorage[index(pfn)].load(ordering: .relaxed))
    }
    @inline(__always) public func order(pfn: Int) -> Int { Int(orderStorage[index(pfn)].load(ordering: .relaxed)) }

    public func frame(pfn: Int) -> PageFrame {
        PageFrame(pfn: pfn, flags: flags(pfn: pfn), order: order(pfn: pfn),
                  storedMigrateType: MigrateType(rawValue: storedMT[index(pfn)]) ?? .unmovable)
    }

    /// `get_pageblock_migratetype`. O(1).
    @inline(__always) public func pageblockMigrateType(pfn: Int) -> MigrateType {
        pageblockTypes.type(pfn: pfn)
    }

    /// The first pageblock of `pfns` whose migratetype is not `mt` (nil: all are), as the pfn
    /// it starts at. O(8 GiB chunks spanned + pageblocks scanned in chunks that hold a
    /// non-MOVABLE type), see `PageblockTypes`.
    public func firstPageblock(in pfns: Range<Int>, notOf mt: MigrateType) -> Int? {
        guard !pfns.isEmpty else { return nil }
        let blocks = (pfns.lowerBound >> pageblockOrder)..<(((pfns.upperBound - 1) >> pageblockOrder) + 1)
        return pageblockTypes.firstBlock(in: blocks, notOf: mt).map { $0 << pageblockOrder }
    }

    /// Pageblocks of each migratetype (indexed by `MigrateType.rawValue`) among the `n`
    /// consecutive pageblocks from the one holding `pfn`. O(chunks spanned + pageblocks of
    /// chunks that hold a non-MOVABLE type).
    public func pageblockTypeCounts(from pfn: Int, blocks n: Int) -> [Int] {
        let first = pfn >> pageblockOrder
        return pageblockTypes.counts(of: first..<(first + n))
    }

    /// The first pfn in `pfn..<end` whose page is not exactly PG_reserved (`end` if none): skips
    /// the kernel's own reserved memory in a few word compares per 8 pages. O(end - pfn) / 8.
    public func endOfReserved(from pfn: Int, to end: Int) -> Int {
        var i = index(pfn)
        let stop = index(end)
        let bytes = UnsafeRawPointer(flagsStorage)
        // A reserved page's stored flag byte is 0 (`storedFlags`).
        while i < stop && i & 7 != 0 {
            if bytes.load(fromByteOffset: i, as: UInt8.self) != 0 { return i + startPfn }
            i += 1
        }
        while i + 8 <= stop && bytes.load(fromByteOffset: i, as: UInt64.self) == 0 { i += 8 }
        while i < stop && bytes.load(fromByteOffset: i, as: UInt8.self) == 0 { i += 1 }
        return i + startPfn
    }

    /// `set_pageblock_migratetype` (under the zone lock). O(1); the first non-MOVABLE type in
    /// an 8 GiB chunk commits the chunk's 4 KiB of bytes.
    @inline(__always) public func setPageblockMigrateType(pfn: Int, _ mt: MigrateType) {
        pageblockTypes.set(pfn: pfn, mt)
    }

    @inline(__always) func setFlags(_ pfn: Int, _ f: PageFlags) { flagsStorage[index(pfn)].store(MemMap.storedFlags(f), ordering: .relaxed) }
    @inline(__always) func setOrder(_ pfn: Int, _ o: Int) { orderStorage[index(pfn)].store(UInt8(truncatingIfNeeded: o), ordering: .relaxed) }
    @inline(__always) func setStoredMT(_ pfn: Int, _ mt: MigrateType) { storedMT[index(pfn)] = mt.rawValue }
    @inline(__always) func storedMigrateType(_ pfn: Int) -> MigrateType { MigrateType(stored: storedMT[index(pfn)]) }
    /// The LRU state byte (`LRUFlags`); bits change by atomic read-modify-write because the
    /// owner sets PTE-young/dirty lock-free while reclaim changes the rest under the LRU lock.
    @inline(__always) public func lruFlags(pfn: Int) -> LRUFlags { LRUFlags(rawValue: lruStorage[index(pfn)].load(ordering: .relaxed)) }
    @inline(__always) func lruSeq(_ pfn: Int) -> UInt32 { lruSeqStorage[index(pfn)] }
    @inline(__always) func setLRUSeq(_ pfn: Int, _ s: UInt32) { lruSeqStorage[index(pfn)] = s }
    @inline(__always) func setLRUFlags(_ pfn: Int, _ f: LRUFlags) { lruStorage[index(pfn)].store(f.rawValue, ordering: .relaxed) }
    /// Sets bits; returns the previous state.
    @discardableResult @inline(__always) func insertLRUFlags(_ pfn: Int, _ f: LRUFlags) -> LRUFlags {
        LRUFlags(rawValue: lruStorage[index(pfn)].bitwiseOr(f.rawValue, ordering: .relaxed).oldValue)
    }
    /// Clears bits; returns the previous state (`TestClearPageReferenced` and friends).
    @discardableResult @inline(__always) func removeLRUFlags(_ pfn: Int, _ f: LRUFlags) -> LRUFlags {
        LRUFlags(rawValue: lruStorage[index(pfn)].bitwiseAnd(~f.rawValue, ordering: .relaxed).oldValue)
    }
    /// The generation of a block head: bumped when reclaim takes the page, so the handle of the
    /// owner it was taken from no longer matches; read into every new handle at allocation.
    @inline(__always) public func generation(pfn: Int) -> UInt32 { generationStorage[index(pfn)].load(ordering: .relaxed) }
    /// Only reclaim calls this, with the page isolated and the LRU lock held, so a load and a
    /// store suffice.
    @inline(__always) func bumpGeneration(_ pfn: Int) -> UInt32 {
        let g = generationStorage[index(pfn)].load(ordering: .relaxed) &+ 1
        generationStorage[index(pfn)].store(g, ordering: .relaxed)
        return g
    }

    @inline(__always) func flags(at i: Int) -> PageFlags { MemMap.pageFlags(stored: flagsStorage[i].load(ordering: .relaxed)) }

    /// Flags are stored with PG_reserved inverted, so a record never written — zero bytes —
    /// reads as a reserved page on no list with order 0: what `memmap_init` leaves before the
    /// buddy allocator gets the page. Boot then writes only the records of pages it frees.
    @inline(__always) static func storedFlags(_ f: PageFlags) -> UInt8 { f.rawValue ^ PageFlags.reserved.rawValue }
    @inline(__always) static func pageFlags(stored b: UInt8) -> PageFlags { PageFlags(rawValue: b ^ PageFlags.reserved.rawValue) }
    @inline(__always) func order(at i: Int) -> Int { Int(orderStorage[i].load(ordering: .relaxed)) }

    // By index (`pfn - startPfn`), for the order-0 fast paths, which already hold the index.
    @inline(__always) func setFlags(at i: Int, _ f: PageFlags) { flagsStorage[i].store(MemMap.storedFlags(f), ordering: .relaxed) }
    @inline(__always) func setStoredMT(at i: Int, _ mt: MigrateType) { storedMT[i] = mt.rawValue }
    @inline(__always) func generation(at i: Int) -> UInt32 { generationStorage[i].load(ordering: .relaxed) }
    /// `get_pageblock_migratetype` without the shift-width checks (`pageblockOrder` < 64).
    @inline(__always) func pageblockMigrateType(at i: Int) -> MigrateType {
        pageblockTypes.type(pfn: i &+ startPfn)
    }
}

/// A doubly linked list of pages threaded through `MemMap.next/prev` (`struct list_head`).
/// All operations are O(1).
public struct PageList: Sendable, Equatable {
    public var head: Int32 = -1
    public var tail: Int32 = -1
    public var count: Int = 0
    public var isEmpty: Bool { head < 0 }
    public init() {}
}

extension MemMap {
    /// `list_add`: insert at the head.
    @inline(__always) func pushHead(_ pfn: Int, _ list: inout PageList) { link(pfn, &list, atHead: true) }

    /// `list_add_tail`.
    @inline(__always) func pushTail(_ pfn: Int, _ list: inout PageList) { link(pfn, &list, atHead: false) }

    /// Links `pfn` in at one end of `list`. The two ends mirror each other: at the head the new
    /// entry's `next` is the old head, at the tail its `prev` is the old tail, so the link arrays
    /// swap roles (the constant `atHead` folds away when inlined).
    @inline(__always) private func link(_ pfn: Int, _ list: inout PageList, atHead: Bool) {
        let i = Int32(truncatingIfNeeded: index(pfn))
        let (away, toward) = atHead ? (next, prev) : (prev, next)
        let end = atHead ? list.head : list.tail
        away[Int(i)] = end
        toward[Int(i)] = -1
        if end >= 0 { toward[Int(end)] = i } else if atHead { list.tail = i } else { list.head = i }
        if atHead { list.head = i } else { list.tail = i }
        list.count += 1
    }

    /// `list_del`.
    @inline(__always) func unlink(_ pfn: Int, _ list: inout PageList) {
        let i = index(pfn)
        let n = next[i], p = prev[i]
        if p >= 0 { next[Int(p)] = n } else { list.head = n }
        if n >= 0 { prev[Int(n)] = p } else { list.tail = p }
        next[i] = -1
        prev[i] = -1
        list.count -= 1
    }

    /// `list_add` by index.
    @inline(__always) func pushHead(index i: Int, _ list: inout PageList) {
        let i32 = Int32(truncatingIfNeeded: i)
        let h = list.head
        next[i] = h
        prev[i] = -1
        if h >= 0 { prev[Int(h)] = i32 } else { list.tail = i32 }
        list.head = i32
        list.count &+= 1
    }

    /// `list_del` of the head `i` (whose `prev` is always -1).
    @inline(__always) func popHead(index i: Int, _ list: inout PageList) {
        let n = next[i]
        list.head = n
        if n >= 0 { prev[Int(n)] = -1 } else { list.tail = -1 }
        next[i] = -1
        list.count &-= 1
    }

    @inline(__always) func headPfn(_ list: PageList) -> Int? { list.head < 0 ? nil : Int(list.head) + startPfn }
    @inline(__always) func tailPfn(_ list: PageList) -> Int? { list.tail < 0 ? nil : Int(list.tail) + startPfn }
    /// The entry one step from `pfn` toward its list's head (`prev`); nil at the head.
    @inline(__always) func towardHead(_ pfn: Int) -> Int? {
        let p = prev[index(pfn)]
        return p < 0 ? nil : Int(p) + startPfn
    }

    /// The pfns of a list from head to tail (for invariant checks and dumps; O(n)).
    public func pfns(of list: PageList) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(list.count)
        var i = list.head
        while i >= 0 && out.count <= list.count {
            out.append(Int(i) + startPfn)
            i = next[Int(i)]
        }
        return out
    }
}
