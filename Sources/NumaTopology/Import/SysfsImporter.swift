import Foundation

/// Imports a machine from a copy of `/sys/devices/system/node` (or of `/sys`, or a folder that
/// holds `sys/devices/system/node`, as `hwloc-gather-topology` saves it).
///
/// Per `node<N>` directory (sparse ids allowed, sorted by id):
/// * CPUs from `cpulist` (`0-3,8-11`), else from `cpumap` (hex mask), else none;
/// * `meminfo` (required): `Node N MemTotal:` → `managed` (exact bytes) and `memory` (rounded up to
///   whole 128 MiB memory sections); `Node N MemFree:` → `free`;
/// * `distance`: one SLIT entry per node directory in ascending id order. When no node has a
///   distance file the kernel's default table applies (10 local, 20 remote, `__node_distance`);
///   when only some have one, the copy is incomplete and that is an error.
///
/// Every error names the offending file (full path) and what was expected.
///
/// Firmware quirks the kernel accepts are accepted with a warning naming the file:
/// * a CPU in two nodes' `cpulist` (a buggy SRAT): the kernel keeps the first node's claim, so
///   the lower node id keeps the CPU and it is dropped from the later node;
/// * a `meminfo` without `MemFree`: the node's free count is left unrecorded (`free` nil), i.e.
///   all its managed memory is free at the start, as after boot.
public enum SysfsImporter {
    /// The topology, with any warnings dropped; use `load(path:warnings:)` to report them.
    public static func load(path: String) throws -> Topology {
        var warnings: [InputWarning] = []
        return try load(path: path, warnings: &warnings)
    }

    /// The topology; warnings about accepted quirks are appended to `warnings`.
    public static func load(path: String, warnings: inout [InputWarning]) throws -> Topology {
        let nodeDir = try locateNodeDirectory(path)
        let nodeDirs = try nodeDirectories(in: nodeDir)
        guard !nodeDirs.isEmpty else {
            throw InputError(file: nodeDir, "no node<N> directories in \(nodeDir); expected a copy of /sys/devices/system/node")
        }

        var nodes: [NodeSpec] = []
        var totals: [UInt64] = []
        var cpuOwner: [Int: Int] = [:]
        for (id, dir) in nodeDirs {
            var (cpus, cpuFile) = try readCPUs(dir)
            var dropped: [Int: [Int]] = [:]
            for cpu in cpus.members {
                if let owner = cpuOwner[cpu] {
                    dropped[owner, default: []].append(cpu)
                } else {
                    cpuOwner[cpu] = id
                }
            }
            if !dropped.isEmpty {
                let all = Set(dropped.values.joined())
                cpus = CPUList(cpus.members.filter { !all.contains($0) })
                for (owner, list) in dropped.sorted(by: { $0.key < $1.key }) {
                    warnings.append(InputWarning(file: cpuFile, line: 1,
                        "CPU\(list.count == 1 ? "" : "s") \(CPUList.rangeText(list)) also in node\(owner) (a firmware SRAT listing a CPU in two nodes); kept in node\(owner), as the kernel keeps the first node, and dropped from node\(id)"))
                }
            }
            let (memTotal, memFree) = try readMeminfo(dir: dir, id: id, warnings: &warnings)
            totals.append(memTotal)
            nodes.append(NodeSpec(id: id, cpus: cpus, memory: .size(0), managed: memTotal, free: memFree))
        }
        let memory = ImportSupport.nodeMemory(managedBytes: totals)
        if let i = ImportSupport.firstBeyondPhysicalLimit(memory, arch: .x86_64) {
            let dir = nodeDirs.first { $0.0 == nodes[i].id }?.1 ?? nodeDir
            throw InputError(file: (dir as NSString).appendingPathComponent("meminfo"), key: "MemTotal",
                             ImportSupport.beyondPhysicalLimitMessage(node: nodes[i].id, memory: memory, arch: .x86_64))
        }
        for i in nodes.indices { nodes[i].memory = .size(memory[i]) }

        let distances = try readDistances(nodeDirs)
        let name = ImportSupport.meaningfulName(of: path, skipping: ["node", "system", "devices", "sys"]) ?? "sysfs"
        return Topology(name: name, source: "sysfs copy at \(path)", arch: .x86_64, nodes: nodes,
                        distances: distances)
    }

    // MARK: - Locating the node directory

