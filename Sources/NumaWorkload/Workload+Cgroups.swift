import NumaCore
import NumaTopology
import Yams

/// Reading cgroups (cgroup v2, Linux 6.1): the top-level `cgroups:` list, each group's
/// interface files as keys (`memory.max: 512MiB`, `cpuset.mems: 0`, …), and the `cgroup:` phase
/// step that writes some of them between phases. Thread groups and processes join a group with
/// `cgroup: NAME` and may set `oom_score_adj:`.
///
/// ```yaml
/// cgroups:
///   - {name: db, memory.max: 2GiB, memory.low: 1GiB, cpuset.mems: 0, cpuset.cpus: 0-3}
/// phases:
///   - threads: [{cpus: 0, cgroup: db, allocate: 3GiB, oom_score_adj: 100}]
///   - cgroup: {name: db, memory.max: max}
/// ```
extension Workload {
    /// A `cgroups:` entry.
    public struct CgroupSpec: Sendable, Equatable {
        public var name: String
        public var settings: CgroupSettings
        public init(name: String, settings: CgroupSettings) {
            self.name = name
            self.settings = settings
        }
    }

    /// `cgroups:`: a list of groups with distinct names.
    static func cgroups(_ node: Yams.Node, _ r: YAMLReader, _ t: Topology) throws -> [CgroupSpec] {
        var specs: [CgroupSpec] = []
        for (i, n) in try r.sequence(node, "cgroups", "cgroups").enumerated() {
            let path = "cgroups[\(i)]"
            let m = try r.mapping(n, path, allowed: Set(["name"] + CgroupSettings.keys))
            guard let nameNode = m["name"] else { throw r.fail(n, "\(path).name", "missing; expected the cgroup's name") }
            let name = try r.scalar(nameNode, "\(path).name", "a name")
            guard !name.isEmpty, !name.contains("/") else {
                throw r.fail(nameNode, "\(path).name", "expected a cgroup name without '/', got '\(name)'")
            }
            if specs.contains(where: { $0.name == name }) { throw r.fail(nameNode, "\(path).name", "cgroup '\(name)' is already declared") }
            specs.append(CgroupSpec(name: name, settings: try settings(m, path, into: CgroupSettings(), r, t)))
        }
        return specs
    }

    /// A `cgroup: {name: NAME, KEY: VALUE, …}` phase: the named group's files as written.
    static func cgroupStep(_ node: Yams.Node, _ path: String, _ r: YAMLReader, _ t: Topology,
                           declared: [CgroupSpec]) throws -> (String, CgroupSettings) {
        let m = try r.mapping(node, path, allowed: Set(["name"] + CgroupSettings.keys))
        guard let nameNode = m["name"] else { throw r.fail(node, "\(path).name", "missing; expected the name of a cgroup of 'cgroups:'") }
        let name = try r.scalar(nameNode, "\(path).name", "a name")
        guard declared.contains(where: { $0.name == name }) else {
            throw r.fail(nameNode, "\(path).name", "no cgroup '\(name)' in 'cgroups:' (declared: \(declared.map(\.name).joined(separator: ", ")))")
        }
        guard m.count > 1 else { throw r.fail(node, path, "expected at least one of \(CgroupSettings.keys.joined(separator: ", ")) to write") }
        // The values so far are only known when the step runs: the step carries only what it writes.
        return (name, try settings(m, path, into: CgroupSettings(memoryLow: -1, memoryMin: -1), r, t, stepMarks: true))
    }

