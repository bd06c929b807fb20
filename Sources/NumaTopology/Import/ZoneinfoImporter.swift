import Foundation

/// Records a machine's `/proc/zoneinfo` (Linux 6.1 format, mm/vmstat.c `zoneinfo_show_print`)
/// into a topology as per-zone overrides (`NodeSpec.zones`), so numasim uses the kernel's own
/// numbers where they exist and computes only the rest.
///
/// Per `Node N, zone NAME` block: `pages free` → free, `min`/`low`/`high` (as printed, boost
/// included), `spanned`, `present`, `managed`, `protection: (…)` (one value per zone type),
/// `start_pfn:` (populated zones only), from `pagesets` the `high:`/`batch:` of the first CPU
/// listed, and the zone's state at the capture (`ZoneinfoImporter+State.swift`): `boost`, every
/// CPU's pageset `count:`, `nr_zone_{in,}active_{anon,file}` and `node_unreclaimable:`. Per-node
/// stats, the other `nr_*`/`numa_*` counters, `cma` and `vm stats threshold:` are checked for
/// syntax and skipped.
/// Fields the file does not have stay as they were (nil = computed). min_free_kbytes is not in
/// zoneinfo; give it as a sysctl.
public enum ZoneinfoImporter {
    /// One `Node N, zone NAME` block as read.
    struct Block {
        var node: Int
        var zone: String
        var line: Int
        var value: ZoneOverride
        /// Inside `pagesets`: the CPU whose high/batch are recorded is the first one listed.
        var inPagesets = false
        var cpusSeen = 0
        /// The lines of `start_pfn:` and `spanned`, for errors about the zone's place.
        var startLine: Int?
        var spannedLine: Int?
        /// The line of each recorded field (`managed`, `pages free`, …).
        var fieldLines: [String: Int] = [:]
        /// The run-time state read so far (`ZoneinfoImporter+State.swift`).
        var state = StateLines()
    }

    /// Applies the file at `path`; returns where each zone's values are in it, so a problem the
    /// boot finds later in a recorded value can name the file and line.
    @discardableResult
    public static func apply(path: String, to t: inout Topology) throws -> ZoneinfoLines {
        let text = try ImportSupport.read(path)
        return try apply(text: text, file: InputText.name(path), to: &t)
    }

