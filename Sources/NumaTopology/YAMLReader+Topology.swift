import Foundation
import Yams

/// The topology format on the shared reader: nodes, ranges, holes, zone overrides, sysctls,
/// kernel parameters (docs/topology-format.md).
extension YAMLReader {
    func topology(_ root: Yams.Node) throws -> Topology {
        let top = try mapping(root, "", allowed: ["name", "description", "source", "arch", "paging", "legacy_holes", "holes",
                                                  "nodes", "distances", "sysctl", "kernel",
                                                  "costs", "latency_ns", "bandwidth_gbps"])
        let name = try top["name"].map { try scalar($0, "name", "a name") } ?? "unnamed"
        var arch = Arch.x86_64
        if let a = top["arch"] {
            let text = try scalar(a, "arch", "an architecture")
            guard let parsed = Arch(rawValue: text) else {
                throw fail(a, "arch", "expected one of x86_64, i386, i386-pae, got '\(text)'")
            }
            arch = parsed
        }
        var paging = Paging.fourLevel
        if let p = top["paging"] {
            let text = try scalar(p, "paging", "4-level or 5-level")
            guard let parsed = Paging(rawValue: text) else {
                throw fail(p, "paging", "expected 4-level or 5-level (x86-64 page-table levels), got '\(text)'")
            }
            if parsed == .fiveLevel && arch != .x86_64 {
                throw fail(p, "paging", "5-level paging is x86_64 only; \(arch.rawValue) has its own page tables (remove the key)")
            }
            paging = parsed
        }
        let limit = PhysicalLimit(arch: arch, paging: paging)
        guard let nodesNode = top["nodes"] else {
            throw fail(root, "nodes", "missing; a topology needs a list of nodes (id, cpus, memory)")
        }
        let nodeList = try sequence(nodesNode, "nodes", "nodes")
        let holeList = try top["holes"].map { try sequence($0, "holes", "ranges {start, size}") } ?? []
        guard !nodeList.isEmpty else { throw fail(nodesNode, "nodes", "expected at least one node") }
        var nodes: [NodeSpec] = []
        for (i, n) in nodeList.enumerated() {
            nodes.append(try node(n, "nodes[\(i)]", limit: limit))
        }
        var holes: [MemoryRange] = []
        for (i, r) in holeList.enumerated() {
            holes.append(try range(r, "holes[\(i)]", limit: limit))
        }
        var distances: [[Int]]? = nil
        if let d = top["distances"] {
            let rows = try sequence(d, "distances", "rows of the SLIT matrix")
            distances = []
            for (i, row) in rows.enumerated() {
                let cells = try sequence(row, "distances[\(i)]", "distances")
                distances!.append(try cells.enumerated().map { j, c in try int(c, "distances[\(i)][\(j)]") })
            }
        }
        var topology = Topology(
            name: name,
            description: try top["description"].map { try scalar($0, "description", "text") },
            source: try top["source"].map { try scalar($0, "source", "text") },
            arch: arch,
            legacyHoles: try top["legacy_holes"].map { try bool($0, "legacy_holes") },
            holes: holes, nodes: nodes, distances: distances)
        topology.paging = paging
        if let s = top["sysctl"] { topology.sysctl = try sysctls(s, arch: arch) }
        if let k = top["kernel"] { topology.kernel = try kernel(k) }
        topology.costs = try costOverrides(top, nodeCount: nodes.count)
        do { try TopologyValidator.validate(topology) } catch {
            throw fail(place(error.place, nodes: nodesNode, nodeList: nodeList, holes: holeList, distances: top["distances"]),
                       error.key, error.message)
        }
        return topology
    }