    /// `path` itself when it holds `node<N>` directories, else `path/devices/system/node`, else
    /// `path/sys/devices/system/node`.
    static func locateNodeDirectory(_ path: String) throws -> String {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw InputError(file: path, "does not exist; expected a copy of /sys, or of /sys/devices/system/node")
        }
        guard isDir.boolValue else {
            throw InputError(file: path, "is a file; expected a directory: a copy of /sys, or of /sys/devices/system/node")
        }
        if try !nodeDirectories(in: path).isEmpty { return path }
        for candidate in ["devices/system/node", "sys/devices/system/node"] {
            let full = (path as NSString).appendingPathComponent(candidate)
            var d: ObjCBool = false
            if fm.fileExists(atPath: full, isDirectory: &d), d.boolValue { return full }
        }
        return path
    }

    /// `node<N>` directories of `dir`, sorted by N.
    static func nodeDirectories(in dir: String) throws -> [(id: Int, path: String)] {
        let fm = FileManager.default
        let entries: [String]
        do {
            entries = try fm.contentsOfDirectory(atPath: dir)
        } catch {
            throw InputError(file: dir, "cannot list the directory: \(error.localizedDescription)")
        }
        var result: [(id: Int, path: String)] = []
        var seen: [Int: String] = [:]
        for entry in entries where entry.hasPrefix("node") {
            let digits = entry.dropFirst(4)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
            let full = (dir as NSString).appendingPathComponent(entry)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: full, isDirectory: &isDir), isDir.boolValue else { continue }
            guard let id = Int(digits), id < ImportSupport.maxNodeID else {
                throw InputError(file: full, "node id '\(digits)' is not below MAX_NUMNODES (\(ImportSupport.maxNodeID)); expected node0 … node\(ImportSupport.maxNodeID - 1)")
            }
            if let other = seen[id] {
                throw InputError(file: full, "node \(id) appears twice (also \(other)); expected one node<N> directory per node")
            }
            seen[id] = full
            result.append((id, full))
        }
        return result.sorted { $0.id < $1.id }
    }

    // MARK: - Per-node files

    /// The node's CPUs and the file they came from.
    static func readCPUs(_ dir: String) throws -> (CPUList, String) {
        let listPath = (dir as NSString).appendingPathComponent("cpulist")
        if let text = try ImportSupport.readIfPresent(listPath) {
            do { return (try CPUList.parse(text), listPath) } catch {
                throw InputError(file: listPath, line: 1, error.description)
            }
        }
        let mapPath = (dir as NSString).appendingPathComponent("cpumap")
        if let text = try ImportSupport.readIfPresent(mapPath) {
            do { return (try CPUList.parseMask(text), mapPath) } catch {
                throw InputError(file: mapPath, line: 1, "expected a CPU mask of comma-separated 32-bit hex groups such as 00000000,0000ffff: \(error.reason)")
            }
        }
        return (.empty, listPath)
    }

    /// (MemTotal, MemFree) in bytes from `node<N>/meminfo`; MemFree nil (with a warning) when the
    /// file has no MemFree line.
    static func readMeminfo(dir: String, id: Int, warnings: inout [InputWarning]) throws -> (UInt64, UInt64?) {
        let path = (dir as NSString).appendingPathComponent("meminfo")
        guard let text = try ImportSupport.readIfPresent(path) else {
            throw InputError(file: path, "missing; every node<N> directory needs its meminfo ('Node \(id) MemTotal: X kB') for the node's memory")
        }
        var total: UInt64?
        var free: UInt64?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: ImportSupport.junk)
            if line.isEmpty { continue }
            let lineNo = index + 1
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 4, words[0] == "Node", words[2].hasSuffix(":") else {
                throw InputError(file: path, line: lineNo, "expected 'Node \(id) <Field>: <value> [kB]', got '\(line)'")
            }
            guard let lineNode = Int(words[1]) else {
                throw InputError(file: path, line: lineNo, "expected a node number after 'Node', got '\(words[1])'")
            }
            guard lineNode == id else {
                throw InputError(file: path, line: lineNo, "the line is about node \(lineNode) but the file is in node\(id)/; expected 'Node \(id) …'")
            }
            let field = String(words[2].dropLast())
            guard field == "MemTotal" || field == "MemFree" else { continue }
            guard words.count == 5, words[4] == "kB", let kb = UInt64(words[3]) else {
                throw InputError(file: path, line: lineNo, key: field, "expected 'Node \(id) \(field): <number> kB', got '\(line)'")
            }
            let (bytes, overflow) = kb.multipliedReportingOverflow(by: 1024)
            guard !overflow else {
                throw InputError(file: path, line: lineNo, key: field, "\(kb) kB is too large")
            }
            let arch = Arch.x86_64
            guard bytes <= arch.physicalAddressLimit else {
                throw InputError(file: path, line: lineNo, key: field,
                                 "\(kb) kB is beyond the \(arch.rawValue) physical address limit; expected at most \(arch.physicalAddressLimitText)")
            }
            if field == "MemTotal" { total = bytes } else { free = bytes }
        }
        guard let total else {
            throw InputError(file: path, key: "MemTotal", "missing; expected a line 'Node \(id) MemTotal: <number> kB'")
        }
        guard total % 4096 == 0 else {
            throw InputError(file: path, key: "MemTotal", "expected a multiple of the 4 kB page size, got \(total / 1024) kB")
        }
        guard let free else {
            warnings.append(InputWarning(file: path, key: "MemFree",
                "missing (no line 'Node \(id) MemFree: <number> kB'); assumed all of node \(id)'s managed memory is free at the start, as after boot"))
            return (total, nil)
        }
        guard free <= total else {
            throw InputError(file: path, key: "MemFree", "MemFree (\(free / 1024) kB) exceeds MemTotal (\(total / 1024) kB)")
        }
        return (total, free)
    }

    /// The SLIT from every node's `distance` file, in node order.
    static func readDistances(_ nodeDirs: [(id: Int, path: String)]) throws -> [[Int]] {
        let ids = nodeDirs.map(\.id)
        var rows: [[Int]?] = []
        for (_, dir) in nodeDirs {
            let path = (dir as NSString).appendingPathComponent("distance")
            guard let text = try ImportSupport.readIfPresent(path) else { rows.append(nil); continue }
            rows.append(try ImportSupport.parseDistanceRow(text, file: path, nodeIDs: ids))
        }
        let present = rows.compactMap { $0 }
        if present.isEmpty {
            // No SLIT: the kernel's __node_distance gives 10 local, 20 remote.
            return Topology.defaultDistances(count: nodeDirs.count)
        }
        if present.count != rows.count, let missing = rows.firstIndex(where: { $0 == nil }),
           let have = rows.firstIndex(where: { $0 != nil }) {
            throw InputError(file: (nodeDirs[missing].path as NSString).appendingPathComponent("distance"),
                             "missing, but node\(nodeDirs[have].id)/distance exists; expected a distance file in every node<N> directory (or in none, for the kernel's default 10 local / 20 remote)")
        }
        for (i, row) in present.enumerated() {
            let file = (nodeDirs[i].path as NSString).appendingPathComponent("distance")
            try ImportSupport.checkSLITRow(row, index: i, nodeIDs: ids) { column, message in
                InputError(file: file, line: 1, column: column, message)
            }
        }
        return present
    }
}

