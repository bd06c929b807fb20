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

extension InputError {
    /// A problem found after an import (booting the machine) as an error about the input it came
    /// from: the pagetypeinfo for the recorded free areas, the zoneinfo line of a zone the
    /// zoneinfo recorded, else `source`, the file or directory the machine was read from.
    public init(importProblem problem: any TopologyProblem, in t: Topology, source: String,
                zoneinfoLines: ZoneinfoLines?, pagetypeinfo: String?) {
        let key = problem.key
        if let pagetypeinfo, key.hasSuffix(".free_blocks") || key.hasSuffix(".pageblocks") {
            self.init(file: pagetypeinfo, key: key, problem.message)
        } else if let zoneinfoLines, let line = zoneinfoLines.line(forProblemKey: key, in: t) {
            self.init(file: zoneinfoLines.file, line: line, key: key, problem.message)
        } else {
            self.init(file: source, problem)
        }
    }
}
