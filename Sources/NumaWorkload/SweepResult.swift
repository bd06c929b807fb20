import Foundation

/// One row of a sweep: a grid point and what its `stress --json` run reported (schema
/// `numasim.stress/2` or later, docs/json.md), reduced to the figures a sweep compares.
public struct SweepRow: Sendable {
    public var index: Int
    /// Values in the grid's parameter order.
    public var values: [String]
    /// The run's exit status (nil when the result came from a directory, where it is unknown).
    public var exitStatus: Int32?
    /// Why the row has no result, or why its run failed (first line of its standard error).
    public var error: String?
    public var summary: Summary?
    /// The run's JSON as it printed it.
    public var result: Data?

    public init(index: Int, values: [String], exitStatus: Int32? = nil, error: String? = nil, summary: Summary? = nil, result: Data? = nil) {
        self.index = index; self.values = values; self.exitStatus = exitStatus; self.error = error
        self.summary = summary; self.result = result
    }

    /// A run failed if it exited non-zero, printed nothing usable, or broke an invariant.
    public var failed: Bool { error != nil || (exitStatus ?? 0) != 0 || summary?.invariantsOK == false || summary == nil }

    public struct Summary: Sendable, Equatable {
        public var engine: String
        public var topology: String
        public var seed: UInt64
        public var threads: Int
        public var ops: Int
        public var opsPerSecond: Double
        public var numaHit: Int
        public var numaMiss: Int
        public var localNode: Int
        public var otherNode: Int
        public var kswapdWakeups: Int
        /// pgscan_kswapd + pgscan_direct, pgsteal_kswapd + pgsteal_direct.
        public var pgscan: Int
        public var pgsteal: Int
        /// Σ allocstall_<zone>.
        public var allocstall: Int
        public var failures: Int
        public var invariantsOK: Bool

        /// local_node / (local_node + other_node) over all nodes: the share of pages that
        /// came from the allocating CPU's node.
        public var localShare: Double? {
            localNode + otherNode > 0 ? Double(localNode) / Double(localNode + otherNode) : nil
        }
    }

    /// Reads a `numasim.stress/N` document; the error says what is missing.
    public static func summary(fromStressJSON data: Data) throws -> Summary {
        guard let object = try? JSONSerialization.jsonObject(with: data), let j = object as? [String: Any] else {
            throw SweepError(data.isEmpty ? "no output" : "not JSON")
        }
        guard let schema = j["schema"] as? String, schema.hasPrefix("numasim.stress/") else {
            throw SweepError("not a numasim stress result (schema \(j["schema"].map { "\($0)" } ?? "missing"))")
        }
        func int(_ v: Any?) -> Int { (v as? NSNumber)?.intValue ?? 0 }
        func sum(_ dict: Any?, _ key: String) -> Int {
            ((dict as? [String: Any]) ?? [:]).values.reduce(0) { $0 + int(($1 as? [String: Any])?[key]) }
        }
        let vmstat = (j["vmstat"] as? [String: Any]) ?? [:]
        return Summary(
            engine: j["engine"] as? String ?? "?", topology: j["topology"] as? String ?? "?",
            seed: (j["seed"] as? NSNumber)?.uint64Value ?? 0, threads: int(j["threads"]), ops: int(j["ops"]),
            opsPerSecond: (j["ops_per_second"] as? NSNumber)?.doubleValue ?? 0,
            numaHit: sum(j["numastat"], "numa_hit"), numaMiss: sum(j["numastat"], "numa_miss"),
            localNode: sum(j["numastat"], "local_node"), otherNode: sum(j["numastat"], "other_node"),
            kswapdWakeups: sum(j["kswapd"], "wakeups"),
            pgscan: int(vmstat["pgscan_kswapd"]) + int(vmstat["pgscan_direct"]),
            pgsteal: int(vmstat["pgsteal_kswapd"]) + int(vmstat["pgsteal_direct"]),
            allocstall: vmstat.filter { $0.key.hasPrefix("allocstall_") }.values.reduce(0) { $0 + int($1) },
            failures: ((j["failures"] as? [String: Any]) ?? [:]).values.reduce(0) { $0 + int($1) },
            invariantsOK: ((j["invariants"] as? [String: Any])?["ok"] as? Bool) ?? false)
    }
}

