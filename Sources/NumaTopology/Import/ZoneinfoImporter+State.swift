/// The zone's state at the moment /proc/zoneinfo was read (mm/vmstat.c `zoneinfo_show_print`,
/// 6.1): `boost` (`zone->watermark_boost`), every CPU's pageset `count:` (`pcp->count`, pages on
/// its pcp lists), `nr_zone_{in,}active_{anon,file}` (`zone_page_state`, the zone's LRU pages)
/// and `node_unreclaimable:` (`pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES`, printed in every
/// zone of the node). Recorded as `boost`, `pcp_count`, `lru` and the node's `unreclaimable`.
extension ZoneinfoImporter {
    /// What a block's state lines said, and where.
    struct StateLines {
        /// The `cpu: N` of the pageset being read.
        var cpu = -1
        var boost: Int?
        var counts: [(cpu: Int, count: Int, line: Int)] = []
        var lru: [Int?] = [nil, nil, nil, nil]
        var lruLine: Int?
        var unreclaimable: (value: Bool, line: Int)?
    }

    static let lruKeys = ["nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file"]

    /// Reads one state line into the block; false when `key` is not a state line.
    static func recordState(key: String, valueText: Substring, line: Int, column: Int, in b: inout Block, file: String,
                            number: (Substring, Int, String, Int?) throws -> Int) throws -> Bool {
        switch key {
        case "boost" where !b.inPagesets:
            b.state.boost = try number(valueText, line, key, column)
        case "count" where b.inPagesets:
            let v = try number(valueText, line, key, column)
            guard b.cpusSeen > 0 else {
                throw InputError(file: file, line: line, key: key, "expected a 'cpu: N' line before the pageset's count")
            }
            b.state.counts.append((b.state.cpu, v, line))
        case "node_unreclaimable":
            let v = try number(valueText, line, key, column)
            guard v <= 1 else {
                throw InputError(file: file, line: line, column: column, key: key, "expected 0 or 1 (pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES), got \(v)")
            }
            b.state.unreclaimable = (v == 1, line)
        case _ where lruKeys.contains(key) && !b.inPagesets:
            b.state.lru[lruKeys.firstIndex(of: key)!] = try number(valueText, line, key, column)
            if b.state.lruLine == nil { b.state.lruLine = line }
        default:
            return false
        }
        return true
    }

    /// Puts the blocks' state into their overrides and nodes. A pageset of a CPU the topology
    /// does not have must be empty (zoneinfo lists every possible CPU; an offline one holds no
    /// pages); a topology CPU the file does not list holds none.
    static func applyState(_ results: inout [Block], to t: inout Topology, file: String) throws {
        let cpus = t.allCPUs
        let slot = Dictionary(uniqueKeysWithValues: cpus.enumerated().map { ($1, $0) })
        var unreclaimable: [Int: Bool] = [:]
        for k in results.indices {
            var b = results[k]
            let s = b.state
            if let v = s.boost { b.value.boost = v > 0 ? v : nil }
            if !s.counts.isEmpty {
                var counts = Array(repeating: 0, count: cpus.count)
                for c in s.counts {
                    guard let i = slot[c.cpu] else {
                        guard c.count == 0 else {
                            throw InputError(file: file, line: c.line, key: "count",
                                             "CPU \(c.cpu)'s pageset holds \(c.count) pages, but the topology has no CPU \(c.cpu) (CPUs: \(CPUList(cpus).description)); expected a zoneinfo of the same machine")
                        }
                        continue
                    }
                    counts[i] = c.count
                }
                b.value.pcpCount = counts.contains { $0 > 0 } ? counts : nil
                b.fieldLines["pcp_count"] = s.counts[0].line
            }
            if s.lru.contains(where: { $0 != nil }) {
                let l = LRUCounts(values: s.lru.map { $0 ?? 0 })
                b.value.lru = l.total > 0 ? l : nil
                b.fieldLines["lru"] = s.lruLine
            }
            if let u = s.unreclaimable { unreclaimable[b.node] = (unreclaimable[b.node] ?? false) || u.value }
            results[k] = b
        }
        for (id, u) in unreclaimable {
            if let i = t.index(ofNode: id) { t.nodes[i].unreclaimable = u }
        }
    }
}
