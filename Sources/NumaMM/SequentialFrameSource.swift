/// A trivial page source for tests and examples: hands out increasing pfns from `firstPfn`,
/// reuses freed ones last-in first-out (as the per-CPU free lists return the hottest page), and
/// fails once `limit` pages are outstanding.
public struct SequentialFrameSource: PageTablePageSource, Sendable {
    public private(set) var nextPfn: Int
    /// At most this many pages allocated and not yet freed; nil for no limit.
    public var limit: Int?
    public private(set) var outstanding: Set<Int> = []
    public private(set) var freeList: [Int] = []
    public private(set) var allocations = 0
    public private(set) var frees = 0
    /// The CPU of the last request, so tests can see that the caller's CPU is passed through.
    public private(set) var lastCPU: Int?

    public init(firstPfn: Int = 0x1000, limit: Int? = nil) {
        nextPfn = firstPfn
        self.limit = limit
    }

    public mutating func allocateTablePage(cpu: Int) -> Int? {
        lastCPU = cpu
        if let limit, outstanding.count >= limit { return nil }
        let pfn: Int
        if let reused = freeList.popLast() {
            pfn = reused
        } else {
            pfn = nextPfn
            nextPfn += 1
        }
        outstanding.insert(pfn)
        allocations += 1
        return pfn
    }

    /// A block of `2^order` pages at the next aligned pfn (freed blocks are not reused).
    public mutating func allocateTableBlock(order: Int, cpu: Int) -> Int? {
        if order == 0 { return allocateTablePage(cpu: cpu) }
        lastCPU = cpu
        let n = 1 << order
        if let limit, outstanding.count + n > limit { return nil }
        let first = (nextPfn + n - 1) & ~(n - 1)
        nextPfn = first + n
        for p in first..<first + n { outstanding.insert(p) }
        allocations += n
        return first
    }

    public mutating func freeTableBlock(pfn: Int, order: Int, cpu: Int) {
        if order == 0 { return freeTablePage(pfn: pfn, cpu: cpu) }
        lastCPU = cpu
        for p in pfn..<pfn + (1 << order) {
            precondition(outstanding.remove(p) != nil, "freeTableBlock: pfn \(p) is not allocated")
        }
        frees += 1 << order
    }

    public mutating func freeTablePage(pfn: Int, cpu: Int) {
        lastCPU = cpu
        // A table freed twice, or never allocated here, is a bug in the page-table code.
        precondition(outstanding.remove(pfn) != nil, "freeTablePage: pfn \(pfn) is not allocated")
        freeList.append(pfn)
        frees += 1
    }
}
