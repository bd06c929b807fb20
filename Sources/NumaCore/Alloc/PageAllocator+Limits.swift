import NumaTopology

/// What the allocator model can hold, checked before one is built from user input, so that a
/// machine beyond it gets an error naming the file and the node instead of a trap.
extension PageAllocator {
    /// Page lists link pages by 32-bit index within their zone (`MemMap`): a zone can span at
    /// most 2^31 - 1 pages (8 TiB of 4 KiB pages).
    public static let maxZoneSpan = Int(Int32.max) - 1

    /// Throws for a zone the allocator cannot model. The boot numbers themselves (`zoneinfo`,
    /// `zonelist`) have no such limit.
    public static func checkLimits(_ m: BootedMachine, file: String) throws {
        for id in m.nodeIDs {
            for z in m.zones[id] ?? [] where z.spanned > maxZoneSpan {
                throw InputError(file: file, key: "nodes[\(id)]",
                                 "zone \(z.name) of node \(id) spans \(z.spanned) pages; the allocator links pages by 32-bit index, so a zone can span at most \(maxZoneSpan) pages (8 TiB of 4 KiB pages): split the memory over more nodes")
            }
        }
    }
}
