import Foundation

/// Turns `stress --json` outputs into sweep rows, from a finished child or from a result
/// directory (`numasim sweep --collect DIR`, after jobs ran elsewhere).
public enum SweepCollector {
    /// The row of point `index`: the summary of its JSON output, or the first line of its
    /// standard error when the output is unusable or the run failed.
    public static func row(index: Int, values: [String], exitStatus: Int32?, output: Data, errorText: String) -> SweepRow {
        let firstErrorLine = errorText.split(whereSeparator: \.isNewline).first.map(String.init)
        var row = SweepRow(index: index, values: values, exitStatus: exitStatus, result: output.isEmpty ? nil : output)
        do {
            row.summary = try SweepRow.summary(fromStressJSON: output)
            if let exitStatus, exitStatus != 0, row.summary?.invariantsOK != false { row.error = firstErrorLine }
            // A run that stopped early (exit 4) prints its JSON and no error: its reason is the error.
            if row.error == nil, let stop = row.summary?.stopReason { row.error = "stopped: " + stop }
        } catch {
            row.error = firstErrorLine ?? "\(error)"
            row.result = nil
        }
        return row
    }

    /// Reads DIR/grid.json (if present) and DIR/<index>.json. With the grid, every point gets
    /// a row (a missing result is a failure); without it, one row per result file, labelled by
    /// what the results themselves say.
    public static func collect(directory dir: String) throws(SweepError) -> (parameters: [String], rows: [SweepRow]) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw SweepError("--collect \(dir): not a directory")
        }
        let base = URL(fileURLWithPath: dir)
        func read(_ name: String) -> Data? { try? Data(contentsOf: base.appendingPathComponent(name)) }
        func errorText(_ i: Int) -> String { read("\(i).err").map { String(decoding: $0, as: UTF8.self) } ?? "" }
        if let data = read(SweepJobs.manifestName) {
            guard let m = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let names = m["parameters"] as? [String], let points = m["points"] as? [[String: Any]] else {
                throw SweepError("--collect \(dir): \(SweepJobs.manifestName) is not a sweep grid (schema numasim.sweep-grid/1)")
            }
            let rows = points.enumerated().map { k, p -> SweepRow in
                let i = (p["index"] as? Int) ?? k
                let values = (p["values"] as? [String]) ?? []
                guard let output = read("\(i).json"), !output.isEmpty else {
                    let err = errorText(i).split(whereSeparator: \.isNewline).first.map(String.init)
                    return SweepRow(index: i, values: values, error: err ?? "no result (\(dir)/\(i).json missing or empty)")
                }
                return row(index: i, values: values, exitStatus: nil, output: output, errorText: errorText(i))
            }
            return (names, rows)
        }
        let files = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).compactMap { name -> Int? in
            name.hasSuffix(".json") ? Int(name.dropLast(5)) : nil
        }.sorted()
        guard !files.isEmpty else { throw SweepError("--collect \(dir): no <index>.json results and no \(SweepJobs.manifestName)") }
        let rows = files.map { i -> SweepRow in
            var r = row(index: i, values: [], exitStatus: nil, output: read("\(i).json") ?? Data(), errorText: errorText(i))
            let s = r.summary
            r.values = [s?.topology ?? "?", s?.engine ?? "?", s.map { String($0.threads) } ?? "?", s.map { String($0.seed) } ?? "?"]
            return r
        }
        return (["topology", "engine", "threads", "seed"], rows)
    }
}
