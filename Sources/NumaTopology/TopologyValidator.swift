/// Checks a topology for what the kernel would refuse or could not boot with, and reports the
/// key and what was expected (`TopologyIssue`); the topology reader adds the file, line and
/// column.
///
/// The SLIT rules are `numa_set_distance` and `slit_valid` (arch/x86/mm/numa.c,
/// drivers/acpi/numa/srat.c): entries fit in a u8, the diagonal is 10 (LOCAL_DISTANCE), every
/// off-diagonal entry is above 10. Where the kernel would silently fall back to 10/20 we refuse
/// instead: a wrong table in a file is a mistake the user wants to hear about.
public enum TopologyValidator {
    public static func validate(_ t: Topology) throws(TopologyIssue) {
        func fail(_ place: TopologyIssue.Place, _ key: String, _ message: String) -> TopologyIssue {
            TopologyIssue(place: place, key: key, message: message)
        }
        var seen: [Int: Int] = [:]
        var cpuOwner: [Int: Int] = [:]
        for (i, node) in t.nodes.enumerated() {
            if let other = seen[node.id] {
                throw fail(.node(i), "nodes[\(i)].id", "node \(node.id) is defined twice (also nodes[\(other)])")
            }
            seen[node.id] = i
            guard node.id < t.kernel.maxNumNodes else {
                throw fail(.node(i), "nodes[\(i)].id",
                           "node id \(node.id) is not below MAX_NUMNODES (\(t.kernel.maxNumNodes)); raise kernel.max_numnodes (at most 1024)")
            }
            for cpu in node.cpus.members {
                if let owner = cpuOwner[cpu] {
                    throw fail(.node(i), "nodes[\(i)].cpus", "CPU \(cpu) already belongs to node \(owner); a CPU sits in exactly one node")
                }
                cpuOwner[cpu] = node.id
            }
            if case .ranges(let ranges) = node.memory {
                for (k, r) in ranges.enumerated() where r.size == 0 {
                    throw fail(.node(i), "nodes[\(i)].ranges[\(k)]", "a range needs a size above 0")
                }
                for (k, r) in ranges.enumerated() where r.start % 4096 != 0 || r.size % 4096 != 0 {
                    throw fail(.node(i), "nodes[\(i)].ranges[\(k)]",
                               "start and size must be multiples of the 4 KiB page size (got start 0x\(String(r.start, radix: 16)), size \(r.size))")
                }
            }
            if case .size(let s) = node.memory, s % 4096 != 0 {
                throw fail(.node(i), "nodes[\(i)].memory", "expected a multiple of the 4 KiB page size, got \(s) bytes")
            }
            for (zoneName, o) in node.zones {
                if let p = o.present, let s = o.spanned, p > s {
                    throw fail(.node(i), "nodes[\(i)].zones.\(zoneName)", "present (\(p)) cannot exceed spanned (\(s))")
                }
                if let m = o.managed, let p = o.present, m > p {
                    throw fail(.node(i), "nodes[\(i)].zones.\(zoneName)", "managed (\(m)) cannot exceed present (\(p))")
                }
                if let f = o.free, let m = o.managed, f > m {
                    throw fail(.node(i), "nodes[\(i)].zones.\(zoneName)", "free (\(f)) cannot exceed managed (\(m))")
                }
                try checkWatermarks(o, node: i, zone: zoneName)
                try checkZoneState(o, node: i, zone: zoneName, cpus: t.allCPUs.count, arch: t.arch)
            }
            try checkNodeAmounts(node, index: i, limit: t.physicalLimit.bytes)
        }
        let extents = try checkPhysicalLayout(t)
        try checkZonePlaces(t, extents: extents)
        guard !cpuOwner.isEmpty else {
            throw fail(.nodes, "nodes", "no node has CPUs; at least one CPU is needed to boot")
        }
        guard t.nodes.contains(where: { !$0.memory.isEmpty }) else {
            throw fail(.nodes, "nodes", "no node has memory; at least one node needs memory")
        }
        try checkMemoryTypes(t)
        let n = t.nodes.count
        guard t.distances.count == n else {
            throw fail(.distances, "distances", "expected \(n) rows (one per node, in the order of nodes:), got \(t.distances.count)")
        }
        for (i, row) in t.distances.enumerated() {
            guard row.count == n else {
                throw fail(.distanceRow(i), "distances[\(i)]", "expected \(n) entries (one per node), got \(row.count)")
            }
            // The key is spelled out only on failure: building it for each of a 1024-node
            // SLIT's million cells was a large share of its boot.
            for (j, d) in row.enumerated() {
                func key() -> String { "distances[\(i)][\(j)]" }
                if i == j && d != 10 {
                    throw fail(.distanceCell(i, j), key(), "the diagonal must be 10 (LOCAL_DISTANCE); the kernel rejects this SLIT, got \(d)")
                }
                if i != j && !(11...255).contains(d) {
                    throw fail(.distanceCell(i, j), key(), "a remote distance must be 11...255 (the kernel rejects a SLIT with remote entries <= 10 or above a u8), got \(d)")
                }
            }
        }
        if let ratios = t.sysctl.lowmemReserveRatio, ratios.count != t.arch.zoneCount {
            throw fail(.unplaced, "sysctl.lowmem_reserve_ratio", "expected \(t.arch.zoneCount) ratios for \(t.arch.rawValue), got \(ratios.count)")
        }
    }
}

