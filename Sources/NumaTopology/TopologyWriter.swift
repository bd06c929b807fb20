import Foundation

/// Writes a topology as YAML that `TopologyFile.parse` reads back to an equal `Topology`.
///
/// Hand-written (not `YAMLEncoder`) so the output is laid out like the shipped files, with
/// distances as one row per line and sizes in readable units.
public enum TopologyWriter {
    public static func yaml(_ t: Topology) -> String {
        var out = ""
        func line(_ s: String) { out += s + "\n" }
        func quoted(_ s: String) -> String {
            let escaped = s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\"\(escaped)\""
        }
        line("name: \(quoted(t.name))")
        if let d = t.description { line("description: \(quoted(d))") }
        if let s = t.source { line("source: \(quoted(s))") }
        line("arch: \(t.arch.rawValue)")
        if t.paging != .fourLevel { line("paging: \(t.paging.rawValue)") }
        line("legacy_holes: \(t.legacyHoles)")
        if !t.holes.isEmpty {
            line("holes:")
            for h in t.holes { line("  - {start: 0x\(String(h.start, radix: 16)), size: \(ByteSize.format(h.size))}") }
        }
        line("nodes:")
        for n in t.nodes {
            line("  - id: \(n.id)")
            line("    cpus: \(quoted(n.cpus.description))")
            switch n.memory {
            case .size(let s): line("    memory: \(ByteSize.format(s))")
            case .ranges(let rs):
                line("    ranges:")
                for r in rs { line("      - {start: 0x\(String(r.start, radix: 16)), size: \(ByteSize.format(r.size))}") }
            }
            if n.reserved > 0 { line("    reserved: \(ByteSize.format(n.reserved))") }
            if let m = n.managed { line("    managed: \(ByteSize.format(m))") }
            if let f = n.free { line("    free: \(ByteSize.format(f))") }
            switch n.movable {
            case .none: break
            case .all?: line("    movable: all")
            case .bytes(let b)?: line("    movable: \(ByteSize.format(b))")
            }
            if n.unreclaimable { line("    unreclaimable: true") }
            // With an adistance the type is written too: `adistance:` alone reads as hot-added.
            if n.memoryType != .dram || n.adistance != nil { line("    memory_type: \(n.memoryType.name)") }
            if let a = n.adistance { line("    adistance: \(a)") }
            let zones = n.zones.filter { !$0.value.isEmpty }
            if !zones.isEmpty {
                line("    zones:")
                for name in t.arch.zoneNames {
                    guard let o = zones[name] else { continue }
                    var fields: [String] = []
                    func add(_ k: String, _ v: Int?) { if let v { fields.append("\(k): \(v)") } }
                    add("start_pfn", o.startPfn); add("spanned", o.spanned); add("present", o.present)
                    add("managed", o.managed); add("free", o.free); add("min", o.min); add("low", o.low)
                    add("high", o.high)
                    if let p = o.protection { fields.append("protection: [\(p.map(String.init).joined(separator: ", "))]") }
                    add("pcp_high", o.pcpHigh); add("pcp_batch", o.pcpBatch)
                    fields += TopologyWriter.zoneStateFields(o)
                    line("      \(name): {\(fields.joined(separator: ", "))}")
                }
            }
        }
        line("distances:")
        for row in t.distances { line("  - [\(row.map(String.init).joined(separator: ", "))]") }
        let s = t.sysctl
        line("sysctl:")
        line("  min_free_kbytes: \(s.minFreeKbytes.map(String.init) ?? "auto")")
        line("  watermark_scale_factor: \(s.watermarkScaleFactor)")
        line("  watermark_boost_factor: \(s.watermarkBoostFactor)")
        if let r = s.lowmemReserveRatio { line("  lowmem_reserve_ratio: [\(r.map(String.init).joined(separator: ", "))]") }
        line("  percpu_pagelist_high_fraction: \(s.percpuPagelistHighFraction)")
        line("  zone_reclaim_mode: \(s.zoneReclaimMode)")
        line("  transparent_hugepage: \(s.transparentHugepage.rawValue)")
        if s.transparentHugepageDefrag != Sysctls().transparentHugepageDefrag { line("  transparent_hugepage_defrag: \(s.transparentHugepageDefrag.rawValue)") }
        line("  min_unmapped_ratio: \(s.minUnmappedRatio)")
        line("  min_slab_ratio: \(s.minSlabRatio)")
        if s.swappiness != Sysctls().swappiness { line("  swappiness: \(s.swappiness)") }
        if s.nrHugepages != 0 { line("  nr_hugepages: \(s.nrHugepages)") }
        if s.extfragThreshold != Sysctls().extfragThreshold { line("  extfrag_threshold: \(s.extfragThreshold)") }
        if s.compactionProactiveness != Sysctls().compactionProactiveness { line("  compaction_proactiveness: \(s.compactionProactiveness)") }
        for (name, value) in s.tiering.changed { line("  \(name): \(value)") }
        let k = t.kernel
        if k != KernelParameters() {
            line("kernel:")
            line("  max_numnodes: \(k.maxNumNodes)")
            line("  node_reclaim_distance: \(k.nodeReclaimDistance)")
            if t.arch.is32Bit { line("  highmem_start: \(ByteSize.format(k.highmemStart))") }
        }
        let c = t.costs
        if !c.overrides.isEmpty {
            let fields = c.overrides.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.name): \($0.value)" }
            line("costs: {\(fields.joined(separator: ", "))}")
        }
        if let l = c.latencyNs {
            line("latency_ns:")
            for row in l { line("  - [\(row.map(String.init).joined(separator: ", "))]") }
        }
        if let b = c.bandwidthGBps { line("bandwidth_gbps: [\(b.map { String($0) }.joined(separator: ", "))]") }
        return out
    }
}
