import Foundation
import Yams

/// Reads and writes the topology YAML format (see docs/topology-format.md).
///
/// The reader walks the YAML node tree itself rather than using `Decodable`, so every error can
/// name the file, the line and column, and the key path (`nodes[1].cpus`) with what was expected.
public enum TopologyFile {
    public static func load(path: String) throws -> Topology {
        try parse(try InputText.read(path), file: path)
    }

    public static func parse(_ text: String, file: String = "<topology>") throws -> Topology {
        let root: Yams.Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw InputError(file: file, "the file is empty; expected a topology mapping with 'nodes:'")
            }
            root = node
        } catch let error as InputError {
            throw error
        } catch let error as YamlError {
            throw inputError(error, text: text, file: file)
        }
        let reader = YAMLReader(file: file)
        return try reader.topology(root)
    }

    /// A Yams error as an `InputError` with the line and column it names. A duplicate key is
    /// reported at the duplicate (Yams marks the key's first occurrence).
    public static func inputError(_ error: YamlError, text: String, file: String) -> InputError {
        if case .duplicatedKeysInMapping(let keys, let context) = error, let key = keys.first {
            let first = context.mark
            if let dup = duplicateLocation(of: key, after: first, in: text) {
                return InputError(file: file, line: dup.line, column: dup.column, key: key,
                                  "duplicate key (first at line \(first.line)); expected each key once in a mapping")
            }
            return InputError(file: file, line: first.line, column: first.column, key: key,
                              "duplicate key; expected each key once in a mapping")
        }
        let location = yamlLocation(error)
        return InputError(file: file, location.line, location.column, "not valid YAML: \(error)")
    }

    /// Where `key` occurs again after its first occurrence at `first` (1-based line and column):
    /// later on the same line (a flow mapping), else on a later line at the same indentation,
    /// before the mapping ends (a non-blank, non-comment line indented less).
    static func duplicateLocation(of key: String, after first: Mark, in text: String) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array(String($0).replacingOccurrences(of: "\r", with: "")) }
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let spellings = [key, "\"\(key)\"", "'\(key)'"].map { Array($0) }
        func keyAt(_ line: [Character], _ col: Int) -> Bool {
            spellings.contains { sp in
                guard col + sp.count <= line.count, Array(line[col..<(col + sp.count)]) == sp else { return false }
                let rest = line[(col + sp.count)...].drop { $0 == " " || $0 == "\t" }
                return rest.first == ":"
            }
        }
        let firstLine = lines[first.line - 1]
        let start = max(0, first.column - 1)
        // Flow mapping: a later `key:` on the same line, after a '{' or ','.
        var i = start + 1
        while i < firstLine.count {
            let before = firstLine[..<i].last { $0 != " " && $0 != "\t" }
            if (before == "," || before == "{"), keyAt(firstLine, i) { return (first.line, i + 1) }
            i += 1
        }
        for n in first.line..<lines.count {
            let line = lines[n]
            let indent = line.prefix { $0 == " " }.count
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.isEmpty || content.first == "#" { continue }
            if indent < start { return nil }
            if indent == start, keyAt(line, start) { return (n + 1, start + 1) }
            // A flow mapping spread over lines: the key after a comma.
            var j = indent
            while j < line.count {
                let before = line[..<j].last { $0 != " " && $0 != "\t" }
                if (before == "," || before == "{"), j > indent, keyAt(line, j) { return (n + 1, j + 1) }
                j += 1
            }
        }
        return nil
    }

    private static func yamlLocation(_ error: YamlError) -> (line: Int?, column: Int?) {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return (mark.line, mark.column)
        default:
            return (nil, nil)
        }
    }
}

extension InputError {
    init(file: String, _ line: Int?, _ column: Int?, _ message: String) {
        self.init(file: file, line: line, column: column, key: nil, message)
    }
}

/// Walks a composed YAML tree, keeping the key path for error messages. Shared by every YAML
/// input format (topologies, workloads).
public struct YAMLReader {
    public let file: String
    public init(file: String) { self.file = file }

    public func fail(_ node: Yams.Node?, _ path: String, _ message: String) -> InputError {
        InputError(file: file, line: node?.mark?.line, column: node?.mark?.column, key: path, message)
    }

