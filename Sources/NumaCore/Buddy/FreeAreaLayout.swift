/// Where a zone's free blocks and pageblock migratetypes go when they were recorded from a real
/// machine (/proc/pagetypeinfo: `pagetypeinfo_showfree_print` — free blocks per migratetype ×
/// order — and `pagetypeinfo_showblockcount_print` — pageblocks per migratetype). The files say
/// how many, not where; this plans a place for each so that the zone's `free_area` holds exactly
/// those blocks on exactly those lists, in a state `__free_one_page` could have left: no two free
/// buddies of the same order (they would have merged).
///
/// * **Pageblocks.** The non-Movable types go to the pageblocks with the most pages that are not
///   managed (reserved or holes), ties from the top of the zone: early kernel allocations
///   (memblock, top-down) are what made the kernel's pageblocks Unmovable. Unmovable first, then
///   Reclaimable, then HighAtomic; the rest stay Movable (`memmap_init`'s default). Pageblocks
///   the file does not count stay Movable.
/// * **Free blocks.** Order-10 blocks take whole managed order-10 chunks of their type. Smaller
///   ones are laid in chunks (or single pageblocks, where a chunk's two pageblocks differ in type)
///   of their type by `fill`: a region that must keep a used page gives one half to a wanted free
///   block of the half's order and recurses into the other half, so each free block's buddy
///   always holds a used page. Blocks that do not fit in their own type's pageblocks (the kernel
///   has such after `steal_suitable_fallback` moved free pages without claiming the pageblock)
///   are laid in the remaining regions of any type.
/// * Every other managed page is in use (allocated, or on a pcp or LRU list).
public struct FreeAreaLayout: Sendable {
    public struct Problem: Error, Sendable { public var key: String; public var message: String }

    /// Migratetype of each pageblock of the zone, from the one holding `startPfn`.
    public private(set) var pageblockTypes: [MigrateType]
    /// The free blocks, in ascending pfn.
    public private(set) var blocks: [(pfn: Int, order: Int, mt: MigrateType)] = []

    let startPfn: Int, endPfn: Int, pageblockOrder: Int, firstPageblock: Int
    /// managedBefore[i]: managed pages in [startPfn, startPfn + i).
    let managedBefore: [Int]
    var need: [[Int]]

    /// `managed`: the zone's managed pfn ranges (as boot frees them); `freeBlocks[mt][order]`.
    public init(startPfn: Int, count: Int, pageblockOrder: Int, managed: [Range<Int>], pageblocks: [Int]?,
                freeBlocks: [[Int]]) throws(Problem) {
        self.startPfn = startPfn
        endPfn = startPfn + count
        self.pageblockOrder = pageblockOrder
        firstPageblock = startPfn >> pageblockOrder
        var marks = [Int](repeating: 0, count: count + 1)
        for r in managed { for p in r.clamped(to: startPfn..<(startPfn + count)) { marks[p - startPfn + 1] = 1 } }
        for i in 1...count where count > 0 { marks[i] += marks[i - 1] }
        managedBefore = marks
        need = freeBlocks
        let wanted = freeBlocks.enumerated().reduce(0) { sum, row in
            row.offset == Int(MigrateType.isolate.rawValue) ? sum : sum + row.element.enumerated().reduce(0) { $0 + ($1.element << $1.offset) }
        }
        let blockCount = count == 0 ? 0 : ((startPfn + count - 1) >> pageblockOrder) - firstPageblock + 1
        pageblockTypes = Array(repeating: .movable, count: blockCount)
        if let pageblocks { assignPageblocks(pageblocks) }
        placeFreeBlocks()
        if let (mt, order) = firstUnplaced() {
            throw Problem(key: "free_blocks",
                          message: "cannot lay out the recorded free blocks: \(need[mt][order]) \(MigrateType(rawValue: UInt8(mt))!) block(s) of order \(order) do not fit (each free block needs its buddy to hold a used page, and the zone has \(managedBefore[count] - wanted) managed pages in use); expected a pagetypeinfo of this zone")
        }
        blocks.sort { $0.pfn < $1.pfn }
    }

    func firstUnplaced() -> (Int, Int)? {
        for (mt, row) in need.enumerated() { for (o, n) in row.enumerated() where n > 0 { return (mt, o) } }
        return nil
    }

    func managedPages(_ r: Range<Int>) -> Int {
        let lo = max(r.lowerBound, startPfn) - startPfn, hi = min(r.upperBound, endPfn) - startPfn
        return hi > lo ? managedBefore[hi] - managedBefore[lo] : 0
    }

    func pageblockRange(_ i: Int) -> Range<Int> { ((firstPageblock + i) << pageblockOrder)..<((firstPageblock + i + 1) << pageblockOrder) }

    public func type(ofPfn pfn: Int) -> MigrateType { pageblockTypes[(pfn >> pageblockOrder) - firstPageblock] }