extension TopologyValidator {
    /// `free:`, `reserved:`, `movable:` and `managed:` of a node fit in the node's memory (the boot
    /// would otherwise clamp them silently).
    static func checkNodeAmounts(_ node: NodeSpec, index i: Int, limit: UInt64) throws(TopologyIssue) {
        var total: UInt64 = 0
        switch node.memory {
        case .size(let s): total = s
        case .ranges(let rs):
            for r in rs {
                let (sum, overflow) = total.addingReportingOverflow(r.size)
                guard !overflow else {
                    throw TopologyIssue(place: .node(i), key: "nodes[\(i)].ranges", message: "the ranges add up to more than 2^64 bytes")
                }
                total = sum
            }
        }
        func refuse(_ key: String, _ value: UInt64, _ what: String) -> TopologyIssue {
            TopologyIssue(place: .nodeKey(i, key), key: "nodes[\(i)].\(key)",
                          message: "\(ByteSize.format(value)) is larger than the node's memory (\(ByteSize.format(total))); expected \(what) at most the node's memory")
        }
        if node.reserved > total { throw refuse("reserved", node.reserved, "reserved memory") }
        if let f = node.free, f > total { throw refuse("free", f, "free memory") }
        if let m = node.managed, m > total { throw refuse("managed", m, "managed memory") }
        if let f = node.free, let m = node.managed, f > m {
            throw TopologyIssue(place: .nodeKey(i, "free"), key: "nodes[\(i)].free",
                                message: "\(ByteSize.format(f)) is larger than the node's managed memory (\(ByteSize.format(m))); expected free at most managed")
        }
        if case .bytes(let b)? = node.movable, b > total { throw refuse("movable", b, "a movable size") }
    }

