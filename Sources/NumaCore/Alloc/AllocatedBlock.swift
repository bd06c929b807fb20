/// A block handed out by the allocator.
public struct AllocatedBlock: Sendable, Hashable {
    public var pfn: Int
    public var order: Int
    public var node: Int
    public var zone: Int
    /// The block's allocation generation: reclaim bumps it when it takes the page, so the owner
    /// can tell its handle went stale (see `PageAllocator.touch`).
    public var generation: UInt32 = 0

    public init(pfn: Int, order: Int, node: Int, zone: Int, generation: UInt32 = 0) {
        self.pfn = pfn; self.order = order; self.node = node; self.zone = zone; self.generation = generation
    }
}
