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
            if t.arch.is32Bit {
                let end: UInt64
                switch node.memory {
                case .ranges(let r): end = r.map(\.end).max() ?? 0
                case .size: end = 0
                }
                let limit: UInt64 = t.arch == .i386PAE ? 1 << 36 : 1 << 32
                if end > limit {
                    throw fail(.node(i), "nodes[\(i)].ranges", "\(t.arch.rawValue) addresses at most \(ByteSize.format(limit)) of physical memory")
                }
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
            }
        }
        guard !cpuOwner.isEmpty else {
            throw fail(.nodes, "nodes", "no node has CPUs; at least one CPU is needed to boot")
        }
        guard t.nodes.contains(where: { !$0.memory.isEmpty }) else {
            throw fail(.nodes, "nodes", "no node has memory; at least one node needs memory")
        }
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

/// A rule of `TopologyValidator` that a topology breaks: the key holding the bad value, what was
/// expected, and the place of that key, so that a reader that knows the file's lines can point at
/// it.
public struct TopologyIssue: TopologyProblem, Equatable, Sendable {
    public enum Place: Equatable, Sendable {
        /// `nodes[i]`.
        case node(Int)
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
