import NumaTopology

/// What the allocator model can hold, checked before one is built from user input, so that a
/// machine beyond it gets an error naming the node (and, where the topology was read, the file)
/// instead of a trap.
extension PageAllocator {
    /// Page lists link pages by 32-bit index within their zone (`MemMap`): a zone can span at
    /// most 2^31 - 1 pages (8 TiB of 4 KiB pages).
    public static let maxZoneSpan = Int(Int32.max) - 1

    /// Throws for a zone the allocator cannot model. The boot numbers themselves (`zoneinfo`,
    /// `zonelist`) have no such limit.
    public static func checkLimits(_ m: BootedMachine) throws(AllocatorLimitError) {
        for id in m.nodeIDs {
            for z in m.zones[id] ?? [] where z.spanned > maxZoneSpan {
                throw .zoneSpanTooLarge(node: id, zone: z.name, spanned: z.spanned)
            }
        }
    }
}

/// A booted machine the allocator model cannot hold (`PageAllocator.checkLimits`).
public enum AllocatorLimitError: TopologyProblem, Equatable, Sendable {
    /// A zone spans more than `PageAllocator.maxZoneSpan` pages.
    case zoneSpanTooLarge(node: Int, zone: String, spanned: Int)

    public var key: String {
        switch self {
        case .zoneSpanTooLarge(let node, _, _): return "nodes[\(node)]"
        }
    }

    public var message: String {
        switch self {
        case .zoneSpanTooLarge(let node, let zone, let spanned):
            return "zone \(zone) of node \(node) spans \(spanned) pages; the allocator links pages by 32-bit index, so a zone can span at most \(PageAllocator.maxZoneSpan) pages (8 TiB of 4 KiB pages): split the memory over more nodes"
        }
    }
}
