import NumaTopology

/// Lays out each node's zones from its physical memory, as `free_area_init` →
/// `calculate_node_totalpages` → `free_area_init_core` do (mm/page_alloc.c), with x86's zone
/// limits from `zone_sizes_init` (arch/x86/mm/init.c).
///
/// Zone boundaries are global: zone k covers `[end of zone k-1, max_zone_pfn[k])` starting at the
/// lowest RAM pfn; a node's zone is that range clamped to the node's span. ZONE_MOVABLE is carved
/// from the top of a node (`adjust_zone_range_for_zone_movable`). `present` excludes holes,
/// `managed` excludes reserved memory (see `ManagedPages`).
public struct ZoneLayout: Sendable {
    public static let pageSize: UInt64 = 4096
    public static let pageShift: UInt64 = 12
    /// MAX_ORDER_NR_PAGES in 6.1: 1 << (MAX_ORDER - 1).
    public static let maxOrderNrPages = 1024
    /// MAX_DMA_PFN: 16 MiB.
    public static let maxDMAPfn = 4096
    /// MAX_DMA32_PFN: 4 GiB.
    public static let maxDMA32Pfn = 1 << 20

    /// Memblock memory of one node as pfn ranges `[start, end)`, holes removed.
    public var nodeRanges: [Int: [Range<Int>]]
    public var lowestPfn: Int
    public var maxPfn: Int
    /// `arch_zone_lowest_possible_pfn` / `arch_zone_highest_possible_pfn` per zone type.
    public var zoneLowest: [Int]
    public var zoneHighest: [Int]
    /// `movable_zone`: the zone ZONE_MOVABLE is taken from (`find_usable_zone_for_movable`).
    public var movableZone: Int
    /// `zone_movable_pfn[nid]` (0 = no Movable zone on that node).
    public var zoneMovablePfn: [Int: Int]

    public struct ZoneSpan: Equatable, Sendable {
        public var startPfn: Int
        public var spanned: Int
        public var present: Int
    }

    /// Throws `BootError.overlappingMemory` when two nodes claim the same page frames.
    public init(topology t: Topology) throws(BootError) {
        nodeRanges = try ZoneLayout.memblockRanges(t)
        let all = nodeRanges.values.flatMap { $0 }
        lowestPfn = all.map(\.lowerBound).min() ?? 0
        maxPfn = all.map(\.upperBound).max() ?? 0
        let names = t.arch.zoneNames
        let movableIndex = names.firstIndex(of: "Movable")!
        var maxZonePfn = [Int](repeating: 0, count: names.count)
        switch t.arch {
        case .x86_64:
            maxZonePfn[0] = min(ZoneLayout.maxDMAPfn, maxPfn)
            maxZonePfn[1] = min(ZoneLayout.maxDMA32Pfn, maxPfn)
            maxZonePfn[2] = maxPfn
        case .i386, .i386PAE:
            let maxLowPfn = min(maxPfn, Int(t.kernel.highmemStart >> ZoneLayout.pageShift))
            maxZonePfn[0] = min(ZoneLayout.maxDMAPfn, maxLowPfn)
            maxZonePfn[1] = maxLowPfn
            maxZonePfn[2] = maxPfn
        }
        zoneLowest = [Int](repeating: 0, count: names.count)
        zoneHighest = [Int](repeating: 0, count: names.count)
        var start = lowestPfn
        for i in 0..<names.count where i != movableIndex {
            let end = max(maxZonePfn[i], start)
            zoneLowest[i] = start
            zoneHighest[i] = end
            start = end
        }
        // find_usable_zone_for_movable: the highest zone below Movable with any pfn range.
        var usable = 0
        for i in stride(from: movableIndex - 1, through: 0, by: -1) where zoneHighest[i] > zoneLowest[i] {
            usable = i
            break
        }
        movableZone = usable
        zoneMovablePfn = [:]
        for node in t.nodes {
            guard let movable = node.movable, let ranges = nodeRanges[node.id], let first = ranges.first,
                  let last = ranges.last else { continue }
            let nodeStart = first.lowerBound, nodeEnd = last.upperBound
            var pfn: Int
            switch movable {
            case .all: pfn = nodeStart
            case .bytes(let b):
                // The top `b` bytes of present memory, walking ranges down from the node's end.
                var remaining = Int(b >> ZoneLayout.pageShift)
                pfn = nodeEnd
                for r in ranges.reversed() where remaining > 0 {
                    let take = min(remaining, r.count)
                    pfn = r.upperBound - take
                    remaining -= take
                }
                if remaining > 0 { pfn = nodeStart }
            }
            // find_zone_movable_pfns_for_nodes rounds each node's start up to MAX_ORDER_NR_PAGES.
            pfn = (pfn + ZoneLayout.maxOrderNrPages - 1) / ZoneLayout.maxOrderNrPages * ZoneLayout.maxOrderNrPages
            if pfn < nodeEnd { zoneMovablePfn[node.id] = max(pfn, nodeStart) }
        }
    }