    /// Recorded watermarks rise min <= low <= high (`__setup_per_zone_wmarks` sets low = min + delta,
    /// high = min + 2 * delta), and a recorded pageset batch is not above its high.
    static func checkWatermarks(_ o: ZoneOverride, node i: Int, zone: String) throws(TopologyIssue) {
        let base = "zones.\(zone)"
        let marks = [("min", o.min), ("low", o.low), ("high", o.high)].compactMap { name, v in v.map { (name, $0) } }
        for (a, b) in zip(marks, marks.dropFirst()) where a.1 > b.1 {
            throw TopologyIssue(place: .nodeKey(i, "\(base).\(b.0)"), key: "nodes[\(i)].\(base).\(b.0)",
                                message: "watermark \(b.0) (\(b.1)) is below \(a.0) (\(a.1)); expected min <= low <= high, as __setup_per_zone_wmarks sets them (low = min + delta, high = min + 2 * delta)")
        }
        // zone_highsize makes high at least 4 * batch; only the boot pageset (high 0, batch 1) of a
        // zone without managed pages has batch above high.
        if let batch = o.pcpBatch, let high = o.pcpHigh, batch > high, !(high == 0 && batch == 1) {
            throw TopologyIssue(place: .nodeKey(i, "\(base).pcp_batch"), key: "nodes[\(i)].\(base).pcp_batch",
                                message: "pcp_batch \(batch) is above pcp_high \(high); the kernel never sets up such a pageset (zone_highsize keeps high >= 4 * batch), so expected pcp_batch <= pcp_high")
        }
    }

    /// Every physical address the topology places — holes, explicit ranges and nodes laid out by
    /// size after each other (skipping holes, as the boot does) — ends within 64 bits and within
    /// the architecture's physical address limit.
    /// Returns each node's extent in bytes (first to last byte placed, end exclusive; empty for a
    /// node without memory), in the order of `nodes`.
    @discardableResult
    static func checkPhysicalLayout(_ t: Topology) throws(TopologyIssue) -> [Range<UInt64>] {
        var extents: [Range<UInt64>] = []
        let limit = t.physicalLimit.bytes
        func beyond(_ place: TopologyIssue.Place, _ key: String, _ what: String) -> TopologyIssue {
            TopologyIssue(place: place, key: key,
                          message: "\(what) ends beyond the \(t.physicalLimit.name) physical address limit; expected memory at or below \(t.physicalLimit.text)")
        }
        var holes: [(start: UInt64, end: UInt64)] = []
        for (k, h) in t.holes.enumerated() {
            guard let end = h.checkedEnd, end <= limit else {
                throw beyond(.hole(k), "holes[\(k)]", "the hole at 0x\(String(h.start, radix: 16)) of \(h.size) bytes")
            }
            // Rounded out to whole pages, as the boot removes them.
            holes.append((h.start & ~4095, (end + 4095) & ~4095))
        }
        holes.sort { $0.start < $1.start }
        var cursor: UInt64 = 0
        for (i, node) in t.nodes.enumerated() {
            var lo = UInt64.max, hi: UInt64 = 0
            switch node.memory {
            case .ranges(let rs):
                for (k, r) in rs.enumerated() {
                    guard let end = r.checkedEnd, end <= limit else {
                        throw beyond(.nodeKey(i, "ranges"), "nodes[\(i)].ranges[\(k)]", "the range at 0x\(String(r.start, radix: 16)) of \(r.size) bytes")
                    }
                    cursor = max(cursor, end)
                    if r.size > 0 { lo = min(lo, r.start); hi = max(hi, end) }
                }
            case .size(let bytes):
                // The layout of ZoneLayout.memblockRanges, in bytes and with every sum checked.
                var remaining = bytes
                while remaining > 0 {
                    if let hole = holes.first(where: { $0.start <= cursor && cursor < $0.end }) { cursor = hole.end; continue }
                    lo = min(lo, cursor)
                    let nextHole = holes.first(where: { $0.start > cursor })?.start ?? UInt64.max
                    let take = min(remaining, nextHole - cursor)
                    let (next, overflow) = cursor.addingReportingOverflow(take)
                    guard !overflow, next <= limit else {
                        throw beyond(.nodeKey(i, "memory"), "nodes[\(i)].memory",
                                     "\(ByteSize.format(bytes)) laid out from 0x\(String(cursor, radix: 16)) after the nodes before it")
                    }
                    cursor = next
                    hi = next
                    remaining -= take
                }
            }
            extents.append(lo < hi ? lo..<hi : 0..<0)
        }
        return extents
    }

