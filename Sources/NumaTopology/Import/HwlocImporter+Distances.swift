import Foundation

extension HwlocImporter.Reader {
    /// `HWLOC_DISTANCES_KIND_MEANS_LATENCY`: the matrix is a latency (the SLIT), not a bandwidth.
    static let kindMeansLatency: UInt64 = 1 << 2

    /// The SLIT in ascending node id order (`order` indexes `nodes` by id): hwloc 2.x
    /// `<distances2>`, else hwloc 1.x `<distances>`, else the kernel's default table.
    func readDistances(nodes: [HwlocImporter.Node], order: [Int], warnings: inout [InputWarning]) throws -> [[Int]] {
        let ids = order.map { nodes[$0].id }
        let numa = tree.elements.indices.filter {
            tree.elements[$0].name == "distances2" && tree.elements[$0].attributes["type"] == "NUMANode"
        }
        let latency = numa.first { e in
            let kind = UInt64(tree.elements[e].attributes["kind"] ?? "") ?? 0
            return kind & Self.kindMeansLatency != 0 || tree.elements[e].attributes["name"] == "NUMALatency"
        }
        if let e = latency ?? numa.first {
            return try distances2(e, nodes: nodes, ids: ids)
        }
        if let e = tree.elements.indices.first(where: { tree.elements[$0].name == "distances" }) {
            return try distances1(e, nodes: nodes, order: order)
        }
        if ids.count > 1 {
            warnings.append(InputWarning(file: file,
                "no <distances2 type=\"NUMANode\"> (hwloc found no SLIT); using the kernel's default table, 10 local and 20 remote (__node_distance)"))
        }
        return Topology.defaultDistances(count: ids.count)
    }

    /// The whitespace-separated unsigned integers of the `name` children of `e`, concatenated
    /// (hwloc splits long arrays over several elements).
    func numbers(in e: Int, child name: String) throws -> [UInt64] {
        var out: [UInt64] = []
        for c in tree.elements[e].children where tree.elements[c].name == name {
            for token in tree.elements[c].text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
                guard let v = UInt64(token) else {
                    throw fail(c, "expected unsigned integers separated by spaces, got '\(token)'")
                }
                out.append(v)
            }
        }
        return out
    }

    /// hwloc 2.x: `<distances2 type="NUMANode" nbobjs="N" kind=".." indexing="os">` with
    /// `<indexes>` (N os_index values) and `<u64values>` (N×N, row-major).
    func distances2(_ e: Int, nodes: [HwlocImporter.Node], ids: [Int]) throws -> [[Int]] {
        let el = tree.elements[e]
        guard let n = try integer(e, "nbobjs", in: 1...UInt64(ImportSupport.maxNodeID), what: "the number of nodes in the matrix") else {
            throw fail(e, "no nbobjs; expected the number of nodes in the matrix, as nbobjs=\"\(ids.count)\"")
        }
        let indexing = el.attributes["indexing"] ?? "os"
        let indexes = try numbers(in: e, child: "indexes")
        let values = try numbers(in: e, child: "u64values")
        guard indexes.count == Int(n) else {
            throw fail(e, "<indexes> holds \(indexes.count) values; expected nbobjs = \(n)")
        }
        guard values.count == Int(n * n) else {
            throw fail(e, "<u64values> holds \(values.count) values; expected nbobjs² = \(n * n) (the matrix, row by row)")
        }
        // The node each row/column is, as an id.
        var rowIDs: [Int] = []
        for index in indexes {
            switch indexing {
            case "os":
                rowIDs.append(Int(clamping: index))
            case "gp":
                guard let node = nodes.first(where: { tree.elements[$0.element].attributes["gp_index"] == String(index) }) else {
                    throw fail(e, "<indexes> names gp_index \(index), which no NUMANode has; expected the gp_index of a node")
                }
                rowIDs.append(node.id)
            default:
                throw fail(e, "indexing=\"\(indexing)\"; expected \"os\" (or \"gp\")")
            }
        }
        guard Set(rowIDs) == Set(ids), rowIDs.count == ids.count else {
            throw fail(e, "the matrix is over nodes \(rowIDs.map(String.init).joined(separator: " ")); expected every NUMANode once: \(ids.map(String.init).joined(separator: " "))")
        }
        let position = Dictionary(uniqueKeysWithValues: rowIDs.enumerated().map { ($1, $0) })
        var matrix: [[Int]] = []
        for (i, from) in ids.enumerated() {
            let r = position[from]!
            let row = ids.map { to in Int(clamping: values[r * Int(n) + position[to]!]) }
            try ImportSupport.checkSLITRow(row, index: i, nodeIDs: ids) { _, message in
                fail(e, "row of node \(from): \(message)")
            }
            matrix.append(row)
        }
        return matrix
    }

    /// hwloc 1.x: `<distances nbobjs="N" relative_depth=".." latency_base="B">` with N×N
    /// `<latency value="V"/>`, row-major over the nodes in document order; the SLIT entry is V×B
    /// (hwloc 1.x stored the SLIT divided by its smallest entry, `latency_base`).
    func distances1(_ e: Int, nodes: [HwlocImporter.Node], order: [Int]) throws -> [[Int]] {
        let el = tree.elements[e]
        let n = nodes.count
        guard let count = Int(el.attributes["nbobjs"] ?? ""), count == n else {
            throw fail(e, "nbobjs=\"\(el.attributes["nbobjs"] ?? "")\"; expected the number of NUMANode objects, \(n)")
        }
        let base = Double(el.attributes["latency_base"] ?? "1") ?? .nan
        guard base.isFinite, base > 0 else {
            throw fail(e, "latency_base=\"\(el.attributes["latency_base"] ?? "")\"; expected a positive number")
        }
        var values: [Int] = []
        for c in el.children where tree.elements[c].name == "latency" {
            guard let v = Double(tree.elements[c].attributes["value"] ?? ""), v.isFinite, v >= 0, v * base < 1000 else {
                throw fail(c, "value=\"\(tree.elements[c].attributes["value"] ?? "")\"; expected a relative latency such as 2.1")
            }
            values.append(Int((v * base).rounded()))
        }
        guard values.count == n * n else {
            throw fail(e, "\(values.count) <latency> entries; expected nbobjs² = \(n * n) (the matrix, row by row)")
        }
        let ids = order.map { nodes[$0].id }
        var matrix: [[Int]] = []
        for (i, r) in order.enumerated() {
            let row = order.map { c in values[r * n + c] }
            try ImportSupport.checkSLITRow(row, index: i, nodeIDs: ids) { _, message in
                fail(e, "row of node \(ids[i]): \(message)")
            }
            matrix.append(row)
        }
        return matrix
    }
}