    /// The node's span `[node_start_pfn, node_end_pfn)`; empty for a memoryless node.
    public func nodeSpan(_ id: Int) -> Range<Int> {
        guard let r = nodeRanges[id], let f = r.first, let l = r.last else { return 0..<0 }
        return f.lowerBound..<l.upperBound
    }

    /// `zone_spanned_pages_in_node` + `zone_absent_pages_in_node` for one zone.
    public func span(node id: Int, zone z: Int, movableIndex: Int) -> ZoneSpan {
        let node = nodeSpan(id)
        guard !node.isEmpty else { return ZoneSpan(startPfn: 0, spanned: 0, present: 0) }
        var zoneStart: Int, zoneEnd: Int
        if z == movableIndex {
            guard let mp = zoneMovablePfn[id] else { return ZoneSpan(startPfn: 0, spanned: 0, present: 0) }
            zoneStart = mp
            zoneEnd = min(node.upperBound, zoneHighest[movableZone])
        } else {
            zoneStart = KernelMath.clamp(node.lowerBound, zoneLowest[z], zoneHighest[z])
            zoneEnd = KernelMath.clamp(node.upperBound, zoneLowest[z], zoneHighest[z])
            if let mp = zoneMovablePfn[id] {
                if zoneStart < mp && zoneEnd > mp {
                    zoneEnd = mp
                } else if zoneStart >= mp {
                    zoneStart = zoneEnd
                }
            }
        }
        if zoneEnd < node.lowerBound || zoneStart > node.upperBound {
            return ZoneSpan(startPfn: 0, spanned: 0, present: 0)
        }
        zoneEnd = min(zoneEnd, node.upperBound)
        zoneStart = max(zoneStart, node.lowerBound)
        guard zoneEnd > zoneStart else { return ZoneSpan(startPfn: 0, spanned: 0, present: 0) }
        var present = 0
        for r in nodeRanges[id] ?? [] {
            let lo = max(r.lowerBound, zoneStart), hi = min(r.upperBound, zoneEnd)
            if hi > lo { present += hi - lo }
        }
        return ZoneSpan(startPfn: zoneStart, spanned: zoneEnd - zoneStart, present: present)
    }

    /// Present pages of `node` inside `[lo, hi)`.
    public func presentPages(node id: Int, in range: Range<Int>) -> Int {
        var n = 0
        for r in nodeRanges[id] ?? [] {
            let lo = max(r.lowerBound, range.lowerBound), hi = min(r.upperBound, range.upperBound)
            if hi > lo { n += hi - lo }
        }
        return n
    }