    /// Recorded zone places (`zones.NAME.start_pfn`, with `spanned`) lie in their node's memory
    /// and within their zone type's limits (16 MiB for DMA, 4 GiB for DMA32 on x86_64): boot
    /// frees a zone's pages from the node's memory inside the zone's span, so a span elsewhere
    /// would leave the zone short of its managed pages.
    static func checkZonePlaces(_ t: Topology, extents: [Range<UInt64>]) throws(TopologyIssue) {
        let types = t.arch.zoneTypes
        for (i, node) in t.nodes.enumerated() {
            let lo = Int(extents[i].lowerBound >> 12), hi = Int((extents[i].upperBound + 4095) >> 12)
            for (name, o) in node.zones.sorted(by: { $0.key < $1.key }) {
                guard let start = o.startPfn, let k = t.arch.zoneNames.firstIndex(of: name) else { continue }
                let spanned = o.spanned ?? 0
                guard spanned > 0 || (o.present ?? 0) > 0 || (o.managed ?? 0) > 0 else { continue }
                let key = "zones.\(name).start_pfn"
                func refuse(_ k: String, _ m: String) -> TopologyIssue {
                    TopologyIssue(place: .nodeKey(i, k), key: "nodes[\(i)].\(k)", message: m)
                }
                guard start >= 0, start <= Int.max - spanned else {
                    throw refuse(key, "start_pfn \(start) with spanned \(spanned) is not a page frame range; expected 0 <= start_pfn and start_pfn + spanned within 2^63")
                }
                let end = start + max(spanned, 1)
                let bounds = t.arch.zonePfnBounds(types[k], highmemStart: t.kernel.highmemStart)
                let limits = t.arch.zoneBoundsText(types[k], highmemStart: t.kernel.highmemStart)
                if start < bounds.floor || (bounds.ceiling.map { start >= $0 } ?? false) {
                    throw refuse(key, "zone \(name) starting at pfn \(start) is outside its zone's limits; expected \(limits) on \(t.arch.rawValue)")
                }
                if let c = bounds.ceiling, end > c {
                    throw refuse("zones.\(name).spanned", "zone \(name) spans pfn \(start)…\(end - 1), beyond its zone's limit; expected \(limits) on \(t.arch.rawValue)")
                }
                guard lo < hi else {
                    throw refuse(key, "zone \(name) is placed at pfn \(start), but node \(node.id) has no memory; expected no start_pfn, or memory for the node")
                }
                if start < lo || end > hi {
                    throw refuse(start < lo || start >= hi ? key : "zones.\(name).spanned",
                                 "zone \(name) spans pfn \(start)…\(end - 1), outside node \(node.id)'s memory (pfn \(lo)…\(hi - 1)); expected the zone inside its node's memory")
                }
            }
        }
    }
}

/// A rule of `TopologyValidator` that a topology breaks: the key holding the bad value, what was
/// expected, and the place of that key, so that a reader that knows the file's lines can point at
/// it.
public struct TopologyIssue: TopologyProblem, Equatable, Sendable {
    public enum Place: Equatable, Sendable {
        /// `nodes[i]`.
        case node(Int)
        /// A key inside `nodes[i]`, as a dotted path below the node (`free`, `zones.Normal.min`).
        case nodeKey(Int, String)
        /// `holes[i]`.
        case hole(Int)
        /// The `nodes:` list as a whole.
        case nodes
        /// The `distances:` table as a whole, one row of it, or one cell.
        case distances
        case distanceRow(Int)
        case distanceCell(Int, Int)
        /// A key outside nodes and distances (`sysctl.…`).
        case unplaced
    }

    public var place: Place
    public var key: String
    public var message: String

    public init(place: Place, key: String, message: String) {
        self.place = place; self.key = key; self.message = message
    }
}
