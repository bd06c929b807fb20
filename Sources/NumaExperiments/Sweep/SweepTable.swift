import Foundation

/// The three ways a sweep prints its rows. Every figure is the run's own and deterministic for
/// the deterministic engine; `timing` adds operations per host second (from runs made with
/// `stress --timing`), which differ from run to run.
public enum SweepTable {
    static let figures = ["sim ms", "numa_hit", "numa_miss", "local%", "kswapd_wake", "pgscan", "pgsteal", "allocstall", "failures", "invariants"]

    static func columns(timing: Bool) -> [String] {
        timing ? [figures[0], "host ops/s"] + figures.dropFirst() : figures
    }

    static func cells(_ s: SweepRow.Summary, timing: Bool) -> [String] {
        var c = [String(format: "%.3f", Double(s.simulatedNs) / 1e6)]
        if timing { c.append(s.opsPerSecond.map { String(format: "%.0f", $0) } ?? "-") }
        return c + [String(s.numaHit), String(s.numaMiss),
                    s.localShare.map { String(format: "%.1f", $0 * 100) } ?? "-", String(s.kswapdWakeups),
                    String(s.pgscan), String(s.pgsteal), String(s.allocstall), String(s.failures), s.invariantsOK ? "ok" : "VIOLATED"]
    }

    /// Human table: aligned columns, one row per point; a failed run shows its error instead.
    public static func text(parameters: [String], rows: [SweepRow], timing: Bool = false) -> String {
        let columns = columns(timing: timing)
        let header = ["#"] + parameters + columns
        var body: [[String]] = []
        var notes: [String] = []
        for r in rows {
            if let s = r.summary {
                body.append([String(r.index)] + r.values + cells(s, timing: timing))
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
    public static func csv(parameters: [String], rows: [SweepRow], timing: Bool = false) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        let figures = ["simulated_ms"] + (timing ? ["host_ops_per_second"] : [])
            + ["numa_hit", "numa_miss", "local_share", "kswapd_wakeups", "pgscan", "pgsteal", "allocstall", "failures", "invariants_ok"]
        let names = ["index"] + parameters + figures + ["exit_status", "error"]
        var out = names.map(field).joined(separator: ",") + "\n"
        for r in rows {
            var cells = [String(r.index)] + r.values
            if let s = r.summary {
                cells.append(String(format: "%.6f", Double(s.simulatedNs) / 1e6))
                if timing { cells.append(s.opsPerSecond.map { String(format: "%.1f", $0) } ?? "") }
                cells += [String(s.numaHit), String(s.numaMiss),
                          s.localShare.map { String(format: "%.6f", $0) } ?? "", String(s.kswapdWakeups), String(s.pgscan),
                          String(s.pgsteal), String(s.allocstall), String(s.failures), String(s.invariantsOK)]
            } else {
                cells += Array(repeating: "", count: figures.count)
            }
            cells += [r.exitStatus.map(String.init) ?? "", r.error ?? ""]
            out += cells.map(field).joined(separator: ",") + "\n"
        }
        return out
    }

    /// The whole collection (schema `numasim.sweep/1`): each run's own JSON under `result`.
    public static func json(parameters: [String], rows: [SweepRow], timing: Bool = false) throws -> Data {
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
                    "simulated_time_ns": s.simulatedNs, "numa_hit": s.numaHit, "numa_miss": s.numaMiss,
                    "local_node": s.localNode, "other_node": s.otherNode, "kswapd_wakeups": s.kswapdWakeups,
                    "pgscan": s.pgscan, "pgsteal": s.pgsteal, "allocstall": s.allocstall, "failures": s.failures,
                    "invariants_ok": s.invariantsOK,
                ]
                if let l = s.localShare { summary["local_share"] = l }
                if timing, let o = s.opsPerSecond { summary["ops_per_second"] = o }
                run["summary"] = summary
            }
            return run
        }
        let doc: [String: Any] = ["schema": "numasim.sweep/1", "parameters": parameters, "runs": runs]
        return try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