    /// Node memory as memblock sees it: explicit ranges, or sizes laid end to end from address 0
    /// skipping `holes`; x86 legacy holes (pfn 0, 640 KiB–1 MiB) removed.
    static func memblockRanges(_ t: Topology) throws(BootError) -> [Int: [Range<Int>]] {
        let pageShift = ZoneLayout.pageShift
        let limit = t.physicalLimit.bytes
        // Every end is checked here too: `TopologyValidator` refuses such topologies first, but a
        // layout built directly from a `Topology` must not trap on an end past 2^64.
        func outOfRange(_ place: TopologyIssue.Place, _ key: String, _ r: MemoryRange) -> BootError {
            .invalidTopology(TopologyIssue(place: place, key: key,
                message: "the range at 0x\(String(r.start, radix: 16)) of \(r.size) bytes ends beyond the \(t.physicalLimit.name) physical address limit; expected memory at or below \(t.physicalLimit.text)"))
        }
        var holes: [Range<Int>] = []
        for (k, h) in t.holes.enumerated() {
            guard let end = h.checkedEnd, end <= limit else { throw outOfRange(.hole(k), "holes[\(k)]", h) }
            holes.append(Int(h.start >> pageShift)..<Int((end + 4095) >> pageShift))
        }
        holes.sort { $0.lowerBound < $1.lowerBound }
        var result: [Int: [Range<Int>]] = [:]
        var cursor = 0
        var claimed: [(Range<Int>, Int)] = []
        let limitPfn = Int(limit >> pageShift)
        for (i, node) in t.nodes.enumerated() {
            var ranges: [Range<Int>] = []
            switch node.memory {
            case .ranges(let rs):
                for (k, r) in rs.enumerated() {
                    guard let end = r.checkedEnd, end <= limit, r.start <= end else {
                        throw outOfRange(.nodeKey(i, "ranges"), "nodes[\(i)].ranges[\(k)]", r)
                    }
                    ranges.append(Int(r.start >> pageShift)..<Int(end >> pageShift))
                }
            case .size(let bytes):
                guard bytes <= limit else {
                    throw outOfRange(.nodeKey(i, "memory"), "nodes[\(i)].memory", MemoryRange(start: UInt64(cursor) << pageShift, size: bytes))
                }
                var remaining = Int(bytes >> pageShift)
                while remaining > 0 {
                    if let hole = holes.first(where: { $0.contains(cursor) }) { cursor = hole.upperBound; continue }
                    let nextHole = holes.first(where: { $0.lowerBound > cursor })?.lowerBound ?? Int.max
                    let take = min(remaining, nextHole - cursor)
                    guard cursor + take <= limitPfn else {
                        throw outOfRange(.nodeKey(i, "memory"), "nodes[\(i)].memory", MemoryRange(start: UInt64(cursor) << pageShift, size: bytes))
                    }
                    ranges.append(cursor..<(cursor + take))
                    cursor += take
                    remaining -= take
                }
            }
            ranges.sort { $0.lowerBound < $1.lowerBound }
            for r in ranges {
                if let (other, owner) = claimed.first(where: { $0.0.overlaps(r) }) {
                    throw .overlappingMemory(node: node.id, pfns: r, otherNode: owner, otherPfns: other)
                }
                claimed.append((r, node.id))
            }
            if case .ranges = node.memory {
                cursor = max(cursor, ranges.map(\.upperBound).max() ?? cursor)
            }
            if t.legacyHoles {
                ranges = ranges.flatMap { subtract([0..<1, 159..<256], from: $0) }
            }
            result[node.id] = ranges.filter { !$0.isEmpty }
        }
        return result
    }

    static func subtract(_ cuts: [Range<Int>], from r: Range<Int>) -> [Range<Int>] {
        var pieces = [r]
        for cut in cuts {
            pieces = pieces.flatMap { p -> [Range<Int>] in
                guard p.overlaps(cut) else { return [p] }
                var out: [Range<Int>] = []
                if p.lowerBound < cut.lowerBound { out.append(p.lowerBound..<cut.lowerBound) }
                if p.upperBound > cut.upperBound { out.append(cut.upperBound..<p.upperBound) }
                return out
            }
        }
        return pieces
    }
}
