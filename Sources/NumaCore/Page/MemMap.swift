/// `mem_map`: the page frames of one zone, and the intrusive lists they sit on.
///
/// Stored as parallel arrays indexed by `pfn - startPfn` (struct-of-arrays keeps the hot fields
/// dense): flags (1 B), order (1 B), stored migratetype (1 B, packed with order would be
/// possible), and the `lru` list links `next`/`prev` (4 B each) — 11 bytes per page, against the
/// kernel's 64-byte `struct page`. Plus one byte of migratetype per 512-page pageblock
/// (`pageblock_flags`). A page is on at most one list at a time, as `page->lru` is.
public struct MemMap: Sendable {
    public let startPfn: Int
    public let count: Int
    public let pageblockOrder: Int
    var flags: [UInt8]
    var order: [UInt8]
    var storedMT: [UInt8]
    var next: [Int32]
    var prev: [Int32]
    var pageblockMT: [UInt8]

    public static let bytesPerPage = 11

    public init(startPfn: Int, count: Int, pageblockOrder: Int) {
        self.startPfn = startPfn
        self.count = count
        self.pageblockOrder = pageblockOrder
        flags = [UInt8](repeating: PageFlags.reserved.rawValue, count: count)
        order = [UInt8](repeating: 0, count: count)
        storedMT = [UInt8](repeating: 0, count: count)
        next = [Int32](repeating: -1, count: count)
        prev = [Int32](repeating: -1, count: count)
        // memmap_init marks every pageblock MIGRATE_MOVABLE. Pageblocks are aligned to absolute pfns.
        let firstBlock = startPfn >> pageblockOrder
        let lastBlock = count == 0 ? firstBlock : (startPfn + count - 1) >> pageblockOrder
        pageblockMT = [UInt8](repeating: MigrateType.movable.rawValue, count: lastBlock - firstBlock + 1)
    }

    @inline(__always) public func contains(pfn: Int) -> Bool { pfn >= startPfn && pfn < startPfn + count }
    @inline(__always) func index(_ pfn: Int) -> Int { pfn - startPfn }

    public func flags(pfn: Int) -> PageFlags { PageFlags(rawValue: flags[index(pfn)]) }
    public func order(pfn: Int) -> Int { Int(order[index(pfn)]) }

    public func frame(pfn: Int) -> PageFrame {
        let i = index(pfn)
        return PageFrame(pfn: pfn, flags: PageFlags(rawValue: flags[i]), order: Int(order[i]),
                         storedMigrateType: MigrateType(rawValue: storedMT[i]) ?? .unmovable)
    }

    /// `get_pageblock_migratetype`.
    @inline(__always) public func pageblockMigrateType(pfn: Int) -> MigrateType {
        MigrateType(rawValue: pageblockMT[(pfn >> pageblockOrder) - (startPfn >> pageblockOrder)])!
    }

    /// `set_pageblock_migratetype`.
    @inline(__always) public mutating func setPageblockMigrateType(pfn: Int, _ mt: MigrateType) {
        pageblockMT[(pfn >> pageblockOrder) - (startPfn >> pageblockOrder)] = mt.rawValue
    }

    @inline(__always) mutating func setFlags(_ pfn: Int, _ f: PageFlags) { flags[index(pfn)] = f.rawValue }
    @inline(__always) mutating func setOrder(_ pfn: Int, _ o: Int) { order[index(pfn)] = UInt8(o) }
    @inline(__always) mutating func setStoredMT(_ pfn: Int, _ mt: MigrateType) { storedMT[index(pfn)] = mt.rawValue }
    @inline(__always) func storedMigrateType(_ pfn: Int) -> MigrateType { MigrateType(rawValue: storedMT[index(pfn)])! }
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
    @inline(__always) mutating func pushHead(_ pfn: Int, _ list: inout PageList) {
        let i = Int32(index(pfn))
        next[Int(i)] = list.head
        prev[Int(i)] = -1
        if list.head >= 0 { prev[Int(list.head)] = i } else { list.tail = i }
        list.head = i
        list.count += 1
    }

    /// `list_add_tail`.
    @inline(__always) mutating func pushTail(_ pfn: Int, _ list: inout PageList) {
        let i = Int32(index(pfn))
        prev[Int(i)] = list.tail
        next[Int(i)] = -1
        if list.tail >= 0 { next[Int(list.tail)] = i } else { list.head = i }
        list.tail = i
        list.count += 1
    }

    /// `list_del`.
    @inline(__always) mutating func unlink(_ pfn: Int, _ list: inout PageList) {
        let i = index(pfn)
        let n = next[i], p = prev[i]
        if p >= 0 { next[Int(p)] = n } else { list.head = n }
        if n >= 0 { prev[Int(n)] = p } else { list.tail = p }
        next[i] = -1
        prev[i] = -1
        list.count -= 1
    }

    @inline(__always) func headPfn(_ list: PageList) -> Int? { list.head < 0 ? nil : Int(list.head) + startPfn }
    @inline(__always) func tailPfn(_ list: PageList) -> Int? { list.tail < 0 ? nil : Int(list.tail) + startPfn }

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