    @discardableResult
    public static func apply(text: String, file: String, to t: inout Topology) throws -> ZoneinfoLines {
        let lines = ImportSupport.trimTrailing(text).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.contains(where: { !$0.trimmingCharacters(in: ImportSupport.junk).isEmpty }) else {
            throw InputError(file: file, "the file is empty; expected /proc/zoneinfo text starting with 'Node 0, zone      DMA'")
        }

        var current: Block?
        var seen: [String: Int] = [:]
        var results: [Block] = []

        func fail(_ line: Int, _ key: String?, _ message: String) -> InputError {
            InputError(file: file, line: line, key: key, message)
        }
        let maxPages = Int(Int32.max) * 1024

        func number(_ text: Substring, _ line: Int, _ key: String, column: Int?) throws -> Int {
            guard let v = Int(text), v >= 0, v <= maxPages else {
                throw InputError(file: file, line: line, column: column, key: key,
                                 "expected a number of pages (a whole number, at most \(maxPages)), got '\(text)'")
            }
            return v
        }
        func finish(_ b: Block) throws {
            let o = b.value
            let where_ = "Node \(b.node), zone \(b.zone)"
            if let p = o.present, let s = o.spanned, p > s {
                throw fail(b.fieldLines["present"] ?? b.line, where_, "present (\(p)) exceeds spanned (\(s)); expected present <= spanned")
            }
            if let m = o.managed, let p = o.present, m > p {
                throw fail(b.fieldLines["managed"] ?? b.line, where_, "managed (\(m)) exceeds present (\(p)); expected managed <= present")
            }
            if let f = o.free, let m = o.managed, f > m {
                throw fail(b.fieldLines["pages free"] ?? b.line, where_, "pages free (\(f)) exceeds managed (\(m)); expected free <= managed")
            }
            results.append(b)
        }

        let zoneNames = t.arch.zoneNames
        for (index, raw) in lines.enumerated() {
            let lineNo = index + 1
            let line = String(raw).trimmingCharacters(in: CharacterSet(charactersIn: "\r\0"))
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }

            if trimmed.hasPrefix("Node ") {
                // "Node 0, zone      DMA"
                let body = trimmed.dropFirst("Node ".count)
                guard let comma = body.firstIndex(of: ","), let id = Int(body[..<comma].trimmingCharacters(in: .whitespaces)) else {
                    throw fail(lineNo, nil, "expected 'Node N, zone NAME', got '\(trimmed)'")
                }
                let rest = body[body.index(after: comma)...].trimmingCharacters(in: .whitespaces)
                guard rest.hasPrefix("zone") else {
                    throw fail(lineNo, nil, "expected 'Node N, zone NAME', got '\(trimmed)'")
                }
                let zone = rest.dropFirst("zone".count).trimmingCharacters(in: .whitespaces)
                guard zoneNames.contains(zone) else {
                    throw fail(lineNo, nil, "unknown zone '\(zone)' for \(t.arch.rawValue); expected one of \(zoneNames.joined(separator: ", "))")
                }
                guard let nodeIndex = t.index(ofNode: id) else {
                    throw fail(lineNo, nil, "node \(id) is not in the topology (nodes: \(t.nodeIDs.map(String.init).joined(separator: ", "))); expected a zoneinfo of the same machine")
                }
                let key = "\(id)/\(zone)"
                if let other = seen[key] {
                    throw fail(lineNo, nil, "Node \(id), zone \(zone) appears twice (also line \(other)); expected one block per zone")
                }
                seen[key] = lineNo
                if let b = current { try finish(b) }
                current = Block(node: id, zone: zone, line: lineNo,
                                value: t.nodes[nodeIndex].zones[zone] ?? ZoneOverride())
                continue
            }

            guard var b = current else {
                throw fail(lineNo, nil, "expected a zone header 'Node N, zone NAME' before '\(trimmed)'")
            }
            let column = line.count - line.drop(while: { $0 == " " || $0 == "\t" }).count + 1

            if trimmed == "per-node stats" { continue }
            if trimmed == "pagesets" { b.inPagesets = true; current = b; continue }

            if trimmed.hasPrefix("protection:") {
                let inner = trimmed.dropFirst("protection:".count).trimmingCharacters(in: .whitespaces)
                guard inner.hasPrefix("("), inner.hasSuffix(")") else {
                    throw fail(lineNo, "protection", "expected 'protection: (a, b, …)' with \(t.arch.zoneCount) values, got '\(trimmed)'")
                }
                let cells = inner.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                var values: [Int] = []
                for cell in cells {
                    values.append(try number(Substring(cell.trimmingCharacters(in: .whitespaces)), lineNo, "protection", column: column))
                }
                guard values.count == t.arch.zoneCount else {
                    throw fail(lineNo, "protection", "expected \(t.arch.zoneCount) values (one per zone: \(zoneNames.joined(separator: ", "))), got \(values.count)")
                }
                b.value.protection = values
                b.fieldLines["protection"] = lineNo
                current = b
                continue
            }

            // "key: value" (pagesets, start_pfn, thresholds) or "key value" (stats, watermarks).
            let key: String
            let valueText: Substring
            if let colon = trimmed.firstIndex(of: ":") {
                key = trimmed[..<colon].trimmingCharacters(in: .whitespaces)
                valueText = Substring(trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            } else {
                let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard words.count >= 2, let last = words.last else {
                    throw fail(lineNo, nil, "expected 'name value', got '\(trimmed)'")
                }
                key = words.dropLast().joined(separator: " ")
                valueText = last
            }
            guard !key.isEmpty, !valueText.isEmpty, !valueText.contains(" ") else {
                throw fail(lineNo, nil, "expected 'name value', got '\(trimmed)'")
            }
            let valueColumn = line.count - valueText.count + 1

            if !b.inPagesets { b.fieldLines[key] = lineNo }
            switch key {
            case "pages free": b.value.free = try number(valueText, lineNo, key, column: valueColumn)
            case "min": b.value.min = try number(valueText, lineNo, key, column: valueColumn)
            case "low": b.value.low = try number(valueText, lineNo, key, column: valueColumn)
            case "high" where !b.inPagesets: b.value.high = try number(valueText, lineNo, key, column: valueColumn)
            case "spanned":
                b.value.spanned = try number(valueText, lineNo, key, column: valueColumn)
                b.spannedLine = lineNo
            case "present": b.value.present = try number(valueText, lineNo, key, column: valueColumn)
            case "managed": b.value.managed = try number(valueText, lineNo, key, column: valueColumn)
            case "start_pfn":
                b.value.startPfn = try number(valueText, lineNo, key, column: valueColumn)
                b.startLine = lineNo
            case "cpu" where b.inPagesets:
                b.state.cpu = try number(valueText, lineNo, key, column: valueColumn)
                b.cpusSeen += 1
            case "high" where b.inPagesets, "batch" where b.inPagesets:
                let v = try number(valueText, lineNo, key, column: valueColumn)
                guard b.cpusSeen > 0 else {
                    throw fail(lineNo, key, "expected a 'cpu: N' line before the pageset's \(key)")
                }
                // The first CPU's values; the kernel writes the same to every CPU's pageset.
                if b.cpusSeen == 1 {
                    if key == "high" { b.value.pcpHigh = v } else { b.value.pcpBatch = v }
                }
            case _ where try recordState(key: key, valueText: valueText, line: lineNo, column: valueColumn, in: &b, file: file, number: number):
                break
            default:
                // promo, cma, high_min/high_max, vm stats threshold,
                // node_unreclaimable and the counters: checked, not used. Counters are printed
                // with %lu, so a transiently negative one shows as a huge unsigned number.
                guard Int(valueText) != nil || UInt64(valueText) != nil else {
                    throw InputError(file: file, line: lineNo, column: valueColumn, key: key,
                                     "expected a number, got '\(valueText)'")
                }
            }
            current = b
        }
        if let b = current { try finish(b) }

        // A node's MemTotal is the sum of its zones' managed pages: when the file has every zone
        // of a node and the topology knows the node's managed total (sysfs MemTotal, numactl
        // size), they must agree (within numactl's MiB rounding), else the two inputs are not of
        // the same machine.
        for id in Set(results.map(\.node)).sorted() {
            let blocks = results.filter { $0.node == id }
            guard let i = t.index(ofNode: id), let nodeManaged = t.nodes[i].managed,
                  blocks.count == zoneNames.count, blocks.allSatisfy({ $0.value.managed != nil }),
                  let firstLine = blocks.map(\.line).min() else { continue }
            let pages = blocks.reduce(0) { $0 + ($1.value.managed ?? 0) }
            let topologyPages = Int(nodeManaged >> 12)
            // numactl prints sizes truncated to MiB, so allow up to 255 pages of difference.
            guard abs(pages - topologyPages) < 256 else {
                throw fail(firstLine, "Node \(id)",
                           "the zones of node \(id) manage \(pages) pages (\(pages * 4) kB) in this file, but the topology's node \(id) manages \(topologyPages) pages (\(nodeManaged / 1024) kB, its MemTotal); expected a zoneinfo of the same machine")
            }
        }

        try placeZones(&results, in: &t, fail: fail)
        try applyState(&results, to: &t, file: file)

        var recorded = ZoneinfoLines(file: file)
        for b in results {
            guard let i = t.index(ofNode: b.node) else { continue }
            t.nodes[i].zones[b.zone] = b.value
            recorded.blocks["\(b.node)/\(b.zone)"] = (b.line, b.fieldLines)
        }
        return recorded
    }

