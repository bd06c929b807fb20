import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Imports a machine from hwloc's XML (`lstopo --of xml`, hwloc 2.x; hwloc 1.x files too).
///
/// What numasim takes from the file:
/// * every `<object type="NUMANode" os_index="N" local_memory="BYTES">` is node N. hwloc fills
///   `local_memory` from the node's sysfs `meminfo` `MemTotal` (`hwloc_parse_meminfo_info`,
///   `MemTotal << 10`), so it becomes `managed` and `memory` (rounded up to whole memory
///   sections) exactly as the sysfs importer does; a node without `local_memory` has none;
/// * every `<object type="PU" os_index="C">` is CPU C, in the node whose memory is nearest to it
///   in the tree: walking up from the PU, the first ancestor that is a NUMANode (hwloc 1.x puts
///   PUs below their node) or that has NUMANode children (hwloc 2.x attaches a node to the
///   object whose CPUs are local to it, through any `MemCache` objects). When several nodes
///   share that locality (DRAM and a CPU-less HBM or NVDIMM node on one package), the kernel
///   lists each CPU in one node only: the lowest node id keeps the CPUs, the others get none,
///   with a warning;
/// * the SLIT from `<distances2 type="NUMANode" indexing="os">` (hwloc 2.x; the latency matrix,
///   `kind` with `HWLOC_DISTANCES_KIND_MEANS_LATENCY`, preferred to any other), its `<indexes>`
///   naming the nodes' os_index and `<u64values>` the row-major matrix; or from hwloc 1.x's
///   `<distances nbobjs=.. relative_depth=.. latency_base=..>` whose `<latency value=..>`
///   entries, times `latency_base`, are the SLIT in the nodes' document order. With no matrix
///   (hwloc writes none when the kernel gave no SLIT) the kernel's default table applies
///   (10 local, 20 remote, `__node_distance`), with a warning when there is more than one node.
///
/// hwloc has no free-memory figure: nodes start with all their memory free. Every error names
/// the file, the line and the element, and what was expected.
public enum HwlocImporter {
    /// The topology, with any warnings dropped; use `load(path:warnings:)` to report them.
    public static func load(path: String) throws -> Topology {
        var warnings: [InputWarning] = []
        return try load(path: path, warnings: &warnings)
    }

    public static func load(path: String, warnings: inout [InputWarning]) throws -> Topology {
        let data = try InputText.data(path, what: "the hwloc XML file")
        return try parse(data, file: InputText.name(path), warnings: &warnings)
    }

    public static func parse(_ text: String, file: String, warnings: inout [InputWarning]) throws -> Topology {
        try parse(Data(text.utf8), file: file, warnings: &warnings)
    }

    public static func parse(_ data: Data, file: String, warnings: inout [InputWarning]) throws -> Topology {
        let tree = try XMLTree.parse(data, file: file)
        var reader = Reader(file: file, tree: tree)
        return try reader.run(warnings: &warnings)
    }

    /// One `<object type="NUMANode">`.
    struct Node {
        var id: Int
        var memory: UInt64
        var element: Int
    }

    struct Reader {
        let file: String
        let tree: XMLTree

        func fail(_ element: Int, _ message: String) -> InputError {
            InputError(file: file, line: tree.elements[element].line, "\(tree.describe(element)): \(message)")
        }

        func objectType(_ e: Int) -> String? {
            tree.elements[e].name == "object" ? tree.elements[e].attributes["type"] : nil
        }

        /// An integer attribute in `range`.
        func integer(_ e: Int, _ name: String, in range: ClosedRange<UInt64>, what: String) throws -> UInt64? {
            guard let text = tree.elements[e].attributes[name] else { return nil }
            guard let v = UInt64(text.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
                throw fail(e, "\(name)=\"\(text)\": expected \(what)")
            }
            return v
        }

