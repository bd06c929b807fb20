import Foundation

/// Records a machine's `/proc/pagetypeinfo` (mm/vmstat.c 6.1 `pagetypeinfo_show`, per node:
/// `pagetypeinfo_showfree_print` and `pagetypeinfo_showblockcount_print`) as the zones'
/// `free_blocks` (free blocks per migratetype × order) and `pageblocks` (pageblocks per
/// migratetype). The "Number of mixed blocks" table (CONFIG_PAGE_OWNER) is skipped.
///
/// `pagetypeinfo_showfree_print` stops counting a free list at 100000 entries and prints
/// `>100000`: such a count is taken from `/proc/buddyinfo` (that order's `nr_free` minus the
/// other migratetypes) when given, else from zoneinfo's `pages free` when it is the zone's only
/// capped count, with a warning; otherwise it is an error.
///
/// The zone's `free` becomes the sum of its free blocks (Isolate excluded, as NR_FREE_PAGES
/// excludes it). The kernel prints the files at different moments (a pcp refill of 63 pages
/// between two reads is common), so a zoneinfo `pages free` that differs is a warning, and the
/// layout wins: the difference goes to the zone's other used pages.
public enum PagetypeinfoImporter {
    struct ZoneRecord {
        var free: [[Int]] = Array(repeating: Array(repeating: 0, count: PageblockTypes.orders), count: PageblockTypes.names.count)
        var capped: [(mt: Int, order: Int, line: Int)] = []
        var freeLine: Int?
        var blocks: [Int]?
        var blocksLine: Int?
    }

    public static func apply(path: String, to t: inout Topology, buddyinfo: [String: BuddyinfoImporter.Zone]? = nil,
                             buddyinfoFile: String? = nil, warnings: inout [InputWarning]) throws {
        try apply(text: ImportSupport.read(path), file: path, to: &t, buddyinfo: buddyinfo, buddyinfoFile: buddyinfoFile, warnings: &warnings)
    }

