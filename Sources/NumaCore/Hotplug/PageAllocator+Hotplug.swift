import NumaTopology

/// Memory hotplug on the running machine (mm/memory_hotplug.c, 6.1): `offline_pages` and
/// `online_pages` one memory block at a time, each followed by what the kernel recomputes —
/// `init_per_zone_wmark_min` always, `build_all_zonelists` when a zone became (un)populated —
/// with the new numbers copied into the live zones. Steps run between phases: no CPU
/// allocates, and kswapd is stopped by the engine.
extension PageAllocator {
    /// A memory block of one zone.
    public struct MemoryBlock: Sendable, Equatable, CustomStringConvertible {
        public var nodeIndex: Int
        public var zone: Int
        public var range: Range<Int>
        public var description: String {
            "pfn \(String(range.lowerBound, radix: 16))-\(String(range.upperBound - 1, radix: 16))"
        }
    }

    /// The memory blocks of node index `n` in the zones numasim offlines (see
    /// `BootedMachine.isOfflinable`), ascending. A block that is not entirely inside one zone's
    /// span is listed with the part that is: `offline_pages` refuses it (`test_pages_in_a_zone`).
    public func memoryBlocks(nodeIndex n: Int) -> [MemoryBlock] {
        let size = machine.memoryBlockPages
        var out: [MemoryBlock] = []
        for z in nodes[n].zones where machine.isOfflinable(zoneIndex: z.index) && z.endPfn > z.startPfn {
            var b = z.startPfn / size * size
            while b < z.endPfn {
                let r = Swift.max(b, z.startPfn)..<Swift.min(b + size, z.endPfn)
                if !z.offlineRanges.contains(r) { out.append(MemoryBlock(nodeIndex: n, zone: z.index, range: r)) }
                b += size
            }
        }
        return out
    }

    /// Blocks of node index `n` now offline, ascending.
    public func offlineBlocks(nodeIndex n: Int) -> [MemoryBlock] {
        nodes[n].zones.flatMap { z in z.offlineRanges.map { MemoryBlock(nodeIndex: n, zone: z.index, range: $0) } }
            .sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// `drain_all_pages(zone)` for every zone of node index `n`: all CPUs' lists back to the buddy
    /// (offline_pages drains after isolating the range).
    public func drainAllPages(nodeIndex n: Int) {
        for z in nodes[n].zones {
            for cpu in 0..<z.pcp.count { z.drainPages(cpu: cpu) }
        }
    }

    /// `offline_pages` for one block whose movable pages were already migrated away: fails
    /// with what still holds the block (-EBUSY) or takes it offline and recomputes.
    public func offlineMemoryBlock(_ block: MemoryBlock) -> Result<Int, Zone.BlockBusy> {
        let size = machine.memoryBlockPages
        let z = nodes[block.nodeIndex].zones[block.zone]
        guard block.range.count == size else {
            // Part of the block lies outside the zone (another zone, or no memory).
            var busy = z.blockUsage(block.range)
            busy.reservedPages += size - block.range.count
            return .failure(busy)
        }
        drainAllPages(nodeIndex: block.nodeIndex)
        let result = z.offlineBlock(block.range)
        guard case .success = result else { return result }
        let id = nodeIDs[block.nodeIndex]
        var m = machine
        m.adjustZone(node: id, zone: block.zone, pages: -block.range.count, span: block.range)
        if let span = onlineSpan(z) { m.setSpan(node: id, zone: block.zone, span) }
        m.initPerZoneWmarkMin()
        if m.zones[id]![block.zone].present == 0 {
            m.rebuildAllZonelists()
            zonelists = m.rebuiltZonelists
        }
        // MEM_OFFLINE with status_change_nid: clear_node_memory_tier, establish_demotion_targets.
        if !m.hasMemory(id) { m.memoryTiers = m.establishedMemoryTiers() }
        adopt(m)
        return result
    }

    /// `online_pages` for one block this machine took offline.
    public func onlineMemoryBlock(_ block: MemoryBlock) {
        let id = nodeIDs[block.nodeIndex]
        let z = nodes[block.nodeIndex].zones[block.zone]
        var m = machine
        let wasPopulated = m.zones[id]![block.zone].present > 0
        let hadMemory = m.hasMemory(id)
        m.adjustZone(node: id, zone: block.zone, pages: block.range.count, span: block.range)
        if !wasPopulated {
            m.rebuildAllZonelists()
            zonelists = m.rebuiltZonelists
        }
        z.onlineBlock(block.range)
        m.initPerZoneWmarkMin()
        // MEM_ONLINE with status_change_nid: set_node_memory_tier, establish_demotion_targets.
        if !hadMemory { m.memoryTiers = m.establishedMemoryTiers() }
        adopt(m)
    }

    /// `shrink_zone_span`: the zone's span without its offline blocks at either end.
    func onlineSpan(_ z: Zone) -> Range<Int>? {
        var lo = z.startPfn, hi = z.endPfn
        var moved = true
        while moved && lo < hi {
            moved = false
            for r in z.offlineRanges {
                if r.lowerBound <= lo && r.upperBound > lo { lo = r.upperBound; moved = true }
                if r.upperBound >= hi && r.lowerBound < hi { hi = r.lowerBound; moved = true }
            }
        }
        return lo < hi ? lo..<hi : nil
    }
}