        mutating func run(warnings: inout [InputWarning]) throws -> Topology {
            guard tree.elements.first?.name == "topology" else {
                throw InputError(file: file, line: tree.elements.first?.line,
                                 "the root element is <\(tree.elements.first?.name ?? "")>; expected <topology>, as `lstopo --of xml` writes")
            }
            // Nodes, in document order.
            var nodes: [Node] = []
            var nodeOfElement: [Int: Int] = [:]
            for e in tree.elements.indices where objectType(e) == "NUMANode" {
                guard let id = try integer(e, "os_index", in: 0...UInt64(ImportSupport.maxNodeID - 1),
                                           what: "a node id 0...\(ImportSupport.maxNodeID - 1)") else {
                    throw fail(e, "no os_index; expected the node's id, as os_index=\"0\"")
                }
                if let other = nodes.first(where: { $0.id == Int(id) }) {
                    throw fail(e, "a second NUMANode with os_index \(id) (the first is on line \(tree.elements[other.element].line)); expected one object per node")
                }
                let memory = try integer(e, "local_memory", in: 0...Arch.x86_64.physicalAddressLimit,
                                         what: "the node's memory in bytes, at most \(Arch.x86_64.physicalAddressLimitText)") ?? 0
                nodeOfElement[e] = nodes.count
                nodes.append(Node(id: Int(id), memory: memory, element: e))
            }
            guard !nodes.isEmpty else {
                throw InputError(file: file, line: tree.elements[0].line,
                                 "<topology> holds no <object type=\"NUMANode\">; expected at least one node, as `lstopo --of xml` writes")
            }

            let cpus = try assignCPUs(nodes: nodes, nodeOfElement: nodeOfElement, warnings: &warnings)
            let order = nodes.indices.sorted { nodes[$0].id < nodes[$1].id }
            var specs: [NodeSpec] = []
            for i in order {
                specs.append(NodeSpec(id: nodes[i].id, cpus: CPUList(cpus[i]), memory: .size(0), managed: nodes[i].memory))
            }
            let memory = ImportSupport.nodeMemory(managedBytes: order.map { nodes[$0].memory })
            if let i = ImportSupport.firstBeyondPhysicalLimit(memory, arch: .x86_64) {
                throw fail(nodes[order[i]].element, ImportSupport.beyondPhysicalLimitMessage(node: specs[i].id, memory: memory, arch: .x86_64))
            }
            for i in specs.indices { specs[i].memory = .size(memory[i]) }

            let distances = try readDistances(nodes: nodes, order: order, warnings: &warnings)
            // hwloc records the machine's architecture; numasim models x86_64 (as for numactl).
            if let arch = tree.elements.indices.first(where: {
                tree.elements[$0].name == "info" && tree.elements[$0].attributes["name"] == "Architecture"
            }), let value = tree.elements[arch].attributes["value"], value != "x86_64" {
                warnings.append(InputWarning(file: file, line: tree.elements[arch].line,
                    "the machine's Architecture is \(value); numasim imports it as x86_64 (zones, sections and paging of x86_64)"))
            }
            let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            let name = baseName.isEmpty || baseName.hasPrefix("<") || baseName == "-" ? "hwloc" : baseName
            return Topology(name: name, source: "hwloc XML (lstopo --of xml) in \(file)", arch: .x86_64,
                            nodes: specs, distances: distances)
        }

        /// Each node's CPUs (indexed as `nodes`), by the nearest-memory rule of the type's comment.
        func assignCPUs(nodes: [Node], nodeOfElement: [Int: Int], warnings: inout [InputWarning]) throws -> [[Int]] {
            var cpus = [[Int]](repeating: [], count: nodes.count)
            var owner: [Int: Int] = [:]  // CPU → PU element
            var shared: [Int: Set<Int>] = [:]  // keeping node index → node indices left without those CPUs
            for e in tree.elements.indices where objectType(e) == "PU" {
                guard let cpu = try integer(e, "os_index", in: 0...UInt64(CPUList.maximumID - 1),
                                            what: "a CPU number 0...\(CPUList.maximumID - 1)") else {
                    throw fail(e, "no os_index; expected the CPU's number, as os_index=\"0\"")
                }
                if let first = owner[Int(cpu)] {
                    throw fail(e, "a second PU with os_index \(cpu) (the first is on line \(tree.elements[first].line)); expected one object per CPU")
                }
                owner[Int(cpu)] = e
                var candidates: [Int] = []
                var up = tree.elements[e].parent
                while let a = up, candidates.isEmpty {
                    if let n = nodeOfElement[a] {
                        candidates = [n]
                    } else {
                        candidates = memoryChildren(of: a).compactMap { nodeOfElement[$0] }
                    }
                    up = tree.elements[a].parent
                }
                guard let keep = candidates.min(by: { nodes[$0].id < nodes[$1].id }) else {
                    throw fail(e, "no NUMANode is attached to this PU or to any object above it; expected every CPU to be local to a node")
                }
                cpus[keep].append(Int(cpu))
                for other in candidates where other != keep { shared[keep, default: []].insert(other) }
            }
            for (keep, others) in shared.sorted(by: { $0.key < $1.key }) {
                let ids = others.map { nodes[$0].id }.sorted()
                warnings.append(InputWarning(file: file, line: tree.elements[nodes[keep].element].line,
                    "node\(ids.count == 1 ? "" : "s") \(ids.map(String.init).joined(separator: ", ")) share\(ids.count == 1 ? "s" : "") the CPUs \(CPUList.rangeText(cpus[keep].sorted())) with node \(nodes[keep].id) (memory at the same place in the tree); the kernel lists a CPU in one node, so node \(nodes[keep].id) (the lowest id) keeps them and \(ids.count == 1 ? "the other has" : "the others have") no CPUs"))
            }
            return cpus.map { $0.sorted() }
        }

        /// The NUMANode objects attached to `e`: its NUMANode children, and those inside its
        /// `MemCache` children (memory-side caches sit between an object and its nodes).
        func memoryChildren(of e: Int) -> [Int] {
            var out: [Int] = []
            for c in tree.elements[e].children {
                switch objectType(c) {
                case "NUMANode": out.append(c)
                case "MemCache": out += memoryChildren(of: c)
                default: break
                }
            }
            return out
        }
    }
}
