import Foundation

/// `/proc/buddyinfo` (mm/vmstat.c `frag_show_print`, 6.1): per zone, `nr_free` (free blocks) of
/// each order 0…10. Used with `--pagetypeinfo`: to check its per-order totals, and to recover
/// the exact count of a migratetype whose pagetypeinfo count the kernel capped (`>100000`).
/// Alone it is checked against zoneinfo's `pages free` (it has no migratetypes to lay out).
public enum BuddyinfoImporter {
    public struct Zone: Sendable {
        public var counts: [Int]
        public var line: Int
        public var pages: Int { counts.enumerated().reduce(0) { $0 + ($1.element << $1.offset) } }
    }

    /// Zones by `"node/zone"`.
    public static func parse(path: String) throws -> [String: Zone] {
        try parse(text: ImportSupport.read(path), file: path)
    }

    public static func parse(text: String, file: String) throws -> [String: Zone] {
        var zones: [String: Zone] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: ImportSupport.junk)
            if line.isEmpty { continue }
            // "Node 0, zone      DMA      0      0 …"
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            guard words.count == 4 + PageblockTypes.orders, words[0] == "Node", let node = Int(words[1]), words[2] == "zone" else {
                throw InputError(file: file, line: i + 1, "expected 'Node N, zone NAME' and \(PageblockTypes.orders) free block counts (orders 0…10), got '\(line)'")
            }
            var counts: [Int] = []
            for w in words[4...] {
                guard let v = Int(w), v >= 0 else {
                    throw InputError(file: file, line: i + 1, "expected a count of free blocks, got '\(w)'")
                }
                counts.append(v)
            }
            let key = "\(node)/\(words[3])"
            if let other = zones[key] {
                throw InputError(file: file, line: i + 1, "Node \(node), zone \(words[3]) appears twice (also line \(other.line)); expected one line per zone")
            }
            zones[key] = Zone(counts: counts, line: i + 1)
        }
        guard !zones.isEmpty else { throw InputError(file: file, "the file is empty; expected /proc/buddyinfo lines 'Node 0, zone DMA 0 0 …'") }
        return zones
    }

    /// Checks every zone against the topology's recorded free pages: a difference is a warning
    /// (the files were read at different moments); the topology keeps its value.
    public static func check(_ zones: [String: Zone], file: String, against t: Topology, warnings: inout [InputWarning]) throws {
        for (key, z) in zones.sorted(by: { $0.value.line < $1.value.line }) {
            // "NODE/ZONE", as `parse` made it; the zone is any word, even one with a "/".
            let slash = key.firstIndex(of: "/")!
            let (id, name) = (Int(key[..<slash])!, String(key[key.index(after: slash)...]))
            guard let i = t.index(ofNode: id) else {
                throw InputError(file: file, line: z.line, "node \(id) is not in the topology (nodes: \(t.nodeIDs.map(String.init).joined(separator: ", "))); expected a buddyinfo of the same machine")
            }
            guard t.arch.zoneNames.contains(name) else {
                throw InputError(file: file, line: z.line, "unknown zone '\(name)' for \(t.arch.rawValue); expected one of \(t.arch.zoneNames.joined(separator: ", "))")
            }
            if let f = t.nodes[i].zones[name]?.free, f != z.pages {
                warnings.append(InputWarning(file: file, line: z.line,
                                             "Node \(id), zone \(name): \(z.pages) free pages here, \(f) recorded (zoneinfo or pagetypeinfo); the files were read at different moments, the recorded value is kept"))
            }
        }
    }
}
