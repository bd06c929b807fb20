/// numastat over a stress result (`numasim numastat`), and its JSON (schema
/// `numasim.numastat/1`, docs/json.md).
extension NumastatTool {
    /// The node files a stress result stands for: `numastat` as each node's numastat file
    /// (`NumastatFormat.nodeFile`), `node_meminfo` as its meminfo file (`NodeMeminfoFormat`; absent
    /// from results written before numasim had it, and then `-m` cannot be shown).
    public init(report r: StressReport) {
        var files: [Int: NodeFiles] = [:]
        for (key, events) in r.numastat {
            guard let id = Int(key) else { continue }
            let meminfo = r.node_meminfo?[key].map { NodeMeminfoFormat.render(node: id, NodeMeminfoFormat.ordered($0)) }
            files[id] = NodeFiles(numastat: NumastatFormat.nodeFile(events), meminfo: meminfo)
        }
        self.init(files: files)
    }

    public static let schemaID = "numasim.numastat/1"

    /// The tables the text shows, as data: the rows and columns left after `-z`, in the order of
    /// `-s`; values unrounded (`-c` narrows the text only).
    public struct JSON: Codable, Sendable {
        public struct Row: Codable, Sendable {
            public var label: String
            public var values: [Double]
        }
        public struct Table: Codable, Sendable {
            /// `numastat` or `meminfo` (`-m`).
            public var name: String
            /// `count` (the compatibility table's raw counters) or `MB`.
            public var unit: String
            /// Column headers: `nodeN` (compatibility) or `Node N`, and `Total`.
            public var columns: [String]
            public var rows: [Row]
            /// `Token NAME not in hash table.` lines the tool printed while reading.
            public var messages: [String]
        }
        public var schema: String
        public var numasim_version: String
        /// The stress result read (`numasim numastat FILE`), absent for a run (`-t`/`-w`).
        public var source: String?
        public var topology: String
        public var engine: String
        public var seed: UInt64
        public var nodes: [Int]
        public var tables: [Table]
    }

    public func json(_ o: Options, report r: StressReport, source: String?) throws -> JSON {
        let tables = try sections(o).map { s -> JSON.Table in
            let t = s.table
            let shown = t.shown(showZero: !o.skipZero) ?? NumastatTable.Shown(rows: [], cols: [])
            // The compatibility table's Total column holds sums but has no header and no width:
            // the tool prints nothing of it.
            let cols = shown.cols.filter { t[0, $0] != .null }
            return JSON.Table(
                name: s.name, unit: s.compatibility ? "count" : "MB",
                columns: cols.map { if case .string(let h) = t[0, $0] { return h } else { return "" } },
                rows: shown.rows.map { row in
                    JSON.Row(label: { if case .string(let l) = t[row, 0] { return l } else { return "" } }(),
                             values: cols.map { NumastatTable.value(t[row, $0]) })
                },
                messages: s.messages)
        }
        return JSON(schema: NumastatTool.schemaID, numasim_version: NumasimVersion.number, source: source, topology: r.topology,
                    engine: r.engine, seed: r.seed, nodes: nodes, tables: tables)
    }
}