    mutating func assignPageblocks(_ counts: [Int]) {
        let order = pageblockTypes.indices.sorted { a, b in
            let ua = (1 << pageblockOrder) - managedPages(pageblockRange(a)), ub = (1 << pageblockOrder) - managedPages(pageblockRange(b))
            return ua != ub ? ua > ub : a > b
        }
        var next = 0
        for mt in [MigrateType.unmovable, .reclaimable, .highAtomic] {
            for _ in 0..<counts[Int(mt.rawValue)] where next < order.count {
                pageblockTypes[order[next]] = mt
                next += 1
            }
        }
    }

    /// A block of `order` at `pfn` can be free: all its pages managed (and, when `mt` is given,
    /// all in pageblocks of that type).
    func placeable(_ pfn: Int, _ order: Int, _ mt: MigrateType?) -> Bool {
        let r = pfn..<(pfn + (1 << order))
        guard r.lowerBound >= startPfn, r.upperBound <= endPfn, managedPages(r) == r.count else { return false }
        guard let mt else { return true }
        var p = pfn
        while p < r.upperBound { if type(ofPfn: p) != mt { return false }; p += 1 << pageblockOrder }
        return true
    }

    func anyNeed(below h: Int, _ types: [MigrateType]) -> Bool {
        types.contains { mt in (0..<h).contains { need[Int(mt.rawValue)][$0] > 0 } }
    }

    /// Lays wanted free blocks in `[off, off + 2^k)`, keeping at least one page of it in use.
    mutating func fill(_ off: Int, _ k: Int, _ types: [MigrateType], strict: Bool) {
        guard k > 0 else { return }
        let h = k - 1, half = 1 << h
        for mt in types where need[Int(mt.rawValue)][h] > 0 {
            for (free, rest) in [(off + half, off), (off, off + half)] where placeable(free, h, strict ? mt : nil) {
                need[Int(mt.rawValue)][h] -= 1
                blocks.append((free, h, mt))
                fill(rest, h, types, strict: strict)
                return
            }
        }
        guard anyNeed(below: h, types) else { return }
        fill(off, h, types, strict: strict)
        if anyNeed(below: h, types) { fill(off + half, h, types, strict: strict) }
    }

    mutating func placeFreeBlocks() {
        let maxOrder = FreeArea.maxOrder - 1
        // Regions: aligned order-10 chunks whose pageblocks share a type, else single pageblocks.
        var regions: [(start: Int, order: Int)] = []
        var c = startPfn >> maxOrder
        while c << maxOrder < endPfn {
            let chunk = (c << maxOrder)..<((c + 1) << maxOrder)
            var types = Set<MigrateType>()
            var p = chunk.lowerBound
            while p < chunk.upperBound {
                if p + (1 << pageblockOrder) > startPfn && p < endPfn { types.insert(type(ofPfn: Swift.max(p, startPfn))) }
                p += 1 << pageblockOrder
            }
            if types.count <= 1 {
                regions.append((chunk.lowerBound, maxOrder))
            } else {
                p = chunk.lowerBound
                while p < chunk.upperBound { regions.append((p, pageblockOrder)); p += 1 << pageblockOrder }
            }
            c += 1
        }
        var used = [Bool](repeating: false, count: regions.count)
        // A pageblock region wholly free: its buddy pageblock must keep a used page.
        var noWhole = [Bool](repeating: false, count: regions.count)
        let index = Dictionary(uniqueKeysWithValues: regions.enumerated().map { ($1.start, $0) })
        let all: [MigrateType] = [.unmovable, .movable, .reclaimable, .highAtomic]
        for strict in [true, false] {
            // Whole order-10 blocks first: they need clean chunks.
            for mt in all {
                for (i, r) in regions.enumerated() where !used[i] && r.order == maxOrder && need[Int(mt.rawValue)][maxOrder] > 0 {
                    guard placeable(r.start, maxOrder, strict ? mt : nil) else { continue }
                    need[Int(mt.rawValue)][maxOrder] -= 1
                    blocks.append((r.start, maxOrder, mt))
                    used[i] = true
                }
            }
            for (i, r) in regions.enumerated() where r.order == pageblockOrder && r.order < maxOrder && !used[i] && !noWhole[i] {
                for mt in all where need[Int(mt.rawValue)][r.order] > 0 && placeable(r.start, r.order, strict ? mt : nil) {
                    need[Int(mt.rawValue)][r.order] -= 1
                    blocks.append((r.start, r.order, mt))
                    used[i] = true
                    if let b = index[r.start ^ (1 << r.order)] { noWhole[b] = true }
                    break
                }
            }
            for mt in all {
                let types = strict ? [mt] : all
                for (i, r) in regions.enumerated() where !used[i] && anyNeed(below: maxOrder, types) {
                    guard managedPages(r.start..<(r.start + (1 << r.order))) > 0 else { continue }
                    if strict && !(r.start..<(r.start + (1 << r.order))).contains(where: { $0 >= startPfn && $0 < endPfn && type(ofPfn: $0) == mt }) { continue }
                    used[i] = true
                    fill(r.start, r.order, types, strict: strict)
                }
            }
        }
    }
}
