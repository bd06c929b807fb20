/// The run-time state a zone recorded, as flow-style YAML fields (docs/topology-format.md).
extension TopologyWriter {
    static func zoneStateFields(_ o: ZoneOverride) -> [String] {
        var fields: [String] = []
        if let b = o.boost { fields.append("boost: \(b)") }
        if let p = o.pcpCount { fields.append("pcp_count: [\(p.map(String.init).joined(separator: ", "))]") }
        if let l = o.lru {
            let cells = zip(LRUCounts.keys, l.values).map { "\($0): \($1)" }
            fields.append("lru: {\(cells.joined(separator: ", "))}")
        }
        if let rows = o.freeBlocks {
            let cells = zip(PageblockTypes.names, rows).filter { $1.contains { $0 > 0 } }
                .map { "\($0): [\($1.map(String.init).joined(separator: ", "))]" }
            fields.append("free_blocks: {\(cells.joined(separator: ", "))}")
        }
        if let counts = o.pageblocks {
            let cells = zip(PageblockTypes.names, counts).filter { $1 > 0 }.map { "\($0): \($1)" }
            fields.append("pageblocks: {\(cells.joined(separator: ", "))}")
        }
        return fields
    }
}
