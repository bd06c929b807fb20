/// Free MAX_ORDER blocks whose page records numasim has never written (the sparse part of
/// `MemMap`): on a big machine almost every page at boot sits in such a block at the tail of
/// the MOVABLE order-10 free list (`memblock_free_all` frees to the tail, in address order), and
/// most stay there. Keeping them as pfn runs instead of list entries makes boot O(zones) and
/// host memory follow the pages a workload touches.
///
/// The free list of order 10, MOVABLE is then: the linked entries up to `gapAfter`, these blocks
/// in `runs` order, and the linked entries after `gapAfter` (blocks freed to the tail since, such
/// as onlined memory). `nr_free` and NR_FREE_PAGES count them as the kernel counts the listed
/// blocks they stand for; the zone writes a block's records (`Zone.touchFirstUntouchedBlock`)
/// before anything can see it — whenever the list's linked part before the gap runs empty —
/// so the list head is always a real entry and no other code needs to know.
public struct UntouchedBlocks: Sendable, Equatable {
    /// MAX_ORDER - 1.
    public static let order = FreeArea.maxOrder - 1
    public static let pages = 1 << order
    /// pfn runs of whole blocks, in free-list order (ascending within a run).
    public private(set) var runs: [Range<Int>] = []
    /// Runs before `first` are used up (popping from the front stays O(1)).
    private var first = 0
    /// Number of blocks in all runs.
    public private(set) var blocks = 0
    /// The `MemMap` index of the linked list entry the runs follow (-1: none, which the zone
    /// allows only while `blocks == 0`).
    var gapAfter: Int32 = -1

    public init() {}

    public var isEmpty: Bool { blocks == 0 }
    public var pageCount: Int { blocks << UntouchedBlocks.order }

    /// The runs still holding blocks, in list order.
    public var liveRuns: ArraySlice<Range<Int>> { runs[first...] }

    /// Appends `count` blocks from `pfn` on after the last one. O(1) amortised.
    mutating func append(_ pfn: Int, count: Int = 1) {
        let end = pfn + count << UntouchedBlocks.order
        if let last = runs.last, runs.count > first, last.upperBound == pfn {
            runs[runs.count - 1] = last.lowerBound..<end
        } else {
            runs.append(pfn..<end)
        }
        blocks += count
    }

    /// Takes the first block in list order. O(1).
    mutating func popFirst() -> Int {
        precondition(blocks > 0, "no untouched block left")
        let r = runs[first]
        if r.count == UntouchedBlocks.pages { first += 1 } else { runs[first] = (r.lowerBound + UntouchedBlocks.pages)..<r.upperBound }
        blocks -= 1
        if blocks == 0 { runs.removeAll(); first = 0; gapAfter = -1 }
        return r.lowerBound
    }

    /// Whether `pfn` lies in an untouched block. O(runs).
    public func contains(_ pfn: Int) -> Bool { liveRuns.contains { $0.contains(pfn) } }

    /// Takes every block inside `range` out, keeping the order of the rest; returns the pfns
    /// taken. O(runs + blocks taken).
    mutating func remove(in range: Range<Int>) -> [Int] {
        var taken: [Int] = []
        var kept: [Range<Int>] = []
        for r in liveRuns {
            let lo = Swift.max(r.lowerBound, range.lowerBound), hi = Swift.min(r.upperBound, range.upperBound)
            guard lo < hi else { kept.append(r); continue }
            // Blocks are whole: a block is taken only if it lies entirely inside `range`.
            let a = (lo - r.lowerBound + UntouchedBlocks.pages - 1) / UntouchedBlocks.pages * UntouchedBlocks.pages + r.lowerBound
            let b = (hi - r.lowerBound) / UntouchedBlocks.pages * UntouchedBlocks.pages + r.lowerBound
            guard a < b else { kept.append(r); continue }
            if r.lowerBound < a { kept.append(r.lowerBound..<a) }
            taken += stride(from: a, to: b, by: UntouchedBlocks.pages)
            if b < r.upperBound { kept.append(b..<r.upperBound) }
        }
        runs = kept
        first = 0
        blocks -= taken.count
        if blocks == 0 { runs.removeAll(); gapAfter = -1 }
        return taken
    }
}
