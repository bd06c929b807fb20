import Foundation

/// numastat(8) of numactl 2.0.16 (numastat.c) over a machine's node files: what the tool prints
/// from `/sys/devices/system/node/nodeN/numastat` and `.../meminfo`, read the way it reads them
/// (`show_info_from_system_file`: tokens split at blanks and colons, looked up in its own row
/// tables, values scaled to MB by page size, huge page size or kB; a token it does not know is
/// reported as `Token NAME not in hash table.`, as the tool does for 6.1's SwapCached,
/// SecPageTables, FileHugePages and FilePmdMapped).
///
/// Views: with no option, the compatibility table of the old perl numastat (raw counts, `nodeN`
/// columns, no Total); `-n` the same counters in MB with a Total column; `-m` the meminfo-like
/// table; `-c` narrows every column to its content; `-z` drops all-zero rows and columns; `-s`
/// sorts rows by Total, descending. Process views (`-p`) read /proc/PID/numa_maps and are not
/// modelled here.
public struct NumastatTool: Sendable {
    public struct Options: Sendable, Equatable {
        /// `-c`
        public var compress = false
        /// `-m`
        public var meminfo = false
        /// `-n`
        public var numastat = false
        /// `-s`
        public var sortByTotal = false
        /// `-z`
        public var skipZero = false

        public init(compress: Bool = false, meminfo: Bool = false, numastat: Bool = false, sortByTotal: Bool = false, skipZero: Bool = false) {
            self.compress = compress; self.meminfo = meminfo; self.numastat = numastat
            self.sortByTotal = sortByTotal; self.skipZero = skipZero
        }

        /// numastat without arguments (`compatibility_mode = (argc == 1)`).
        public var isCompatibility: Bool { self == Options() }
    }

    /// The text of one node's files.
    public struct NodeFiles: Sendable {
        public var numastat: String
        public var meminfo: String?
        public init(numastat: String, meminfo: String?) { self.numastat = numastat; self.meminfo = meminfo }
    }

    /// A view `-m` needs meminfo that the input does not have.
    public struct MissingMeminfo: Error, Sendable { public var node: Int }

    /// Node ids, ascending (the tool sorts the `nodeN` directories it finds).
    public let nodes: [Int]
    public let files: [Int: NodeFiles]
    /// `sysconf(_SC_PAGESIZE)` and /proc/meminfo's Hugepagesize, in bytes.
    public var pageSize = 4096
    public var hugePageSize = 2 << 20

    public init(files: [Int: NodeFiles]) {
        self.files = files
        nodes = files.keys.sorted()
    }

    /// `numastat_meminfo[]`: token in the file, label outside compatibility mode.
    static let numastatRows: [(token: String, label: String)] = [
        ("numa_hit", "Numa_Hit"), ("numa_miss", "Numa_Miss"), ("numa_foreign", "Numa_Foreign"),
        ("interleave_hit", "Interleave_Hit"), ("local_node", "Local_Node"), ("other_node", "Other_Node"),
    ]

    /// `system_meminfo[]`: the rows of `-m`, in the tool's order (token and label are the same).
    static let systemRows: [String] = [
        "MemTotal", "MemFree", "MemUsed", "HighTotal", "HighFree", "LowTotal", "LowFree", "Active", "Inactive",
        "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked", "Dirty",
        "Writeback", "FilePages", "Mapped", "AnonPages", "Shmem", "KernelStack", "PageTables", "NFS_Unstable",
        "Bounce", "WritebackTmp", "Slab", "SReclaimable", "SUnreclaim", "AnonHugePages", "ShmemHugePages",
        "ShmemPmdMapped", "HugePages_Total", "HugePages_Free", "HugePages_Surp", "KReclaimable",
    ]

    /// One table as the tool prints it: a title line (none in compatibility mode), the
    /// `Token … not in hash table.` lines met while reading, the table.
    public struct Section: Sendable {
        public var name: String
        public var title: String?
        public var messages: [String]
        public var table: NumastatTable
        public var compatibility: Bool
    }

