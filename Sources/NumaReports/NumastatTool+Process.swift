import Foundation
import NumaProcess

/// `numastat -p PID|PATTERN` of numactl 2.0.16 (numastat.c `show_process_info`) over the
/// processes of a stress run, read from their /proc/PID/numa_maps text (`NumaMapsFormat`) the way
/// the tool reads it.
///
/// How numasim's processes land in the tool's rows (`process_meminfo[]`): for each numa_maps
/// line, the first token starting with `huge`, `heap` or `stack` picks the row, else the
/// catch-all `Private`; every `N<node>=<pages>` token adds pages × page size (× the huge page
/// size on a Huge line) in MB. So an anonymous mapping named `heap` counts as Heap, one named
/// `stack` as Stack (`SimulatedProcess.numaMaps`), no numasim mapping is hugetlb (Huge stays 0),
/// and everything else — anonymous and file pages alike, as on a real machine — is Private.
///
/// PIDs are numasim's (`NumaMapsFormat.pid`: 1000 + the process's index in the report). A
/// PATTERN matches, as the tool's `add_pids_from_pattern_search` does, every live process whose
/// `Name` (the first 15 characters of its name, TASK_COMM_LEN) followed by a space and its
/// command line (numasim: its whole name) contains the pattern. A process that exited has no
/// /proc entry. One PID (or `-v`): a table per process with rows Huge, Heap, Stack, Private and
/// Total; several: one table with a row per PID. `-c`, `-s`, `-z` and the screen width act as on
/// the other tables. (The tool keeps a table's seen/non-zero row flags from one PID to the next
/// under `-v -z`; numasim decides them per PID.)
extension NumastatTool {
    /// One process as /proc shows it.
    public struct ProcessEntry: Sendable, Equatable {
        public var pid: Int
        public var name: String
        public var alive: Bool
        /// /proc/PID/numa_maps.
        public var numaMaps: String
        public init(pid: Int, name: String, alive: Bool, numaMaps: String) {
            self.pid = pid; self.name = name; self.alive = alive; self.numaMaps = numaMaps
        }
        /// /proc/PID/status `Name:`: the comm, at most TASK_COMM_LEN − 1 = 15 characters.
        public var comm: String { String(name.prefix(15)) }
    }

    /// A stress result without numa_maps (written before numasim had them).
    public struct MissingNumaMaps: Error, Sendable {}

    /// The processes of a stress result (`address_spaces.processes`, `numa_maps`).
    public static func processes(of r: StressReport) throws -> [ProcessEntry] {
        try (r.address_spaces?.processes ?? []).enumerated().map { i, p in
            guard let maps = p.numa_maps else { throw MissingNumaMaps() }
            return ProcessEntry(pid: p.pid ?? NumaMapsFormat.pid(index: i), name: p.name, alive: !p.exited,
                                numaMaps: NumaMapsFormat.render(maps))
        }
    }

    /// What the tool prints: standard output and standard error.
    public struct ProcessOutput: Sendable, Equatable {
        public var stdout = ""
        public var stderr = ""
    }

    /// `process_meminfo[]`: token prefix and label.
    static let processRows: [(token: String, label: String)] = [("huge", "Huge"), ("heap", "Heap"), ("stack", "Stack"), ("N", "Private")]

    /// The PIDs `-p SPEC…` select (all digits: a PID; else a pattern), sorted and without
    /// duplicates (`sort_pids_and_remove_duplicates`); "Found no processes containing pattern"
    /// lines go to `out`.
    static func selectPIDs(_ specs: [String], _ entries: [ProcessEntry], out: inout ProcessOutput) -> [Int] {
        var pids: [Int] = []
        for spec in specs {
            if !spec.isEmpty, spec.allSatisfy({ $0.isASCII && $0.isNumber }) {
                pids.append(atol(spec))
                continue
            }
            let found = entries.filter { $0.alive && "\($0.comm) \($0.name)".contains(spec) }
            if found.isEmpty { out.stdout += "Found no processes containing pattern: \"\(spec)\"\n" }
            pids += found.map(\.pid)
        }
        return Array(Set(pids)).sorted()
    }

