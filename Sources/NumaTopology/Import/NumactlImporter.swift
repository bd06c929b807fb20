import Foundation

/// Imports a machine from the text `numactl --hardware` prints (numactl 2.0.16):
///
/// ```
/// available: 2 nodes (0-1)
/// node 0 cpus: 0 1 2 3
/// node 0 size: 32079 MB
/// node 0 free: 30170 MB
/// node 1 cpus: 4 5 6 7
/// node 1 size: 32253 MB
/// node 1 free: 31000 MB
/// node distances:
/// node   0   1
///   0:  10  21
///   1:  21  10
/// ```
///
/// `size` is the node's MemTotal truncated to MiB: it becomes `managed` (bytes) and `memory`
/// (rounded up to whole 128 MiB sections); `free` becomes `free`. "No distance information
/// available." gives the kernel's default table (10 local, 20 remote). Every error names the line.
public enum NumactlImporter {
    public static func load(path: String) throws -> Topology {
        let text = try ImportSupport.read(path)
        return try parse(text, file: InputText.name(path))
    }

    public static func parse(_ text: String, file: String) throws -> Topology {
        var parser = Parser(file: file, text: text)
        return try parser.run()
    }

    struct NodeLines {
        var firstLine: Int
        var cpus: CPUList?
        var size: UInt64?
        var free: UInt64?
        var freeLine = 0
        var sizeLine = 0
    }

    struct Parser {
        let file: String
        let lines: [(number: Int, text: String)]
        let expectedNodeLine = "expected 'node N cpus: …', 'node N size: X MB', 'node N free: X MB', 'node distances:' or 'No distance information available.'"

        init(file: String, text: String) {
            self.file = file
            let all = ImportSupport.trimTrailing(text).split(separator: "\n", omittingEmptySubsequences: false)
            var kept: [(Int, String)] = []
            for (i, raw) in all.enumerated() {
                let line = String(raw).trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\0"))
                if !line.isEmpty { kept.append((i + 1, line)) }
            }
            lines = kept
        }

        func fail(_ line: Int, _ message: String) -> InputError {
            InputError(file: file, line: line, message)
        }

        static func words(_ s: String) -> [Substring] {
            s.split(whereSeparator: { $0 == " " || $0 == "\t" })
        }