    /// The sections `main` prints for these options: `-m` first, then the numastat table (`-n`,
    /// or no `-m`).
    public func sections(_ o: Options) throws -> [Section] {
        var out: [Section] = []
        if o.meminfo {
            for id in nodes where files[id]?.meminfo == nil { throw MissingMeminfo(node: id) }
            out.append(section(name: "meminfo", title: "Per-node system memory usage (in MBs):",
                               rows: NumastatTool.systemRows.map { ($0, $0) }, tokenOffset: 2, o) { $0.meminfo ?? "" })
        }
        if o.numastat || !o.meminfo {
            out.append(section(name: "numastat", title: o.isCompatibility ? nil : "Per-node numastat info (in MBs):",
                               rows: NumastatTool.numastatRows, tokenOffset: 0, o) { $0.numastat })
        }
        return out
    }

    /// numastat's standard output for these options, `screenWidth` columns wide.
    public func render(_ o: Options, screenWidth: Int) throws -> String {
        try sections(o).map { s in
            (s.title.map { "\n\($0)\n" } ?? "") + s.messages.map { $0 + "\n" }.joined()
                + s.table.render(screenWidth: screenWidth, showZero: !o.skipZero)
        }.joined()
    }

    /// `get_screen_width`: NUMASTAT_WIDTH if it is 1…10000000, else 80 on a terminal (the tool's
    /// `resize` probe reads too few bytes to ever change it) and 10000000 otherwise; at least 32.
    public static func screenWidth(environment: [String: String], isTerminal: Bool) -> Int {
        var w = isTerminal ? 80 : 10_000_000
        if let e = environment["NUMASTAT_WIDTH"] {
            w = Int(e.prefix { $0.isNumber || $0 == "-" }) ?? 0
            if w < 1 || w > 10_000_000 { w = 80 }
        }
        return max(w, 32)
    }

    /// `show_info_from_system_file`
    func section(name: String, title: String?, rows: [(token: String, label: String)], tokenOffset: Int,
                 _ o: Options, file: (NodeFiles) -> String) -> Section {
        let compat = o.isCompatibility
        let headerRows = compat ? 1 : 2
        var t = NumastatTable(headerRows: headerRows, headerCols: 1, dataRows: rows.count, dataCols: nodes.count + 1)
        let total = 1 + nodes.count
        var index: [String: Int] = [:]
        for (i, r) in rows.enumerated() {
            index[r.token] = i
            t[headerRows + i, 0] = .string(compat ? r.token : r.label)
        }
        t.width[0] = 16
        t.justify[0] = .left
        var messages: [String] = []
        for nodeIx in 0..<(nodes.count + (compat ? 0 : 1)) {
            let col = 1 + nodeIx
            t[0, col] = .string(nodeIx == nodes.count ? "Total" : (compat ? "node\(nodes[nodeIx])" : "Node \(nodes[nodeIx])"))
            if !compat {
                t[1, col] = .dashes
                t.decimals[col] = o.compress ? 0 : 2
            }
            t.width[col] = 16
            t.justify[col] = .right
            if nodeIx == nodes.count { break }
            for line in file(files[nodes[nodeIx]]!).split(separator: "\n") {
                let tok = line.split(whereSeparator: { " \t\r\n:".contains($0) }).map(String.init)
                guard tok.count > tokenOffset else { continue }
                guard let i = index[tok[tokenOffset]] else {
                    messages.append("Token \(tok[tokenOffset]) not in hash table.")
                    continue
                }
                var value = Double(NumastatTool.atol(tok.count > 1 + tokenOffset ? tok[1 + tokenOffset] : ""))
                if !compat {
                    var multiplier = 1.0
                    if tok.count < 4 {
                        multiplier = Double(pageSize)
                    } else if tok[2].hasPrefix("HugePages") {
                        multiplier = Double(hugePageSize)
                    } else if tok.count > 4 && tok[4].hasPrefix("kB") {
                        multiplier = 1024
                    }
                    value = value * multiplier / Double(1 << 20)
                }
                t[headerRows + i, col] = .number(value)
                t.add(value, row: headerRows + i, col: total)
            }
        }
        if o.compress { for col in 0...total { t.autoWidth(col: col) } }
        if o.sortByTotal { t.sortDescending(rows: headerRows...(headerRows + rows.count - 1), byColumn: total) }
        return Section(name: name, title: title, messages: messages, table: t, compatibility: compat)
    }

    /// C's `atol`: leading blanks, an optional sign, digits; 0 if none.
    static func atol(_ s: String) -> Int {
        let t = s.drop { $0 == " " || $0 == "\t" }
        let sign = t.first == "-" ? -1 : 1
        let digits = (t.first == "-" || t.first == "+" ? t.dropFirst() : t).prefix { $0.isASCII && $0.isNumber }
        return sign * (Int(digits) ?? 0)
    }
}