/// The three ways a sweep prints its rows.
public enum SweepTable {
    static let columns = ["ops/s", "numa_hit", "numa_miss", "local%", "kswapd_wake", "pgscan", "pgsteal", "allocstall", "failures", "invariants"]

    static func cells(_ s: SweepRow.Summary) -> [String] {
        [String(format: "%.0f", s.opsPerSecond), String(s.numaHit), String(s.numaMiss),
         s.localShare.map { String(format: "%.1f", $0 * 100) } ?? "-", String(s.kswapdWakeups),
         String(s.pgscan), String(s.pgsteal), String(s.allocstall), String(s.failures), s.invariantsOK ? "ok" : "VIOLATED"]
    }

    /// Human table: aligned columns, one row per point; a failed run shows its error instead.
    public static func text(parameters: [String], rows: [SweepRow]) -> String {
        let header = ["#"] + parameters + columns
        var body: [[String]] = []
        var notes: [String] = []
        for r in rows {
            if let s = r.summary {
                body.append([String(r.index)] + r.values + cells(s))
            } else {
                body.append([String(r.index)] + r.values + columns.map { _ in "-" })
            }
            if r.failed {
                let status = r.exitStatus.map { "exit \($0)" } ?? "failed"
                notes.append("run \(r.index): \(status): \(r.error ?? (r.summary?.invariantsOK == false ? "invariants violated" : "no result"))")
            }
        }
        var widths = header.map(\.count)
        for row in body { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func render(_ row: [String]) -> String {
            row.enumerated().map { i, c in
                // Parameters left-aligned (names, paths), figures right-aligned.
                i > 0 && i <= parameters.count ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        var out = render(header)
        for row in body { out += render(row) }
        if !notes.isEmpty { out += "\n" + notes.map { $0 + "\n" }.joined() }
        return out
    }

    /// CSV (RFC 4180 quoting), the same columns with machine names; failed rows carry `error`.
    public static func csv(parameters: [String], rows: [SweepRow]) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        let names = ["index"] + parameters + ["ops_per_second", "numa_hit", "numa_miss", "local_share", "kswapd_wakeups",
                                              "pgscan", "pgsteal", "allocstall", "failures", "invariants_ok", "exit_status", "error"]
        var out = names.map(field).joined(separator: ",") + "\n"
        for r in rows {
            var cells = [String(r.index)] + r.values
            if let s = r.summary {
                cells += [String(format: "%.1f", s.opsPerSecond), String(s.numaHit), String(s.numaMiss),
                          s.localShare.map { String(format: "%.6f", $0) } ?? "", String(s.kswapdWakeups), String(s.pgscan),
                          String(s.pgsteal), String(s.allocstall), String(s.failures), String(s.invariantsOK)]
            } else {
                cells += Array(repeating: "", count: 10)
            }
            cells += [r.exitStatus.map(String.init) ?? "", r.error ?? ""]
            out += cells.map(field).joined(separator: ",") + "\n"
        }
        return out
    }

    /// The whole collection (schema `numasim.sweep/1`): each run's own JSON under `result`.
    public static func json(parameters: [String], rows: [SweepRow]) throws -> Data {
        let runs: [[String: Any]] = rows.map { r in
            var run: [String: Any] = [
                "index": r.index,
                "parameters": Dictionary(uniqueKeysWithValues: zip(parameters, r.values)),
                "ok": !r.failed,
            ]
            if let e = r.exitStatus { run["exit_status"] = Int(e) }
            if let e = r.error { run["error"] = e }
            if let d = r.result, let o = try? JSONSerialization.jsonObject(with: d) { run["result"] = o }
            if let s = r.summary {
                var summary: [String: Any] = [
                    "ops_per_second": s.opsPerSecond, "numa_hit": s.numaHit, "numa_miss": s.numaMiss,
                    "local_node": s.localNode, "other_node": s.otherNode, "kswapd_wakeups": s.kswapdWakeups,
                    "pgscan": s.pgscan, "pgsteal": s.pgsteal, "allocstall": s.allocstall, "failures": s.failures,
                    "invariants_ok": s.invariantsOK,
                ]
                if let l = s.localShare { summary["local_share"] = l }
                run["summary"] = summary
            }
            return run
        }
        let doc: [String: Any] = ["schema": "numasim.sweep/1", "parameters": parameters, "runs": runs]
        return try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