/// Helpers shared by the importers.
enum ImportSupport {
    /// The index of the first node whose memory, laid after the nodes before it as the boot lays
    /// them, ends beyond the architecture's physical address limit; nil when all fit.
    static func firstBeyondPhysicalLimit(_ memory: [UInt64], arch: Arch) -> Int? {
        var end: UInt64 = 0
        for (i, m) in memory.enumerated() {
            let (next, overflow) = end.addingReportingOverflow(m)
            if overflow || next > arch.physicalAddressLimit { return i }
            end = next
        }
        return nil
    }

    static func beyondPhysicalLimitMessage(node id: Int, memory: [UInt64], arch: Arch) -> String {
        "the nodes' memory up to node \(id) (laid end to end, rounded up to memory sections) ends beyond the \(arch.rawValue) physical address limit; expected in all at most \(arch.physicalAddressLimitText)"
    }

    /// Characters stripped around file contents: saved sysfs files end in "\n\0".
    static let junk = CharacterSet(charactersIn: " \t\r\n\0")

    /// MAX_NUMNODES with Debian's CONFIG_NODES_SHIFT=10.
    static let maxNodeID = 1024

    /// Pages x86 never has at the bottom of memory (pfn 0 and 640 KiB–1 MiB, 98 pages): the first
    /// node laid from address 0 needs this much more memory than it manages.
    static let legacyHoleBytes: UInt64 = 98 * 4096