        mutating func run() throws -> Topology {
            guard let first = lines.first else {
                throw InputError(file: file, "the file is empty; expected the output of `numactl --hardware` starting with 'available: N nodes (…)'")
            }
            let (count, listed) = try available(first)
            let availableLine = first.number

            var nodes: [Int: NodeLines] = [:]
            var order: [Int] = []
            var index = 1
            var distances: [[Int]]? = nil
            var sawDistances = false
            while index < lines.count {
                let (number, line) = lines[index]
                if line == "node distances:" {
                    try checkNodeSet(count: count, listed: listed, nodes: nodes, availableLine: availableLine)
                    index += 1
                    distances = try distanceTable(from: &index, nodeIDs: listed, headerAfter: number)
                    sawDistances = true
                    break
                }
                if line == "No distance information available." {
                    try checkNodeSet(count: count, listed: listed, nodes: nodes, availableLine: availableLine)
                    index += 1
                    sawDistances = true
                    break
                }
                let w = Self.words(line)
                guard w.count >= 3, w[0] == "node", let id = Int(w[1]) else {
                    throw fail(number, "\(expectedNodeLine), got '\(line)'")
                }
                guard listed.contains(id) else {
                    throw fail(number, "node \(id) is not in the node list on line \(availableLine) (\(listed.description)); expected one of those nodes")
                }
                if nodes[id] == nil { nodes[id] = NodeLines(firstLine: number); order.append(id) }
                switch w[2] {
                case "cpus:":
                    guard nodes[id]?.cpus == nil else { throw fail(number, "a second 'node \(id) cpus:' line; expected one per node") }
                    var cpus: [Int] = []
                    for token in w.dropFirst(3) {
                        guard let cpu = Int(token), cpu >= 0, cpu < CPUList.maximumID else {
                            throw fail(number, "expected CPU numbers separated by spaces after 'node \(id) cpus:', got '\(token)'")
                        }
                        cpus.append(cpu)
                    }
                    for cpu in cpus {
                        if let other = nodes.first(where: { $0.key != id && ($0.value.cpus?.contains(cpu) ?? false) })?.key {
                            throw fail(number, "CPU \(cpu) is also in node \(other); expected every CPU in exactly one node")
                        }
                    }
                    nodes[id]?.cpus = CPUList(cpus)
                case "size:", "free:":
                    let key = String(w[2].dropLast())
                    let rest = w.dropFirst(3).joined(separator: " ")
                    if rest == "<not available>" {
                        throw fail(number, "node \(id) \(key) is '<not available>' (libnuma could not read the node's meminfo); expected 'node \(id) \(key): <number> MB'")
                    }
                    guard w.count == 5, w[4] == "MB", let bytes = ImportSupport.megabytes(w[3]) else {
                        throw fail(number, "expected 'node \(id) \(key): <number> MB', got '\(line)'")
                    }
                    let arch = Arch.x86_64
                    guard bytes <= arch.physicalAddressLimit else {
                        throw fail(number, "node \(id) \(key): \(bytes >> 20) MB is beyond the \(arch.rawValue) physical address limit; expected at most \(arch.physicalAddressLimitText)")
                    }
                    if key == "size" {
                        guard nodes[id]?.size == nil else { throw fail(number, "a second 'node \(id) size:' line; expected one per node") }
                        nodes[id]?.size = bytes
                        nodes[id]?.sizeLine = number
                    } else {
                        guard nodes[id]?.free == nil else { throw fail(number, "a second 'node \(id) free:' line; expected one per node") }
                        nodes[id]?.free = bytes
                        nodes[id]?.freeLine = number
                    }
                default:
                    throw fail(number, "\(expectedNodeLine), got '\(line)'")
                }
                index += 1
            }
            if index < lines.count {
                let (number, line) = lines[index]
                throw fail(number, "unexpected text after the distance table, got '\(line)'; expected the end of `numactl --hardware` output")
            }
            guard sawDistances else {
                throw fail(lines.last?.number ?? 1, "the text ends before the distances; expected 'node distances:' and the table, or 'No distance information available.'")
            }

            try checkNodeSet(count: count, listed: listed, nodes: nodes, availableLine: availableLine)
            var specs: [NodeSpec] = []
            var sizes: [UInt64] = []
            for id in listed.members {
                guard let n = nodes[id] else { continue }
                guard let cpus = n.cpus else { throw fail(n.firstLine, "node \(id) has no 'node \(id) cpus:' line; expected cpus, size and free for every node") }
                guard let size = n.size else { throw fail(n.firstLine, "node \(id) has no 'node \(id) size: X MB' line; expected cpus, size and free for every node") }
                guard let free = n.free else { throw fail(n.firstLine, "node \(id) has no 'node \(id) free: X MB' line; expected cpus, size and free for every node") }
                guard free <= size else {
                    throw fail(n.freeLine, "node \(id) free (\(free >> 20) MB) exceeds its size (\(size >> 20) MB)")
                }
                sizes.append(size)
                specs.append(NodeSpec(id: id, cpus: cpus, memory: .size(0), managed: size, free: free))
            }
            let memory = ImportSupport.nodeMemory(managedBytes: sizes)
            if let i = ImportSupport.firstBeyondPhysicalLimit(memory, arch: .x86_64), let n = nodes[specs[i].id] {
                throw fail(n.sizeLine, ImportSupport.beyondPhysicalLimitMessage(node: specs[i].id, memory: memory, arch: .x86_64))
            }
            for i in specs.indices { specs[i].memory = .size(memory[i]) }

            let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            let name = baseName.isEmpty || baseName.hasPrefix("<") || baseName == "-" ? "numactl" : baseName
            return Topology(name: name, source: "numactl --hardware output in \(file)", arch: .x86_64,
                            nodes: specs, distances: distances ?? Topology.defaultDistances(count: specs.count))
        }

