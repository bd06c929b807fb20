import NumaCore
import NumaTopology
import Yams

/// A `hugepages:` phase: a write of a hugetlb pool size between phases (mm/hugetlb.c, Linux
/// 6.1; docs/workload-format.md). `{count: K}` writes /proc/sys/vm/nr_hugepages, `{node: N,
/// count: K}` writes /sys/devices/system/node/nodeN/hugepages/hugepages-2048kB/nr_hugepages,
/// `{count: K, policy: POLICY}` writes /proc/sys/vm/nr_hugepages_mempolicy from a task with
/// that memory policy; `overcommit: K` writes nr_overcommit_hugepages (first); `size: 2MiB|1GiB`
/// names the page size (hugepages-2048kB, hugepages-1048576kB); `cpu: C` is the CPU the writing shell runs on (default: the first CPU).
extension Workload {
    public struct HugePagesStep: Sendable, Equatable {
        public var count: Int?
        public var node: Int?
        public var policy: MemPolicy?
        /// `huge_page_order`: 9 (2 MiB) or 18 (1 GiB).
        public var order: Int = HugeTLBState.defaultOrder
        public var overcommit: Int?
        public var cpu: Int?

        public init(count: Int?, node: Int? = nil, policy: MemPolicy? = nil, overcommit: Int? = nil, cpu: Int? = nil) {
            self.count = count; self.node = node; self.policy = policy; self.overcommit = overcommit; self.cpu = cpu
        }

        /// Performs the write on `a` (between phases, nothing else allocating): the overcommit
        /// limit, then `__nr_hugepages_store_common`. `source` names the step in reports.
        public func apply(to a: PageAllocator, source: String) throws -> HugeTLBResize? {
            if let o = overcommit { try a.writeNrOvercommitHugePages(order: order, o) }
            guard let count else { return nil }
            return try a.writeNrHugePages(order: order, count: count, node: node, policy: policy, cpu: cpu ?? a.cpus.first ?? -1, source: source)
        }
    }

    static func hugePagesStep(_ n: Yams.Node, _ path: String, _ r: YAMLReader, _ topology: Topology) throws -> HugePagesStep {
        let m = try r.mapping(n, path, allowed: ["count", "node", "policy", "size", "overcommit", "cpu"])
        var step = HugePagesStep(count: nil)
        if let c = m["count"] { step.count = try r.int(c, "\(path).count", range: 0...Int.max) }
        if let o = m["overcommit"] { step.overcommit = try r.int(o, "\(path).overcommit", range: 0...Int.max) }
        guard step.count != nil || step.overcommit != nil else {
            throw r.fail(n, path, "expected 'count: K' (pages to have in the pool) and/or 'overcommit: K' (nr_overcommit_hugepages)")
        }
        if let s = m["size"] {
            let text = try r.scalar(s, "\(path).size", "2MiB or 1GiB")
            switch text.lowercased().replacingOccurrences(of: " ", with: "") {
            case "2mib", "2m", "2mb", "2048kb", "2048k": step.order = HugeTLBState.defaultOrder
            case "1gib", "1g", "1gb", "1048576kb", "1048576k": step.order = HugeTLBState.giganticOrder
            default:
                throw r.fail(s, "\(path).size", "expected 2MiB (hugepages-2048kB) or 1GiB (hugepages-1048576kB), got '\(text)'")
            }
        }
        if let v = m["node"] {
            let id = try r.int(v, "\(path).node", range: 0...Int.max)
            guard topology.nodes.contains(where: { $0.id == id }) else {
                throw r.fail(v, "\(path).node", "node \(id) is not in the topology (nodes: \(topology.nodes.map { String($0.id) }.joined(separator: ", ")))")
            }
            guard step.count != nil else { throw r.fail(v, "\(path).node", "a per-node write needs 'count: K'") }
            step.node = id
        }
        if let p = m["policy"] {
            guard step.node == nil else {
                throw r.fail(p, "\(path).policy", "give either 'node:' (nodeN/hugepages/.../nr_hugepages) or 'policy:' (nr_hugepages_mempolicy), not both")
            }
            guard step.count != nil else { throw r.fail(p, "\(path).policy", "nr_hugepages_mempolicy needs 'count: K'") }
            let text = try r.scalar(p, "\(path).policy", "a policy")
            do { step.policy = try PolicyParser.parse(text, topology: topology) } catch let e as PolicyParser.Error {
                throw r.fail(p, "\(path).policy", e.message)
            }
        }
        if let c = m["cpu"] {
            let cpu = try r.int(c, "\(path).cpu", range: 0...Int.max)
            guard topology.allCPUs.contains(cpu) else {
                throw r.fail(c, "\(path).cpu", "CPU \(cpu) is not in the topology (CPUs: \(topology.allCPUs.map(String.init).joined(separator: ",")))")
            }
            step.cpu = cpu
        }
        return step
    }

    /// `hugetlb: true` on an mmap: MAP_HUGETLB (private anonymous, 2 MiB pages from the pool).
    static func hugetlbMmap(_ n: Yams.Node, _ path: String, _ r: YAMLReader, _ spec: inout MmapSpec) throws {
        spec.hugetlb = try r.bool(n, path)
        guard spec.hugetlb else { return }
        guard spec.kind == .anon else {
            throw r.fail(n, path, "hugetlb mappings are private anonymous here (MAP_HUGETLB); hugetlbfs files are not modelled")
        }
        if let a = spec.address, a & ((1 << 21) - 1) != 0 {
            throw r.fail(n, path, "a MAP_HUGETLB mapping's address must be 2 MiB aligned; 'at' is 0x\(String(a, radix: 16))")
        }
    }
}
