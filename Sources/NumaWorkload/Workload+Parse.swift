import Foundation
import NumaCore
import NumaTopology
import Yams

/// Reading a workload file: the document (`threads:` or `phases:`, `swap:`, `swappiness:`) and
/// its phases, each error naming the file, line and key (`YAMLReader`). Thread groups:
/// `Workload+Threads.swift`; processes: `Workload+Process.swift`; hotplug steps:
/// `Workload+Hotplug.swift`.
extension Workload {
    /// Reads the workload file at `path` (docs/workload-format.md) for `topology`.
    ///
    /// - Parameters:
    ///   - path: the YAML file.
    ///   - topology: the machine it will run on: CPUs, nodes and sysctl steps are checked
    ///     against it.
    /// - Throws: `InputError` naming the file, the line and the key, and what was expected.
    public static func load(path: String, topology: Topology) throws -> Workload {
        try parse(try InputText.read(path, what: "the workload file"), file: InputText.name(path), topology: topology)
    }

    /// A sysctl step's value as `vm.NAME=VALUE` text: a scalar as written; a list (the documented
    /// `lowmem_reserve_ratio: [256, 256, 32, 0, 0]`, as the topology file's `sysctl:` takes it)
    /// as its values separated by spaces, as /proc/sys/vm/lowmem_reserve_ratio reads them.
    static func sysctlValueText(_ v: Yams.Node, _ path: String, _ r: YAMLReader) throws -> String {
        guard case .sequence(let seq) = v else { return try r.scalar(v, path, "a value") }
        return try seq.enumerated().map { try r.scalar($1, "\(path)[\($0)]", "a number") }.joined(separator: " ")
    }

    /// Reads a workload from `text` (the contents of a workload file, docs/workload-format.md)
    /// for `topology`; `file` names it in errors.
    ///
    /// - Throws: `InputError` naming `file`, the line and the key, and what was expected.
    public static func parse(_ text: String, file: String, topology: Topology) throws -> Workload {
        let root: Yams.Node
        do {
            guard let n = try Yams.compose(yaml: text) else {
                throw InputError(file: file, "the file is empty; expected 'threads:' with a list of thread groups")
            }
            root = n
        } catch let e as InputError { throw e } catch let e as YamlError {
            throw TopologyFile.inputError(e, text: text, file: file)
        } catch {
            throw InputError(file: file, "not valid YAML: \(error)")
        }
        var r = YAMLReader(file: file)
        let top = try r.mapping(root, "", allowed: ["threads", "phases", "swap", "swappiness", "name", "description", "cgroups"])
        let cgroupSpecs = try top["cgroups"].map { try cgroups($0, r, topology) } ?? []
        r.declaredCgroups = cgroupSpecs.map { ($0.name, $0.settings.cpus) }
        var phases: [Phase] = []
        switch (top["threads"], top["phases"]) {
        case (let t?, nil):
            phases = [.run(try threadGroups(t, "threads", r, topology))]
        case (nil, let p?):
            let list = try r.sequence(p, "phases", "phases")
            guard !list.isEmpty else { throw r.fail(p, "phases", "expected at least one phase") }
            for (i, n) in list.enumerated() {
                let m = try r.mapping(n, "phases[\(i)]", allowed: ["threads", "sysctl", "hotplug", "processes", "tlb", "cgroup", "hugepages", "compact_memory"])
                if let c = m["cgroup"] {
                    guard m.count == 1 else { throw r.fail(n, "phases[\(i)]", "a 'cgroup:' step is a phase of its own") }
                    let (name, settings) = try cgroupStep(c, "phases[\(i)].cgroup", r, topology, declared: cgroupSpecs)
                    phases.append(.cgroup(name: name, settings: settings))
                } else if m["processes"] != nil {
                    guard m["threads"] == nil, m["sysctl"] == nil, m["hotplug"] == nil, m["compact_memory"] == nil else {
                        throw r.fail(n, "phases[\(i)]", "expected exactly one of 'threads:', 'processes:', 'sysctl:' or 'hotplug:' in a phase")
                    }
                    phases.append(.processes(try processPhase(m, "phases[\(i)]", r, topology)))
                } else if m["tlb"] != nil {
                    throw r.fail(n, "phases[\(i)].tlb", "tlb: belongs to a phase with processes:")
                } else if m.count == 1, let h = m["hugepages"] {
                    phases.append(.hugepages(try hugePagesStep(h, "phases[\(i)].hugepages", r, topology)))
                } else if m.count == 1, let c = m["compact_memory"] {
                    phases.append(.compactMemory(try compactMemoryStep(c, "phases[\(i)].compact_memory", r, topology)))
                } else if m.count == 1, let h = m["hotplug"] {
                    phases.append(.hotplug(try hotplugStep(h, "phases[\(i)].hotplug", r, topology)))
                } else if let t = m["threads"], m["sysctl"] == nil, m["hotplug"] == nil, m["compact_memory"] == nil {
                    phases.append(.run(try threadGroups(t, "phases[\(i)].threads", r, topology)))
                } else if let sc = m["sysctl"], m["threads"] == nil, m["compact_memory"] == nil {
                    let entries = try r.mapping(sc, "phases[\(i)].sysctl", allowed: Workload.sysctlNames)
                    var assignments: [String] = []
                    var probe = topology.sysctl
                    for (k, v) in entries.sorted(by: { $0.key < $1.key }) {
                        let a = "\(k)=\(try sysctlValueText(v, "phases[\(i)].sysctl.\(k)", r))"
                        do { try probe.apply(assignment: a, arch: topology.arch, source: file) } catch let e as InputError {
                            throw r.fail(v, "phases[\(i)].sysctl.\(k)", e.message)
                        }
                        assignments.append(a)
                    }
                    phases.append(.sysctl(assignments))
                } else {
                    throw r.fail(n, "phases[\(i)]", "expected exactly one of 'threads:' (a list of thread groups), 'processes:' (see docs/workload-format.md), 'sysctl:' (name: value), 'hotplug:' ({offline: NODE} or {online: NODE}), 'hugepages:' ({count: K}), 'compact_memory:' (all or {node: N}) or 'cgroup:' ({name: NAME, memory.max: …}; see docs/workload-format.md)")
                }
            }
            guard phases.contains(where: { switch $0 { case .run, .processes, .hotplug, .hugepages: return true; default: return false } }) else {
                throw r.fail(p, "phases", "expected at least one phase with threads or processes")
            }
        case (nil, nil):
            throw r.fail(root, "threads", "missing; expected 'threads:' (a list of thread groups) or 'phases:'")
        case (_?, _?):
            throw r.fail(root, "phases", "give either 'threads:' or 'phases:', not both")
        }
        var w = Workload(phases: phases)
        w.listsPhases = top["phases"] != nil
        w.cgroups = cgroupSpecs
        if let s = top["swap"] { w.swapPages = Int(try r.bytes(s, "swap") >> 12) }
        if let s = top["swappiness"] { w.swappiness = try r.int(s, "swappiness", range: 0...200) }
        return w
    }

    /// The sysctls a phase may change (names as in /proc/sys/vm, /proc/sys/kernel and
    /// /sys/kernel/mm/numa).
    static let sysctlNames = Set<String>(["min_free_kbytes", "watermark_scale_factor", "watermark_boost_factor",
                                           "lowmem_reserve_ratio", "percpu_pagelist_high_fraction", "zone_reclaim_mode",
                                           "min_unmapped_ratio", "min_slab_ratio", "extfrag_threshold",
                                           "compaction_proactiveness"] + TieringSysctls.names)
}