    public func mapping(_ node: Yams.Node, _ path: String, allowed: Set<String>) throws -> [String: Yams.Node] {
        guard case .mapping(let map) = node else {
            throw fail(node, path, "expected a mapping of keys (\(allowed.sorted().joined(separator: ", ")))")
        }
        var result: [String: Yams.Node] = [:]
        for (k, v) in map {
            guard let key = k.string else { throw fail(k, path, "expected a text key") }
            guard allowed.contains(key) else {
                throw fail(k, path.isEmpty ? key : "\(path).\(key)",
                           "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
            result[key] = v
        }
        return result
    }

    public func sequence(_ node: Yams.Node, _ path: String, _ what: String) throws -> [Yams.Node] {
        guard case .sequence(let seq) = node else { throw fail(node, path, "expected a list of \(what)") }
        return Array(seq)
    }

    public func scalar(_ node: Yams.Node, _ path: String, _ what: String) throws -> String {
        guard case .scalar(let s) = node else { throw fail(node, path, "expected \(what)") }
        return s.string
    }

    public func int(_ node: Yams.Node, _ path: String, range: ClosedRange<Int>? = nil) throws -> Int {
        let text = try scalar(node, path, "an integer")
        let value: Int? = text.lowercased().hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
        guard let v = value else { throw fail(node, path, "expected an integer, got '\(text)'") }
        if let range, !range.contains(v) {
            throw fail(node, path, "expected an integer in \(range.lowerBound)...\(range.upperBound), got \(v)")
        }
        return v
    }

    public func bytes(_ node: Yams.Node, _ path: String) throws -> UInt64 {
        let text = try scalar(node, path, "a size such as 1GiB")
        guard let v = ByteSize.parse(text) else {
            throw fail(node, path, "expected a size such as 1GiB, 512MiB, 4096KiB or a number of bytes, got '\(text)'")
        }
        return v
    }

    public func bool(_ node: Yams.Node, _ path: String) throws -> Bool {
        let text = try scalar(node, path, "true or false").lowercased()
        switch text {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(node, path, "expected true or false, got '\(text)'")
        }
    }

    func topology(_ root: Yams.Node) throws -> Topology {
        let top = try mapping(root, "", allowed: ["name", "description", "source", "arch", "legacy_holes", "holes",
                                                  "nodes", "distances", "sysctl", "kernel"])
        let name = try top["name"].map { try scalar($0, "name", "a name") } ?? "unnamed"
        var arch = Arch.x86_64
        if let a = top["arch"] {
            let text = try scalar(a, "arch", "an architecture")
            guard let parsed = Arch(rawValue: text) else {
                throw fail(a, "arch", "expected one of x86_64, i386, i386-pae, got '\(text)'")
            }
            arch = parsed
        }
        guard let nodesNode = top["nodes"] else {
            throw fail(root, "nodes", "missing; a topology needs a list of nodes (id, cpus, memory)")
        }
        let nodeList = try sequence(nodesNode, "nodes", "nodes")
        let holeList = try top["holes"].map { try sequence($0, "holes", "ranges {start, size}") } ?? []
        guard !nodeList.isEmpty else { throw fail(nodesNode, "nodes", "expected at least one node") }
        var nodes: [NodeSpec] = []
        for (i, n) in nodeList.enumerated() {
            nodes.append(try node(n, "nodes[\(i)]", arch: arch))
        }
        var holes: [MemoryRange] = []
        for (i, r) in holeList.enumerated() {
            holes.append(try range(r, "holes[\(i)]", arch: arch))
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
        if let s = top["sysctl"] { topology.sysctl = try sysctls(s, arch: arch) }
        if let k = top["kernel"] { topology.kernel = try kernel(k) }
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

    func range(_ node: Yams.Node, _ path: String, arch: Arch) throws -> MemoryRange {
        let m = try mapping(node, path, allowed: ["start", "size", "end"])
        guard let s = m["start"] else { throw fail(node, "\(path).start", "missing; expected a physical address") }
        let start = try physical(s, "\(path).start", arch: arch)
        if let sizeNode = m["size"] {
            if m["end"] != nil { throw fail(node, path, "give either size or end, not both") }
            let size = try bytes(sizeNode, "\(path).size")
            let r = MemoryRange(start: start, size: size)
            guard let end = r.checkedEnd, end <= arch.physicalAddressLimit else {
                throw fail(sizeNode, "\(path).size",
                           "the range 0x\(String(start, radix: 16)) + \(size) bytes ends beyond the \(arch.rawValue) physical address limit; expected an end at or below \(arch.physicalAddressLimitText)")
            }
            return r
        }
        guard let e = m["end"] else { throw fail(node, path, "missing size (or end, exclusive)") }
        let end = try physical(e, "\(path).end", arch: arch)
        guard end > start else { throw fail(e, "\(path).end", "expected an end above start \(start)") }
        return MemoryRange(start: start, size: end - start)
    }

    /// A physical address or size: at most the architecture's physical address limit.
    func physical(_ node: Yams.Node, _ path: String, arch: Arch) throws -> UInt64 {
        let v = try bytes(node, path)
        guard v <= arch.physicalAddressLimit else {
            throw fail(node, path, "\(ByteSize.format(v)) (0x\(String(v, radix: 16))) is beyond the \(arch.rawValue) physical address limit; expected at most \(arch.physicalAddressLimitText)")
        }
        return v
    }

    func node(_ n: Yams.Node, _ path: String, arch: Arch) throws -> NodeSpec {
        let m = try mapping(n, path, allowed: ["id", "cpus", "memory", "ranges", "reserved", "managed", "free",
                                               "movable", "zones"])
        guard let idNode = m["id"] else { throw fail(n, "\(path).id", "missing; expected the node number") }
        let id = try int(idNode, "\(path).id", range: 0...1_048_575)
        var cpus = CPUList.empty
        if let c = m["cpus"] {
            let text = try scalar(c, "\(path).cpus", "a cpulist such as 0-3,8-11")
            do { cpus = try CPUList.parse(text) } catch { throw fail(c, "\(path).cpus", error.description) }
        }
        let memory: NodeMemory
        switch (m["memory"], m["ranges"]) {
        case (let s?, nil):
            memory = .size(try physical(s, "\(path).memory", arch: arch))
        case (nil, let r?):
            memory = .ranges(try sequence(r, "\(path).ranges", "ranges {start, size}").enumerated().map {
                try range($1, "\(path).ranges[\($0)]", arch: arch)
            })
        case (nil, nil):
            throw fail(n, "\(path).memory", "missing; give memory: SIZE (0 for a memoryless node) or ranges: [...]")
        case (_?, _?):
            throw fail(n, path, "give either memory or ranges, not both")
        }
        var movable: MovableAmount? = nil
        if let mv = m["movable"] {
            let text = try scalar(mv, "\(path).movable", "a size or 'all'")
            if text == "all" { movable = .all } else { movable = .bytes(try physical(mv, "\(path).movable", arch: arch)) }
        }
        var zones: [String: ZoneOverride] = [:]
        if let z = m["zones"] {
            let zm = try mapping(z, "\(path).zones", allowed: Set(arch.zoneNames))
            for (zoneName, zoneNode) in zm {
                zones[zoneName] = try zoneOverride(zoneNode, "\(path).zones.\(zoneName)", arch: arch)
            }
        }
        return NodeSpec(id: id, cpus: cpus, memory: memory,
                        reserved: try m["reserved"].map { try physical($0, "\(path).reserved", arch: arch) } ?? 0,
                        managed: try m["managed"].map { try physical($0, "\(path).managed", arch: arch) },
                        free: try m["free"].map { try physical($0, "\(path).free", arch: arch) },
                        movable: movable, zones: zones)
    }

    func zoneOverride(_ n: Yams.Node, _ path: String, arch: Arch) throws -> ZoneOverride {
        let keys = ["start_pfn", "spanned", "present", "managed", "free", "min", "low", "high", "protection",
                    "pcp_high", "pcp_batch"]
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
        return o
    }

    func sysctls(_ n: Yams.Node, arch: Arch) throws -> Sysctls {
        let m = try mapping(n, "sysctl", allowed: ["min_free_kbytes", "watermark_scale_factor", "watermark_boost_factor",
                                                   "lowmem_reserve_ratio", "percpu_pagelist_high_fraction",
                                                   "zone_reclaim_mode", "transparent_hugepage", "min_unmapped_ratio",
                                                   "min_slab_ratio"])
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

/// Applies one sysctl value with the kernel's accepted range; shared by the YAML reader and
/// `--sysctl vm.NAME=VALUE` on the command line.
struct SysctlSetter {
    let reader: YAMLReader

    func set(_ s: inout Sysctls, key: String, node: Yams.Node, arch: Arch, path: String) throws {
        switch key {
        case "min_free_kbytes":
            let text = try reader.scalar(node, path, "'auto' or a number of kB")
            s.minFreeKbytes = text == "auto" ? nil : try reader.int(node, path, range: 0...Int(Int32.max))
        case "watermark_scale_factor":
            s.watermarkScaleFactor = try reader.int(node, path, range: 1...3000)
        case "watermark_boost_factor":
            s.watermarkBoostFactor = try reader.int(node, path, range: 0...Int(Int32.max))
        case "lowmem_reserve_ratio":
            let cells: [Yams.Node]
            if case .scalar = node {
                let text = try reader.scalar(node, path, "ratios")
                cells = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map {
                    Yams.Node(String($0))
                }
            } else {
                cells = try reader.sequence(node, path, "ratios, one per zone")
            }
            guard cells.count == arch.zoneCount else {
                throw reader.fail(node, path, "expected \(arch.zoneCount) ratios (one per zone: \(arch.zoneNames.joined(separator: ", "))), got \(cells.count)")
            }
            // lowmem_reserve_ratio_sysctl_handler: values below 1 become 0.
            s.lowmemReserveRatio = try cells.enumerated().map { max(0, try reader.int($1, "\(path)[\($0)]")) }
        case "percpu_pagelist_high_fraction":
            let v = try reader.int(node, path, range: 0...Int(Int32.max))
            guard v == 0 || v >= 8 else {
                throw reader.fail(node, path, "expected 0 or a value >= 8 (MIN_PERCPU_PAGELIST_HIGH_FRACTION), got \(v)")
            }
            s.percpuPagelistHighFraction = v
        case "zone_reclaim_mode":
            s.zoneReclaimMode = try reader.int(node, path, range: 0...7)
        case "transparent_hugepage":
            let text = try reader.scalar(node, path, "always, madvise or never").lowercased()
            switch text {
            case "true", "on", "yes": s.transparentHugepage = .always
            case "false", "off", "no": s.transparentHugepage = .never
            default:
                guard let mode = THPMode(rawValue: text) else {
                    throw reader.fail(node, path, "expected always, madvise or never, got '\(text)'")
                }
                s.transparentHugepage = mode
            }
        case "min_unmapped_ratio":
            s.minUnmappedRatio = try reader.int(node, path, range: 0...100)
        case "min_slab_ratio":
            s.minSlabRatio = try reader.int(node, path, range: 0...100)
        default:
            throw reader.fail(node, path, "unknown sysctl; expected one of min_free_kbytes, watermark_scale_factor, watermark_boost_factor, lowmem_reserve_ratio, percpu_pagelist_high_fraction, zone_reclaim_mode, transparent_hugepage, min_unmapped_ratio, min_slab_ratio")
        }
    }
}

extension Sysctls {
    /// Applies `vm.NAME=VALUE` (or `NAME=VALUE`) as given on the command line.
    public mutating func apply(assignment: String, arch: Arch, source: String = "--sysctl") throws {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw InputError(file: source, key: assignment, "expected vm.NAME=VALUE")
        }
        var name = String(assignment[..<eq]).trimmingCharacters(in: .whitespaces)
        if name.hasPrefix("vm.") { name.removeFirst(3) }
        if name.hasPrefix("kernel.mm.transparent_hugepage") || name == "thp" { name = "transparent_hugepage" }
        let value = String(assignment[assignment.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        let node = Yams.Node(value)
        try SysctlSetter(reader: YAMLReader(file: source)).set(&self, key: name, node: node, arch: arch, path: "vm.\(name)")
    }
}