    /// The interface-file keys of `m` over `base`. With `stepMarks`, unset keys keep markers the
    /// engine leaves alone (`CgroupSettings.merged(into:)`).
    static func settings(_ m: [String: Yams.Node], _ path: String, into base: CgroupSettings, _ r: YAMLReader, _ t: Topology,
                         stepMarks: Bool = false) throws -> CgroupSettings {
        var s = base
        if stepMarks { s.memoryMax = CgroupSettings.unchanged; s.memoryHigh = CgroupSettings.unchanged }
        if let v = m["memory.max"] { s.memoryMax = try limit(v, "\(path).memory.max", r) }
        if let v = m["memory.high"] { s.memoryHigh = try limit(v, "\(path).memory.high", r) }
        if let v = m["memory.low"] { s.memoryLow = try limit(v, "\(path).memory.low", r) ?? Int.max }
        if let v = m["memory.min"] { s.memoryMin = try limit(v, "\(path).memory.min", r) ?? Int.max }
        if let v = m["cpuset.mems"] {
            let list = try r.cpuList(v, "\(path).cpuset.mems", "a node list such as 0 or 0-1")
            let withMemory = Set(t.nodes.filter { !$0.memory.isEmpty }.map(\.id))
            for id in list.members where !withMemory.contains(id) {
                // cpuset.c update_nodemask: mems must be within top_cpuset.mems_allowed (N_MEMORY).
                throw r.fail(v, "\(path).cpuset.mems", "node \(id) is not a node with memory of the topology (nodes with memory: \(CPUList(withMemory.sorted())))")
            }
            s.mems = list.members.isEmpty ? nil : list.members.sorted()
        }
        if let v = m["cpuset.cpus"] {
            let list = try r.cpuList(v, "\(path).cpuset.cpus", "a cpulist such as 0-3")
            let all = Set(t.allCPUs)
            for c in list.members where !all.contains(c) {
                throw r.fail(v, "\(path).cpuset.cpus", "CPU \(c) is not in the topology (CPUs: \(CPUList(t.allCPUs)))")
            }
            s.cpus = list.members.isEmpty ? nil : list.members.sorted()
        }
        return s
    }

    /// A memory limit: `max`, or bytes (`512MiB`, `1G`, a number) rounded down to pages as
    /// `page_counter_memparse` does. nil is `max`.
    static func limit(_ v: Yams.Node, _ path: String, _ r: YAMLReader) throws -> Int? {
        let text = try r.scalar(v, path, "a size or max")
        if text == "max" { return nil }
        guard let b = ByteSize.parse(text) else {
            throw r.fail(v, path, "expected a size such as 512MiB or 2GiB, a number of bytes, or max; got '\(text)'")
        }
        return Int(b >> 12)
    }

    /// `cgroup: NAME` of a thread group or process: a declared group whose cpuset allows the
    /// group's CPUs (`cpuset.cpus`; sched_setaffinity cannot leave the cpuset).
    static func cgroupReference(_ m: [String: Yams.Node], _ path: String, cpus: [Int], _ r: YAMLReader) throws -> String? {
        guard let v = m["cgroup"] else { return nil }
        let name = try r.scalar(v, "\(path).cgroup", "a cgroup name")
        guard let group = r.declaredCgroups.first(where: { $0.name == name }) else {
            let known = r.declaredCgroups.map(\.name)
            throw r.fail(v, "\(path).cgroup", known.isEmpty ? "no cgroup '\(name)': declare it in a top-level 'cgroups:' list"
                                                             : "no cgroup '\(name)' in 'cgroups:' (declared: \(known.joined(separator: ", ")))")
        }
        if let allowed = group.cpus {
            for c in cpus where !allowed.contains(c) {
                throw r.fail(v, "\(path).cgroup", "CPU \(c) is not in cgroup '\(name)''s cpuset.cpus \(CPUList(allowed))")
            }
        }
        return name
    }

    /// `oom_score_adj:` (-1000...1000).
    static func oomScoreAdj(_ m: [String: Yams.Node], _ path: String, _ r: YAMLReader) throws -> Int {
        guard let v = m["oom_score_adj"] else { return 0 }
        return try r.int(v, "\(path).oom_score_adj", range: -1000...1000)
    }
}

extension CgroupSettings {
    /// A `cgroup:` step's marker for a limit it does not write.
    static let unchanged = -1

    /// The settings after a `cgroup:` step that wrote `step` (markers keep the old values).
    public func merged(with step: CgroupSettings) -> CgroupSettings {
        var s = self
        if step.memoryMax != CgroupSettings.unchanged { s.memoryMax = step.memoryMax }
        if step.memoryHigh != CgroupSettings.unchanged { s.memoryHigh = step.memoryHigh }
        if step.memoryLow >= 0 { s.memoryLow = step.memoryLow }
        if step.memoryMin >= 0 { s.memoryMin = step.memoryMin }
        if step.mems != nil { s.mems = step.mems }
        if step.cpus != nil { s.cpus = step.cpus }
        return s
    }
}