    public static func apply(text: String, file: String, to t: inout Topology, buddyinfo: [String: BuddyinfoImporter.Zone]? = nil,
                             buddyinfoFile: String? = nil, warnings: inout [InputWarning]) throws {
        var zones: [String: ZoneRecord] = [:]
        var order: [String] = []
        var blockColumns: [Int]? = nil  // migratetype index of each column of the block-count table
        var section = ""
        var lastLine: Int? = nil  // the last line that is not blank
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = i + 1
            let line = raw.trimmingCharacters(in: ImportSupport.junk)
            if line.isEmpty { continue }
            lastLine = lineNo
            func fail(_ m: String) -> InputError { InputError(file: file, line: lineNo, m) }
            if line.hasPrefix("Page block order:") {
                let v = line.dropFirst("Page block order:".count).trimmingCharacters(in: .whitespaces)
                guard Int(v) == t.arch.pageblockOrder else {
                    throw fail("expected 'Page block order: \(t.arch.pageblockOrder)' (pageblock_order of \(t.arch.rawValue)), got '\(line)'")
                }
                continue
            }
            if line.hasPrefix("Pages per block:") { continue }
            if line.hasPrefix("Free pages count per migrate type") { section = "free"; continue }
            if line.hasPrefix("Number of blocks type") || line.hasPrefix("Number of mixed blocks type") {
                section = line.hasPrefix("Number of blocks") ? "blocks" : "mixed"
                let names = line.split(separator: " ").dropFirst(line.hasPrefix("Number of blocks") ? 4 : 5).map(String.init)
                var columns: [Int] = []
                for n in names {
                    guard let k = PageblockTypes.names.firstIndex(of: n) else {
                        throw fail("unknown migratetype '\(n)'; expected \(PageblockTypes.names.joined(separator: ", ")) (a Debian 6.1 kernel, no CONFIG_CMA)")
                    }
                    columns.append(k)
                }
                if section == "blocks" { blockColumns = columns }
                continue
            }
            // "Node    0, zone      DMA, type    Unmovable      0 …" or "Node 0, zone      DMA            1 …"
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            guard words.count >= 4, words[0] == "Node", let node = Int(words[1]), words[2] == "zone" else {
                throw fail("expected a 'Node N, zone NAME' row of /proc/pagetypeinfo, got '\(line)'")
            }
            let zone = String(words[3])
            guard t.arch.zoneNames.contains(zone) else {
                throw fail("unknown zone '\(zone)' for \(t.arch.rawValue); expected one of \(t.arch.zoneNames.joined(separator: ", "))")
            }
            guard t.index(ofNode: node) != nil else {
                throw fail("node \(node) is not in the topology (nodes: \(t.nodeIDs.map(String.init).joined(separator: ", "))); expected a pagetypeinfo of the same machine")
            }
            let key = "\(node)/\(zone)"
            if zones[key] == nil { zones[key] = ZoneRecord(); order.append(key) }
            switch section {
            case "free":
                guard words.count == 6 + PageblockTypes.orders, words[4] == "type",
                      let mt = PageblockTypes.names.firstIndex(of: String(words[5])) else {
                    throw fail("expected 'Node N, zone NAME, type MIGRATETYPE' and \(PageblockTypes.orders) counts (orders 0…10), got '\(line)'")
                }
                if zones[key]!.freeLine == nil { zones[key]!.freeLine = lineNo }
                for (o, w) in words[6...].enumerated() {
                    if w.hasPrefix(">"), Int(w.dropFirst()) != nil {
                        zones[key]!.capped.append((mt, o, lineNo))
                        continue
                    }
                    guard let v = Int(w), v >= 0 else { throw fail("expected a count of free blocks (or '>100000'), got '\(w)'") }
                    zones[key]!.free[mt][o] = v
                }
            case "blocks":
                let cells = words[4...].map { Int($0) }
                guard let columns = blockColumns, cells.count == columns.count, cells.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                    throw fail("expected 'Node N, zone NAME' and \(blockColumns?.count ?? 5) pageblock counts, got '\(line)'")
                }
                var blocks = Array(repeating: 0, count: PageblockTypes.names.count)
                for (c, v) in zip(columns, cells) { blocks[c] = v! }
                zones[key]!.blocks = blocks
                zones[key]!.blocksLine = lineNo
            case "mixed":
                continue
            default:
                throw fail("expected the 'Free pages count per migrate type at order' table before '\(line)'")
            }
        }
        guard !zones.isEmpty else {
            let expected = "expected /proc/pagetypeinfo text ('Page block order: 9', 'Free pages count per migrate type at order …')"
            guard let lastLine else { throw InputError(file: file, "the file is empty; \(expected)") }
            // Named at the last line read: the zone rows should have come by then.
            throw InputError(file: file, line: lastLine, "no 'Node N, zone NAME' rows by the end of the file; \(expected)")
        }
        for key in order {
            var r = zones[key]!
            let parts = key.split(separator: "/")
            let (id, name) = (Int(parts[0])!, String(parts[1]))
            let i = t.index(ofNode: id)!
            var o = t.nodes[i].zones[name] ?? ZoneOverride()
            try resolveCapped(&r, key: key, zoneFree: o.free, buddy: buddyinfo?[key], buddyFile: buddyinfoFile, file: file, warnings: &warnings)
            if r.freeLine != nil {
                var layout = ZoneOverride(); layout.freeBlocks = r.free
                let pages = layout.freeBlockPages!
                if let f = o.free, f != pages {
                    warnings.append(InputWarning(file: file, line: r.freeLine,
                                                 "Node \(id), zone \(name): the free blocks hold \(pages) pages, zoneinfo's pages free is \(f) (the files were read at different moments); the pagetypeinfo layout is used, free = \(pages)"))
                }
                if let b = buddyinfo?[key], let bf = buddyinfoFile {
                    for ord in 0..<PageblockTypes.orders {
                        let sum = (0..<PageblockTypes.isolate).reduce(0) { $0 + r.free[$1][ord] }
                        if sum != b.counts[ord] {
                            warnings.append(InputWarning(file: bf, line: b.line, "Node \(id), zone \(name): order \(ord) has \(b.counts[ord]) free blocks here, \(sum) in \(file) (read at a different moment); the pagetypeinfo layout is used"))
                            break
                        }
                    }
                }
                o.freeBlocks = r.free
                o.free = pages
            }
            if let b = r.blocks { o.pageblocks = b }
            t.nodes[i].zones[name] = o
        }
    }

    /// Replaces each `>100000` count by its exact value (see the type's comment).
    static func resolveCapped(_ r: inout ZoneRecord, key: String, zoneFree: Int?, buddy: BuddyinfoImporter.Zone?, buddyFile: String?,
                              file: String, warnings: inout [InputWarning]) throws {
        guard !r.capped.isEmpty else { return }
        for c in r.capped {
            let name = PageblockTypes.names[c.mt]
            if let buddy, let buddyFile {
                let others = (0..<PageblockTypes.names.count).filter { $0 != c.mt }.reduce(0) { $0 + r.free[$1][c.order] }
                let v = buddy.counts[c.order] - others
                guard v >= 100_000, !r.capped.contains(where: { $0.order == c.order && $0.mt != c.mt }) else {
                    throw InputError(file: file, line: c.line, "\(name) order \(c.order) is capped ('>100000') and \(buddyFile) line \(buddy.line) does not give its count (\(v) after the other migratetypes); expected files of the same moment")
                }
                r.free[c.mt][c.order] = v
                warnings.append(InputWarning(file: file, line: c.line, "\(name) order \(c.order): the kernel stops counting a free list at 100000 (pagetypeinfo_showfree_print); \(v) blocks taken from \(buddyFile)"))
            } else if r.capped.count == 1, let f = zoneFree {
                var layout = ZoneOverride(); layout.freeBlocks = r.free
                let rest = f - layout.freeBlockPages!
                guard rest >= 100_000 << c.order, rest % (1 << c.order) == 0 else {
                    throw InputError(file: file, line: c.line, "\(name) order \(c.order) is capped ('>100000') and zoneinfo's pages free (\(f)) leaves \(rest) pages for it; expected at least 100000 blocks of order \(c.order) (give --buddyinfo)")
                }
                r.free[c.mt][c.order] = rest >> c.order
                warnings.append(InputWarning(file: file, line: c.line, "\(name) order \(c.order): the kernel stops counting a free list at 100000 (pagetypeinfo_showfree_print); \(rest >> c.order) blocks taken from zoneinfo's pages free"))
            } else {
                throw InputError(file: file, line: c.line, "\(name) order \(c.order) is capped ('>100000', pagetypeinfo_showfree_print stops counting there); expected --buddyinfo (or --proc DIR with buddyinfo) to give the exact count")
            }
        }
    }
}