    /// The YAML node a validator issue points at, for its line and column.
    func place(_ place: TopologyIssue.Place, nodes: Yams.Node, nodeList: [Yams.Node], holes: [Yams.Node],
               distances: Yams.Node?) -> Yams.Node? {
        switch place {
        case .node(let i): return i < nodeList.count ? nodeList[i] : nodes
        case .nodeKey(let i, let subpath):
            // The value of `nodes[i].<subpath>` (dotted, e.g. `zones.Normal.min`), else the
            // deepest mapping on the way, else the node.
            guard i < nodeList.count else { return nodes }
            var current = nodeList[i]
            for part in subpath.split(separator: ".") {
                guard case .mapping(let map) = current,
                      let next = map.first(where: { $0.key.string == String(part) })?.value else { break }
                current = next
            }
            return current
        case .hole(let i): return i < holes.count ? holes[i] : nil
        case .nodes: return nodes
        case .distances: return distances
        case .distanceRow(let i), .distanceCell(let i, _):
            guard case .sequence(let rows)? = distances, i < rows.count else { return distances }
            guard case .distanceCell(_, let j) = place else { return rows[i] }
            guard case .sequence(let cells) = rows[i], j < cells.count else { return rows[i] }
            return cells[j]
        case .unplaced: return nil
        }
    }

    func range(_ node: Yams.Node, _ path: String, limit: PhysicalLimit) throws -> MemoryRange {
        let m = try mapping(node, path, allowed: ["start", "size", "end"])
        guard let s = m["start"] else { throw fail(node, "\(path).start", "missing; expected a physical address") }
        let start = try physical(s, "\(path).start", limit: limit)
        if let sizeNode = m["size"] {
            if m["end"] != nil { throw fail(node, path, "give either size or end, not both") }
            let size = try bytes(sizeNode, "\(path).size")
            let r = MemoryRange(start: start, size: size)
            guard let end = r.checkedEnd, end <= limit.bytes else {
                throw fail(sizeNode, "\(path).size",
                           "the range 0x\(String(start, radix: 16)) + \(size) bytes ends beyond the \(limit.name) physical address limit; expected an end at or below \(limit.text)")
            }
            return r
        }
        guard let e = m["end"] else { throw fail(node, path, "missing size (or end, exclusive)") }
        let end = try physical(e, "\(path).end", limit: limit)
        guard end > start else { throw fail(e, "\(path).end", "expected an end above start \(start)") }
        return MemoryRange(start: start, size: end - start)
    }

    /// A physical address or size: at most the architecture's physical address limit.
    func physical(_ node: Yams.Node, _ path: String, limit: PhysicalLimit) throws -> UInt64 {
        let v = try bytes(node, path)
        guard v <= limit.bytes else {
            throw fail(node, path, "\(ByteSize.format(v)) (0x\(String(v, radix: 16))) is beyond the \(limit.name) physical address limit; expected at most \(limit.text)")
        }
        return v
    }

    func node(_ n: Yams.Node, _ path: String, limit: PhysicalLimit) throws -> NodeSpec {
        let arch = limit.arch
        let m = try mapping(n, path, allowed: ["id", "cpus", "memory", "ranges", "reserved", "managed", "free",
                                               "movable", "zones", "unreclaimable", "memory_type", "adistance"])
        guard let idNode = m["id"] else { throw fail(n, "\(path).id", "missing; expected the node number") }
        let id = try int(idNode, "\(path).id", range: 0...1_048_575)
        var cpus = CPUList.empty
        if let c = m["cpus"] {
            cpus = try cpuList(c, "\(path).cpus", "a cpulist such as 0-3,8-11")
        }
        let memory: NodeMemory
        switch (m["memory"], m["ranges"]) {
        case (let s?, nil):
            memory = .size(try physical(s, "\(path).memory", limit: limit))
        case (nil, let r?):
            memory = .ranges(try sequence(r, "\(path).ranges", "ranges {start, size}").enumerated().map {
                try range($1, "\(path).ranges[\($0)]", limit: limit)
            })
        case (nil, nil):
            throw fail(n, "\(path).memory", "missing; give memory: SIZE (0 for a memoryless node) or ranges: [...]")
        case (_?, _?):
            throw fail(n, path, "give either memory or ranges, not both")
        }
        var movable: MovableAmount? = nil
        if let mv = m["movable"] {
            let text = try scalar(mv, "\(path).movable", "a size or 'all'")
            if text == "all" { movable = .all } else { movable = .bytes(try physical(mv, "\(path).movable", limit: limit)) }
        }
        var zones: [String: ZoneOverride] = [:]
        if let z = m["zones"] {
            let zm = try mapping(z, "\(path).zones", allowed: Set(arch.zoneNames))
            for (zoneName, zoneNode) in zm {
                zones[zoneName] = try zoneOverride(zoneNode, "\(path).zones.\(zoneName)", arch: arch)
            }
        }
        var spec = NodeSpec(id: id, cpus: cpus, memory: memory,
                            reserved: try m["reserved"].map { try physical($0, "\(path).reserved", limit: limit) } ?? 0,
                            managed: try m["managed"].map { try physical($0, "\(path).managed", limit: limit) },
                            free: try m["free"].map { try physical($0, "\(path).free", limit: limit) },
                            movable: movable, zones: zones)
        spec.unreclaimable = try m["unreclaimable"].map { try bool($0, "\(path).unreclaimable") } ?? false
        try memoryType(m, path, into: &spec)
        return spec
    }