    /// `nil` when the file does not exist; the text with trailing NULs/whitespace stripped otherwise.
    static func readIfPresent(_ path: String) throws -> String? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return nil }
        guard !isDir.boolValue else { throw InputError(file: path, "is a directory; expected a file") }
        return try read(path)
    }

    static func read(_ path: String) throws -> String {
        trimTrailing(try InputText.read(path))
    }

    /// Drops trailing NUL bytes and whitespace (sysfs copies end in "\n\0").
    static func trimTrailing(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while let last = scalars.last, junk.contains(last) { scalars.removeLast() }
        return String(scalars)
    }

    /// `memory:` for each node from its managed bytes (MemTotal): rounded up to whole memory
    /// sections (128 MiB on x86_64); 0 stays 0. The first node with memory is laid from address 0,
    /// where x86 has 98 pages of firmware holes, so it also covers those.
    static func nodeMemory(managedBytes: [UInt64], arch: Arch = .x86_64) -> [UInt64] {
        let section = arch.sectionBytes
        var first = true
        return managedBytes.map { bytes in
            guard bytes > 0 else { return 0 }
            let needed = bytes + (first ? legacyHoleBytes : 0)
            first = false
            return (needed + section - 1) / section * section
        }
    }

    /// The last path component that is not one of `skipping` (e.g. the sample folder of
    /// `<sample>/sys/devices/system/node`); nil when nothing sensible remains.
    static func meaningfulName(of path: String, skipping: Set<String>) -> String? {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var components = url.pathComponents.filter { $0 != "/" && !$0.isEmpty && $0 != "." }
        while let last = components.last, skipping.contains(last) { components.removeLast() }
        guard let name = components.last, name != ".." else { return nil }
        return name
    }

    /// Parses one `distance` file: whitespace-separated integers.
    static func parseDistanceRow(_ text: String, file: String, nodeIDs: [Int]) throws -> [Int] {
        var values: [Int] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (lineIndex, line) in lines.enumerated() {
            var column = 1
            var token = ""
            var tokenColumn = 1
            func flush() throws {
                guard !token.isEmpty else { return }
                guard let v = Int(token), (0...255).contains(v) else {
                    throw InputError(file: file, line: lineIndex + 1, column: tokenColumn,
                                     "expected a distance 10...255, got '\(token)'")
                }
                values.append(v)
                token = ""
            }
            for ch in line {
                if ch == " " || ch == "\t" || ch == "\0" || ch == "\r" {
                    try flush()
                } else {
                    if token.isEmpty { tokenColumn = column }
                    token.append(ch)
                }
                column += 1
            }
            try flush()
        }
        guard values.count == nodeIDs.count else {
            throw InputError(file: file, line: 1,
                             "expected \(nodeIDs.count) distances (one per node: \(nodeIDs.map { "node\($0)" }.joined(separator: ", "))), got \(values.count)")
        }
        return values
    }

    /// The kernel's SLIT rules (`numa_set_distance`, `slit_valid`): 10 on the diagonal, 11...255
    /// elsewhere. `fail(column-or-nil, message)` builds the error for the source.
    static func checkSLITRow(_ row: [Int], index i: Int, nodeIDs: [Int],
                             fail: (Int?, String) -> InputError) throws {
        for (j, d) in row.enumerated() {
            let to = j < nodeIDs.count ? nodeIDs[j] : j
            let from = i < nodeIDs.count ? nodeIDs[i] : i
            if i == j && d != 10 {
                throw fail(nil, "entry \(j + 1) is node \(from)'s distance to itself: expected 10 (LOCAL_DISTANCE), got \(d); the kernel rejects such a SLIT")
            }
            if i != j && !(11...255).contains(d) {
                throw fail(nil, "entry \(j + 1) (node \(from) to node \(to)): expected a remote distance 11...255, got \(d); the kernel rejects a SLIT with remote entries <= 10")
            }
        }
    }

    /// Bytes from "N MB" text, as numactl prints MiB.
    static func megabytes(_ text: Substring) -> UInt64? {
        guard let mb = UInt64(text) else { return nil }
        let (b, o) = mb.multipliedReportingOverflow(by: 1 << 20)
        return o ? nil : b
    }
}