    /// `show_process_info` for `-p specs` (`verbose`: `-v`).
    public func processInfo(_ specs: [String], entries: [ProcessEntry], _ o: Options, verbose: Bool = false,
                            screenWidth: Int) -> ProcessOutput {
        var out = ProcessOutput()
        let pids = Self.selectPIDs(specs, entries, out: &out)
        guard !pids.isEmpty else { return out }
        let sub = verbose || pids.count == 1
        let headerRows = 2
        let dataRows = sub ? Self.processRows.count : pids.count
        let totalCol = 1 + nodes.count
        let totalRow = headerRows + dataRows + 1
        var t = NumastatTable(headerRows: headerRows, headerCols: 1, dataRows: dataRows + 2, dataCols: nodes.count + 1)
        t[totalRow, 0] = .string("Total")
        if sub {
            for (i, r) in Self.processRows.enumerated() { t[headerRows + i, 0] = .string(r.label) }
        } else {
            t[0, 0] = .string("PID")
            t[1, 0] = .dashes
            out.stdout += "\nPer-node process memory usage (in MBs)\n"
        }
        t.width[0] = 16
        t.justify[0] = .left
        for nodeIx in 0...nodes.count {
            let col = 1 + nodeIx
            t[0, col] = .string(nodeIx == nodes.count ? "Total" : "Node \(nodes[nodeIx])")
            t[1, col] = .dashes
            t.width[col] = 16
            t.decimals[col] = o.compress ? 0 : 2
            t.justify[col] = .right
        }
        let zero = { (t: inout NumastatTable) in
            for row in headerRows..<t.rowCount { for col in 1..<t.colCount { t[row, col] = .number(0) } }
        }
        zero(&t)
        let column = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, 1 + $0) })
        for (pidIx, pid) in pids.enumerated() {
            let entry = entries.first { $0.pid == pid && $0.alive }
            if sub {
                out.stdout += "\nPer-node process memory usage (in MBs) for PID \(pid) (\(entry?.comm ?? "(null)"))\n"
                if pidIx > 0 { zero(&t) }
            } else {
                t[headerRows + pidIx, 0] = .string(String("\(pid) (\(entry?.comm ?? "(null)"))".prefix(63)))
            }
            guard let entry else {
                out.stderr += "Can't read /proc/\(pid)/numa_maps: No such file or directory\n"
                continue
            }
            for line in entry.numaMaps.split(separator: "\n") {
                var category = Self.processRows.count - 1
                for token in line.split(whereSeparator: { " \t\r".contains($0) }) {
                    if category == Self.processRows.count - 1,
                       let ix = Self.processRows.dropLast().firstIndex(where: { token.hasPrefix($0.token) }) {
                        category = ix
                    }
                    guard token.first == "N" else { continue }
                    let body = token.dropFirst()
                    guard let eq = body.firstIndex(of: "="), let node = Int(body[..<eq]) else { continue }
                    let pages = Double(Self.atol(String(body[body.index(after: eq)...])))
                    let value = pages * Double(category == 0 ? hugePageSize : pageSize) / Double(1 << 20)
                    guard let col = column[node] else { continue }
                    let row = sub ? headerRows + category : headerRows + pidIx
                    t.add(value, row: row, col: col)
                    t.add(value, row: row, col: totalCol)
                    t.add(value, row: totalRow, col: col)
                    t.add(value, row: totalRow, col: totalCol)
                }
            }
            guard sub || pidIx + 1 == pids.count else { continue }
            var shown = t
            if o.compress {
                for col in 0...totalCol { shown.autoWidth(col: col, min: 4, max: 16) }
            } else {
                shown.autoWidth(col: 0, min: 16, max: 24)
            }
            shown.alwaysShowRows.insert(totalRow - 1)
            for col in 0...totalCol { shown[totalRow - 1, col] = .dashes }
            if o.sortByTotal { shown.sortDescending(rows: headerRows...(headerRows + dataRows - 1), byColumn: totalCol) }
            out.stdout += shown.render(screenWidth: screenWidth, showZero: !o.skipZero)
            t = shown
        }
        return out
    }
}
