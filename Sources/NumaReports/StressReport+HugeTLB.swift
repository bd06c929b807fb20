import NumaCore

/// The hugetlb pools in a stress result (docs/json.md): `hugepages` — each hstate at the end,
/// keyed by page size ("2048kB") then node id, with `total`, `free` and `surplus` as
/// /sys/devices/system/node/nodeN/hugepages/hugepages-2048kB/{nr,free,surplus}_hugepages
/// print them — and `hugepage_steps`, each resize in order (the boot sysctl, `hugepages:`
/// phases) with what it asked for, what it obtained per node, and the nodes' meminfo lines
/// after it. Both absent when no pool was sized. The text report's block answers "why did my
/// per-node pool come out short".
extension StressReport {
    public struct HugePagesNode: Codable, Sendable, Equatable {
        public var total: Int
        public var free: Int
        public var surplus: Int
    }

    public struct HugePageStep: Codable, Sendable, Equatable {
        /// Where the write came from (`phases[1].hugepages`, `sysctl nr_hugepages (boot)`).
        public var key: String
        public var size: String
        public var requested: Int
        /// The node of a per-node write (absent for a global or mempolicy one).
        public var node: Int?
        /// The writer's memory policy of an nr_hugepages_mempolicy write (absent otherwise).
        public var policy: String?
        public var nodes_allowed: [Int]
        /// The persistent pool size aimed for (a per-node count plus the other nodes' pages).
        public var target: Int
        public var obtained: Int
        public var short: Bool
        /// Node id → pool counts after the write, and the pages the node had before it.
        public var nodes: [String: HugePagesNode]
        public var before: [String: Int]
        /// Node id → MemTotal, MemFree, MemUsed (kB) and HugePages_Total/Free/Surp (pages), as
        /// the node's meminfo read right after the write.
        public var node_meminfo: [String: [String: Int]]
    }

    /// `hugepages`, or nil when no pool was ever sized.
    static func hugepagesJSON(_ a: PageAllocator) -> [String: [String: HugePagesNode]]? {
        guard a.hugetlb.isInUse else { return nil }
        var out: [String: [String: HugePagesNode]] = [:]
        for h in a.hugetlb.hstates {
            var nodes: [String: HugePagesNode] = [:]
            for (n, id) in a.nodeIDs.enumerated() {
                nodes[String(id)] = HugePagesNode(total: h.nrHugePagesNode[n], free: h.freeHugePagesNode[n], surplus: h.surplusHugePagesNode[n])
            }
            out["\(h.sizeKB)kB"] = nodes
        }
        return out
    }

    /// `hugepage_steps`, or nil when there were none.
    static func hugepageStepsJSON(_ a: PageAllocator) -> [HugePageStep]? {
        let resizes = a.hugetlb.resizes
        guard !resizes.isEmpty else { return nil }
        return resizes.map { r in
            var nodes: [String: HugePagesNode] = [:], before: [String: Int] = [:], meminfo: [String: [String: Int]] = [:]
            for (n, id) in r.nodeIDs.enumerated() {
                nodes[String(id)] = HugePagesNode(total: r.total[n], free: r.free[n], surplus: r.surplus[n])
                before[String(id)] = r.totalBefore[n]
                meminfo[String(id)] = ["MemTotal": r.memTotalKB[n], "MemFree": r.memFreeKB[n], "MemUsed": r.memTotalKB[n] - r.memFreeKB[n],
                                       "HugePages_Total": r.total[n], "HugePages_Free": r.free[n], "HugePages_Surp": r.surplus[n]]
            }
            return HugePageStep(key: r.source, size: "\(r.sizeKB)kB", requested: r.requested, node: r.node, policy: r.policy, nodes_allowed: r.nodesAllowed,
                                target: r.target, obtained: r.obtained, short: r.isShort, nodes: nodes, before: before, node_meminfo: meminfo)
        }
    }

    /// The text report's block: each resize (asked, aimed for, obtained, per node before → after
    /// with the node's free memory), and why a short one stopped. Empty without pools.
    public var hugetlbText: String {
        guard let steps = hugepage_steps, !steps.isEmpty else { return "" }
        var out = "\nhugetlb pools:\n"
        for s in steps {
            // /proc/sys/vm/ files are the default size's; another size has them under /sys/kernel/mm.
            let dir = s.size == "2048kB" ? "" : "/sys/kernel/mm/hugepages/hugepages-\(s.size)/"
            let file = s.node.map { "node\($0)/hugepages/hugepages-\(s.size)/nr_hugepages" }
                ?? (s.policy.map { "\(dir)nr_hugepages_mempolicy (policy \($0))" } ?? "\(dir)nr_hugepages")
            out += "  \(s.key): \(file) = \(s.requested)"
            if s.node != nil { out += " (global target \(s.target))" }
            out += ", nodes \(s.nodes_allowed.map(String.init).joined(separator: ",")): obtained \(s.obtained)"
            if s.short {
                out += " — short by \(s.target == Int.max ? "the rest" : String(s.target - s.obtained)): "
                out += s.size == "2048kB" ? "the buddy allocator gave no order-9 page on any allowed node (watermark or fragmentation)"
                    : "no allowed node has a whole free 1 GiB range in one zone (alloc_contig_pages)"
            }
            out += "\n"
            for id in s.nodes.keys.compactMap(Int.init).sorted() {
                let k = String(id), p = s.nodes[k]!
                guard (s.before[k] ?? 0) != p.total || s.nodes_allowed.contains(id) else { continue }
                out += "    node \(id): \(s.before[k] ?? 0) → \(p.total) pages (free \(p.free), surplus \(p.surplus)), MemFree \(s.node_meminfo[k]?["MemFree"] ?? 0) kB\n"
            }
        }
        if let pools = hugepages {
            for (size, nodes) in pools.sorted(by: { $0.key < $1.key }) where nodes.values.contains(where: { $0.total > 0 }) {
                let per = nodes.keys.compactMap(Int.init).sorted().map { id -> String in
                    let p = nodes[String(id)]!
                    return "node \(id) \(p.total) (free \(p.free), surplus \(p.surplus))"
                }
                out += "  hugepages-\(size) at the end: " + per.joined(separator: "; ") + "\n"
            }
        }
        return out
    }
}
