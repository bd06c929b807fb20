import Yams

/// The run-time state a zone may record (`boost`, `pcp_count`, `lru`, `free_blocks`,
/// `pageblocks`; docs/topology-format.md), on the shared reader.
extension YAMLReader {
    static let zoneStateKeys = ["boost", "pcp_count", "lru", "free_blocks", "pageblocks"]

    func zoneState(_ m: [String: Yams.Node], _ path: String, into o: inout ZoneOverride) throws {
        let maxPages = Int(Int32.max) * 1024
        if let b = m["boost"] { o.boost = try int(b, "\(path).boost", range: 0...maxPages) }
        if let p = m["pcp_count"] {
            o.pcpCount = try sequence(p, "\(path).pcp_count", "page counts, one per CPU").enumerated().map {
                try int($1, "\(path).pcp_count[\($0)]", range: 0...maxPages)
            }
        }
        if let l = m["lru"] {
            let lm = try mapping(l, "\(path).lru", allowed: Set(LRUCounts.keys))
            o.lru = LRUCounts(values: try LRUCounts.keys.map { k in
                try lm[k].map { try int($0, "\(path).lru.\(k)", range: 0...maxPages) } ?? 0
            })
        }
        if let f = m["free_blocks"] {
            let fm = try mapping(f, "\(path).free_blocks", allowed: Set(PageblockTypes.names))
            var rows = Array(repeating: Array(repeating: 0, count: PageblockTypes.orders), count: PageblockTypes.names.count)
            for (t, name) in PageblockTypes.names.enumerated() {
                guard let row = fm[name] else { continue }
                let cells = try sequence(row, "\(path).free_blocks.\(name)", "free blocks per order 0…10")
                guard cells.count == PageblockTypes.orders else {
                    throw fail(row, "\(path).free_blocks.\(name)",
                               "expected \(PageblockTypes.orders) counts (free blocks of order 0…10), got \(cells.count)")
                }
                rows[t] = try cells.enumerated().map { try int($1, "\(path).free_blocks.\(name)[\($0)]", range: 0...maxPages) }
            }
            o.freeBlocks = rows
        }
        if let p = m["pageblocks"] {
            let pm = try mapping(p, "\(path).pageblocks", allowed: Set(PageblockTypes.names))
            o.pageblocks = try PageblockTypes.names.map { name in
                try pm[name].map { try int($0, "\(path).pageblocks.\(name)", range: 0...maxPages) } ?? 0
            }
        }
    }
}
