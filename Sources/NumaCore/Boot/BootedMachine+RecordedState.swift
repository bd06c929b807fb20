import NumaTopology

/// Boot's check of the zones' recorded free_area (`free_blocks`, `pageblocks`): it must be
/// possible to lay it out in the zone (`FreeAreaLayout`), else the topology cannot boot. The
/// allocator lays it out the same way (`PageAllocator+RecordedState.swift`).
extension BootedMachine {
    /// The layout of a zone whose free blocks were recorded; nil for the others.
    public func recordedLayout(_ z: BootZone) throws(BootError) -> FreeAreaLayout? {
        guard z.isPopulated, let o = topology.node(z.node)?.zones[z.name], let rows = o.freeBlocks else { return nil }
        let managed = Zone.managedRanges(present: layout.nodeRanges[z.node] ?? [], span: z.startPfn..<(z.startPfn + z.spanned),
                                         managed: z.managed)
        do {
            return try FreeAreaLayout(startPfn: z.startPfn, count: z.spanned, pageblockOrder: topology.arch.pageblockOrder,
                                      managed: managed, pageblocks: o.pageblocks, freeBlocks: rows)
        } catch {
            throw .recordedLayout(node: z.node, zone: z.name, key: error.key, message: error.message)
        }
    }

    func checkRecordedLayouts() throws(BootError) {
        for z in allZones { _ = try recordedLayout(z) }
    }
}