        /// The node set: the "available:" count, its list, and the node lines must agree.
        func checkNodeSet(count: Int, listed: CPUList, nodes: [Int: NodeLines], availableLine: Int) throws {
            guard count == listed.count else {
                throw fail(availableLine, "says \(count) nodes but lists \(listed.count) (\(listed.description)); expected the count to match the list")
            }
            if let missing = listed.members.first(where: { nodes[$0] == nil }) {
                throw fail(availableLine, "lists node \(missing), but there is no 'node \(missing) cpus:/size:/free:' line; expected \(count) nodes")
            }
        }

        /// `available: N nodes (RANGES)`.
        func available(_ first: (number: Int, text: String)) throws -> (Int, CPUList) {
            let line = first.text
            let expected = "expected 'available: N nodes (0-N)' as the first line of `numactl --hardware` output"
            guard line.hasPrefix("available:"), line.hasSuffix(")"), let open = line.firstIndex(of: "(") else {
                throw fail(first.number, "\(expected), got '\(line)'")
            }
            let head = Self.words(String(line[line.index(line.startIndex, offsetBy: "available:".count)..<open]))
            guard head.count == 2, head[1] == "nodes" || head[1] == "node", let count = Int(head[0]), count > 0 else {
                throw fail(first.number, "\(expected), got '\(line)'")
            }
            let inner = String(line[line.index(after: open)..<line.index(before: line.endIndex)])
            let listed: CPUList
            do { listed = try CPUList.parse(inner) } catch {
                throw fail(first.number, "expected a node list such as 0-3 or 0-1,3 in parentheses, got '(\(inner))'")
            }
            guard let last = listed.members.last, last < ImportSupport.maxNodeID else {
                throw fail(first.number, "expected node ids 0…\(ImportSupport.maxNodeID - 1) in '(\(inner))'")
            }
            return (count, listed)
        }

        /// The header `node   0   1` and one row `  i:  d  d` per node.
        func distanceTable(from index: inout Int, nodeIDs: CPUList, headerAfter: Int) throws -> [[Int]] {
            let ids = nodeIDs.members
            guard index < lines.count else {
                throw fail(headerAfter, "the table is missing; expected a header 'node \(ids.map(String.init).joined(separator: " "))' after 'node distances:'")
            }
            let (headerLine, header) = lines[index]
            let hw = Self.words(header)
            guard hw.first == "node" else {
                throw fail(headerLine, "expected the table header 'node \(ids.map(String.init).joined(separator: " "))', got '\(header)'")
            }
            var columns: [Int] = []
            for token in hw.dropFirst() {
                guard let id = Int(token) else {
                    throw fail(headerLine, "expected node ids in the table header, got '\(token)'")
                }
                columns.append(id)
            }
            guard columns == ids else {
                throw fail(headerLine, "the table header lists nodes \(columns.map(String.init).joined(separator: " ")); expected the nodes of line 1 in order: \(ids.map(String.init).joined(separator: " "))")
            }
            index += 1
            var matrix: [[Int]] = []
            for (rowIndex, id) in ids.enumerated() {
                guard index < lines.count else {
                    throw fail(lines[index - 1].number, "the table ends after \(rowIndex) rows; expected a row '\(id): …' for each of the \(ids.count) nodes")
                }
                let (number, line) = lines[index]
                let w = Self.words(line)
                guard let label = w.first, label.hasSuffix(":"), let rowID = Int(label.dropLast()) else {
                    throw fail(number, "expected a table row '\(id): \(ids.map { _ in "D" }.joined(separator: " "))', got '\(line)'")
                }
                guard rowID == id else {
                    throw fail(number, "expected the row of node \(id) (rows follow the header order), got node \(rowID)")
                }
                var row: [Int] = []
                for token in w.dropFirst() {
                    guard let d = Int(token) else {
                        throw fail(number, "expected distances (numbers) in the row of node \(id), got '\(token)'")
                    }
                    row.append(d)
                }
                guard row.count == ids.count else {
                    throw fail(number, "expected \(ids.count) distances in the row of node \(id) (one per node), got \(row.count)")
                }
                try ImportSupport.checkSLITRow(row, index: rowIndex, nodeIDs: ids) { _, message in
                    InputError(file: file, line: number, message)
                }
                matrix.append(row)
                index += 1
            }
            return matrix
        }
    }
}
