import Foundation

/// Records a machine's `/proc/zoneinfo` (Linux 6.1 format, mm/vmstat.c `zoneinfo_show_print`)
/// into a topology as per-zone overrides (`NodeSpec.zones`), so numasim uses the kernel's own
/// numbers where they exist and computes only the rest.
///
/// Per `Node N, zone NAME` block: `pages free` → free, `min`/`low`/`high` (these include any
/// boost; the `boost` line itself is ignored), `spanned`, `present`, `managed`, `protection: (…)`
/// (one value per zone type), `start_pfn:` (populated zones only), and from `pagesets` the
/// `high:`/`batch:` of the first CPU listed. Per-node stats, `nr_*`/`numa_*` counters, `cma`,
/// `count:`, `vm stats threshold:` and `node_unreclaimable:` are checked for syntax and skipped.
/// Fields the file does not have stay as they were (nil = computed). min_free_kbytes is not in
/// zoneinfo; give it as a sysctl.
public enum ZoneinfoImporter {
    /// Applies the file at `path`; returns where each zone's values are in it, so a problem the
    /// boot finds later in a recorded value can name the file and line.
    @discardableResult
    public static func apply(path: String, to t: inout Topology) throws -> ZoneinfoLines {
        let text = try ImportSupport.read(path)
        return try apply(text: text, file: path, to: &t)
    }

    @discardableResult
    public static func apply(text: String, file: String, to t: inout Topology) throws -> ZoneinfoLines {
        let lines = ImportSupport.trimTrailing(text).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.contains(where: { !$0.trimmingCharacters(in: ImportSupport.junk).isEmpty }) else {
            throw InputError(file: file, "the file is empty; expected /proc/zoneinfo text starting with 'Node 0, zone      DMA'")
        }

        struct Block {
            var node: Int
            var zone: String
            var line: Int
            var value: ZoneOverride
            /// Inside `pagesets`: the CPU whose high/batch are recorded is the first one listed.
            var inPagesets = false
            var cpusSeen = 0
            /// The line of each recorded field (`managed`, `pages free`, …).
            var fieldLines: [String: Int] = [:]
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
            case "spanned": b.value.spanned = try number(valueText, lineNo, key, column: valueColumn)
            case "present": b.value.present = try number(valueText, lineNo, key, column: valueColumn)
            case "managed": b.value.managed = try number(valueText, lineNo, key, column: valueColumn)
            case "start_pfn": b.value.startPfn = try number(valueText, lineNo, key, column: valueColumn)
            case "cpu" where b.inPagesets:
                _ = try number(valueText, lineNo, key, column: valueColumn)
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
            default:
                // boost, promo, cma, count, high_min/high_max, vm stats threshold,
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

        var recorded = ZoneinfoLines(file: file)
        for b in results {
            guard let i = t.index(ofNode: b.node) else { continue }
            t.nodes[i].zones[b.zone] = b.value
            recorded.blocks["\(b.node)/\(b.zone)"] = (b.line, b.fieldLines)
        }
        return recorded
    }
}

/// Where a zoneinfo file recorded each zone's values: its `Node N, zone NAME` header line and
/// the line of each field.
public struct ZoneinfoLines: Sendable {
    public var file: String
    var blocks: [String: (header: Int, fields: [String: Int])] = [:]

    public init(file: String) { self.file = file }

    /// The line of `field` (`managed`, `pages free`, …) of the node's zone, else of the zone's
    /// header; nil when the file has no block for it.
    public func line(node: Int, zone: String, field: String? = nil) -> Int? {
        guard let b = blocks["\(node)/\(zone)"] else { return nil }
        return field.flatMap { b.fields[$0] } ?? b.header
    }

    /// The line a topology problem's key (`nodes (id 0).zones.DMA`, `nodes[1].zones.Normal.free`)
    /// points at, when it is about a zone this file recorded. A bare zone key is about its
    /// `managed` (the boot and the validator compare managed with present), `.free` about
    /// `pages free`.
    public func line(forProblemKey key: String, in t: Topology) -> Int? {
        guard let zonesRange = key.range(of: ".zones.") else { return nil }
        let nodePart = key[..<zonesRange.lowerBound]
        let node: Int?
        if nodePart.hasPrefix("nodes (id "), nodePart.hasSuffix(")") {
            node = Int(nodePart.dropFirst("nodes (id ".count).dropLast())
        } else if nodePart.hasPrefix("nodes["), nodePart.hasSuffix("]"),
                  let i = Int(nodePart.dropFirst("nodes[".count).dropLast()), t.nodes.indices.contains(i) {
            node = t.nodes[i].id
        } else {
            node = nil
        }
        guard let node else { return nil }
        let rest = key[zonesRange.upperBound...].split(separator: ".", maxSplits: 1)
        guard let zone = rest.first.map(String.init) else { return nil }
        let field: String
        switch rest.count > 1 ? String(rest[1]) : "" {
        case "", "managed": field = "managed"
        case "free": field = "pages free"
        case let other: field = other
        }
        return line(node: node, zone: zone, field: field)
    }
}