    /// The zones' physical place. Sysfs, numactl and a `memory:` size carry no addresses, so
    /// numasim lays such nodes end to end from address 0; a zoneinfo's spans say where the
    /// memory really is (e.g. node 1 above a PCI hole, at 4 GiB). Every zone's page frames must
    /// lie in its node's memory, or boot frees fewer pages into the zone than it manages.
    ///
    /// * A node given by size, whose zones the file lists in full with `spanned`, gets its
    ///   memory as `ranges` (the union of its zones' spans): the kernel's layout exactly. A zone
    ///   without `start_pfn` (a shortened file) starts where the zone before it ended (nodes in
    ///   topology order, end to end from address 0, as for sizes), but no lower than its zone
    ///   type allows (DMA32 at 16 MiB, Normal at 4 GiB on x86_64) and after pfn 0 with
    ///   `legacy_holes`; the inferred start is recorded as the zone's `start_pfn`.
    /// * A node with explicit `ranges` keeps them: a zone span outside them is an error.
    /// * A span outside its zone type's limits, or two nodes' spans overlapping, is an error.
    static func placeZones(_ results: inout [Block], in t: inout Topology,
                           fail: (Int, String?, String) -> InputError) throws {
        let zoneNames = t.arch.zoneNames
        let types = t.arch.zoneTypes
        let movable = t.arch.zoneIndex(.movable)
        // Zones in address order within a node: Movable is carved from the node's top.
        let order = types.indices.filter { $0 != movable } + (movable.map { [$0] } ?? [])
        var cursor = 0
        var placed: [(node: Int, pfns: Range<Int>, line: Int)] = []
        for (i, node) in t.nodes.enumerated() {
            let blocks = results.indices.filter { results[$0].node == node.id }
            let byZone = Dictionary(uniqueKeysWithValues: blocks.map { (results[$0].zone, $0) })
            // The file places all of the node's memory: every zone is listed, or the zones it
            // lists manage the node's whole MemTotal (so the others are empty).
            let allSpanned = !blocks.isEmpty && blocks.allSatisfy { results[$0].value.spanned != nil }
            let listedManaged = blocks.reduce(0) { $0 + (results[$1].value.managed ?? 0) }
            let holdsAll = node.managed.map { abs(listedManaged - Int($0 >> 12)) < 256 } ?? false
                && blocks.allSatisfy { results[$0].value.managed != nil }
            let complete = allSpanned && (byZone.count == zoneNames.count || holdsAll)
            switch node.memory {
            case .size(let bytes) where complete:
                var ranges: [Range<Int>] = []
                for z in order {
                    guard let k = byZone[zoneNames[z]] else { continue }
                    let b = results[k]
                    let spanned = b.value.spanned ?? 0
                    guard spanned > 0 else { continue }
                    var start: Int
                    if let s = b.value.startPfn {
                        start = s
                    } else {
                        start = max(cursor, t.arch.zonePfnBounds(types[z], highmemStart: t.kernel.highmemStart).floor)
                        if t.legacyHoles && start == 0 { start = 1 }
                        results[k].value.startPfn = start
                    }
                    try checkBounds(results[k], type: types[z], t: t, fail: fail)
                    let pfns = start..<(start + spanned)
                    let line = b.startLine ?? b.spannedLine ?? b.line
                    for r in ranges where r.overlaps(pfns) {
                        throw fail(line, b.startLine != nil ? "start_pfn" : "spanned",
                                   "Node \(node.id), zone \(b.zone) spans pfn \(pfns.lowerBound)…\(pfns.upperBound - 1), overlapping another zone of node \(node.id) (pfn \(r.lowerBound)…\(r.upperBound - 1)); expected the zones of a node one after another")
                    }
                    for p in placed where p.pfns.overlaps(pfns) {
                        throw fail(line, b.startLine != nil ? "start_pfn" : "spanned",
                                   "Node \(node.id), zone \(b.zone) spans pfn \(pfns.lowerBound)…\(pfns.upperBound - 1), overlapping node \(p.node)'s zones (pfn \(p.pfns.lowerBound)…\(p.pfns.upperBound - 1), line \(p.line)); expected each page frame in one node")
                    }
                    placed.append((node.id, pfns, line))
                    ranges.append(pfns)
                    cursor = max(cursor, pfns.upperBound)
                }
                ranges.sort { $0.lowerBound < $1.lowerBound }
                var merged: [Range<Int>] = []
                for r in ranges {
                    if let last = merged.last, last.upperBound == r.lowerBound {
                        merged[merged.count - 1] = last.lowerBound..<r.upperBound
                    } else {
                        merged.append(r)
                    }
                }
                // A node whose file shows no memory keeps its size (0, or the boot refuses it).
                if !merged.isEmpty || bytes == 0 {
                    t.nodes[i].memory = merged.isEmpty ? .size(0) : .ranges(merged.map {
                        MemoryRange(start: UInt64($0.lowerBound) << 12, size: UInt64($0.count) << 12)
                    })
                }
            case .size(let bytes):
                for k in blocks { try checkBounds(results[k], type: types[zoneNames.firstIndex(of: results[k].zone)!], t: t, fail: fail) }
                cursor += Int(bytes >> 12)
            case .ranges(let rs):
                let lo = rs.map { Int($0.start >> 12) }.min() ?? 0
                let hi = rs.map { Int(($0.checkedEnd ?? $0.start) >> 12) }.max() ?? 0
                for k in blocks {
                    let b = results[k]
                    try checkBounds(b, type: types[zoneNames.firstIndex(of: b.zone)!], t: t, fail: fail)
                    guard let s = b.value.startPfn, let n = b.value.spanned, n > 0 else { continue }
                    if s < lo || s + n > hi {
                        throw fail(b.startLine ?? b.line, "start_pfn",
                                   "Node \(node.id), zone \(b.zone) spans pfn \(s)…\(s + n - 1), outside node \(node.id)'s memory (pfn \(lo)…\(hi - 1), its ranges in the topology); expected a zoneinfo of the same machine")
                    }
                }
                cursor = max(cursor, hi)
            }
        }

        // Nodes still given by size: their zones must fit where numasim lays the node out.
        let extents = (try? TopologyValidator.checkPhysicalLayout(t)) ?? []
        for (i, node) in t.nodes.enumerated() where i < extents.count {
            guard case .size = node.memory else { continue }
            let lo = Int(extents[i].lowerBound >> 12), hi = Int(extents[i].upperBound >> 12)
            for b in results where b.node == node.id {
                guard let n = b.value.spanned, n > 0, let z = zoneNames.firstIndex(of: b.zone) else { continue }
                let floor = t.arch.zonePfnBounds(types[z], highmemStart: t.kernel.highmemStart).floor
                var start = b.value.startPfn ?? max(lo, floor)
                if b.value.startPfn == nil && t.legacyHoles && start == 0 { start = 1 }
                if lo >= hi || start < lo || start + n > hi {
                    throw fail(b.startLine ?? b.spannedLine ?? b.line, b.startLine != nil ? "start_pfn" : "spanned",
                               "Node \(node.id), zone \(b.zone) spans pfn \(start)…\(start + n - 1), outside node \(node.id)'s memory as laid out from its size (pfn \(lo)…\(max(lo, hi) - 1); the topology has no addresses for it); expected every zone of node \(node.id) in the file (as /proc/zoneinfo prints them), so that their spans place the node's memory")
                }
            }
        }
    }

    /// A zone's recorded span within its zone type's limits (`Arch.zonePfnBounds`).
    static func checkBounds(_ b: Block, type: ZoneType, t: Topology,
                            fail: (Int, String?, String) -> InputError) throws {
        guard let s = b.value.startPfn else { return }
        let n = b.value.spanned ?? 0
        let bounds = t.arch.zonePfnBounds(type, highmemStart: t.kernel.highmemStart)
        let limits = t.arch.zoneBoundsText(type, highmemStart: t.kernel.highmemStart)
        if (n > 0 || b.value.present ?? 0 > 0) && s < bounds.floor {
            throw fail(b.startLine ?? b.line, "start_pfn",
                       "Node \(b.node), zone \(b.zone) starts at pfn \(s), below its zone's limit; expected \(limits) on \(t.arch.rawValue)")
        }
        if let c = bounds.ceiling, n > 0, s + n > c {
            let startKey = s >= c
            throw fail(startKey ? (b.startLine ?? b.line) : (b.spannedLine ?? b.line), startKey ? "start_pfn" : "spanned",
                       "Node \(b.node), zone \(b.zone) spans pfn \(s)…\(s + n - 1), beyond its zone's limit; expected \(limits) on \(t.arch.rawValue)")
        }
    }
}