    func zoneOverride(_ n: Yams.Node, _ path: String, arch: Arch) throws -> ZoneOverride {
        let keys = ["start_pfn", "spanned", "present", "managed", "free", "min", "low", "high", "protection",
                    "pcp_high", "pcp_batch"] + YAMLReader.zoneStateKeys
        let m = try mapping(n, path, allowed: Set(keys))
        func pages(_ key: String) throws -> Int? {
            try m[key].map { try int($0, "\(path).\(key)", range: 0...Int(Int32.max) * 1024) }
        }
        var o = ZoneOverride(startPfn: try pages("start_pfn"), spanned: try pages("spanned"), present: try pages("present"),
                             managed: try pages("managed"), free: try pages("free"), min: try pages("min"),
                             low: try pages("low"), high: try pages("high"), pcpHigh: try pages("pcp_high"),
                             pcpBatch: try pages("pcp_batch"))
        if let p = m["protection"] {
            let cells = try sequence(p, "\(path).protection", "lowmem_reserve pages, one per zone")
            guard cells.count == arch.zoneCount else {
                throw fail(p, "\(path).protection", "expected \(arch.zoneCount) values (one per zone: \(arch.zoneNames.joined(separator: ", "))), got \(cells.count)")
            }
            o.protection = try cells.enumerated().map { try int($1, "\(path).protection[\($0)]", range: 0...Int.max / 2) }
        }
        try zoneState(m, path, into: &o)
        return o
    }

    func sysctls(_ n: Yams.Node, arch: Arch) throws -> Sysctls {
        let m = try mapping(n, "sysctl", allowed: Set(Sysctls.names))
        var s = Sysctls()
        for (key, value) in m {
            try SysctlSetter(reader: self).set(&s, key: key, node: value, arch: arch, path: "sysctl.\(key)")
        }
        return s
    }

    func kernel(_ n: Yams.Node) throws -> KernelParameters {
        let m = try mapping(n, "kernel", allowed: ["max_numnodes", "node_reclaim_distance", "highmem_start"])
        var k = KernelParameters()
        if let v = m["max_numnodes"] {
            k.maxNumNodes = try int(v, "kernel.max_numnodes", range: 1...1024)
            guard k.maxNumNodes & (k.maxNumNodes - 1) == 0 else {
                throw fail(v, "kernel.max_numnodes", "expected a power of two (1 << CONFIG_NODES_SHIFT)")
            }
        }
        if let v = m["node_reclaim_distance"] { k.nodeReclaimDistance = try int(v, "kernel.node_reclaim_distance", range: 10...255) }
        if let v = m["highmem_start"] { k.highmemStart = try bytes(v, "kernel.highmem_start") }
        return k
    }
}
