import Foundation

/// A sweep written out as jobs for machines other than this one: one shell command line per
/// grid point for GNU parallel (`parallel < FILE`), or a Slurm array script. Every job writes
/// its JSON to `DIR/<index>.json` and its standard error to `DIR/<index>.err`, so
/// `numasim sweep --collect DIR` ends either route in the same table as a local sweep.
public enum SweepJobs {
    public enum Format: String, Sendable, CaseIterable {
        case parallel, slurm
    }

    /// The name of the grid description in a result directory.
    public static let manifestName = "grid.json"

    /// One line: `BINARY stress … --json --quiet > DIR/i.json 2> DIR/i.err`.
    public static func line(binary: String, point: SweepPoint, outputDirectory dir: String) -> String {
        let base = (dir as NSString).appendingPathComponent(String(point.index))
        return ([binary] + point.stressArguments).map(shellQuote).joined(separator: " ")
            + " > " + shellQuote(base + ".json") + " 2> " + shellQuote(base + ".err")
    }

    public static func render(_ grid: SweepGrid, format: Format, binary: String, outputDirectory dir: String) -> String {
        let lines = grid.points.map { line(binary: binary, point: $0, outputDirectory: dir) }
        switch format {
        case .parallel:
            return lines.map { $0 + "\n" }.joined()
        case .slurm:
            // The lines sit in a quoted here-document (no expansion), so each is exactly the
            // text of the parallel format; the array task picks its line by number.
            var s = "#!/bin/bash\n"
            s += "#SBATCH --job-name=numasim-sweep\n"
            s += "#SBATCH --array=0-\(lines.count - 1)\n"
            s += "# \(lines.count) numasim stress runs; submit with `sbatch FILE` from the directory the paths are relative to,\n"
            s += "# then: numasim sweep --collect \(shellQuote(dir))\n"
            s += "set -eu\n"
            s += "mkdir -p \(shellQuote(dir))\n"
            s += "line=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" <<'NUMASIM_JOBS'\n"
            s += lines.map { $0 + "\n" }.joined()
            s += "NUMASIM_JOBS\n)\n"
            s += "eval \"$line\"\n"
            return s
        }
    }

    /// POSIX shell quoting: words made only of safe characters stay bare; anything else is
    /// single-quoted, with each `'` written as `'\''`.
    public static func shellQuote(_ word: String) -> String {
        let safe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-")
        if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The grid as `grid.json`: parameter names, and per point its values and arguments — what
    /// `--collect` needs to label each result file.
    public static func manifest(_ grid: SweepGrid) -> [String: Any] {
        [
            "schema": "numasim.sweep-grid/1",
            "parameters": grid.parameters.map(\.name),
            "points": grid.points.map { p in
                ["index": p.index,
                 "values": p.values.map(\.1),
                 "arguments": p.stressArguments] as [String: Any]
            },
        ]
    }
}

extension SweepJobs {
    /// Writes `grid.json` into `dir` (created if needed), for `--collect` to label the results.
    public static func writeManifest(_ grid: SweepGrid, directory dir: String) throws(SweepError) {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let data = try JSONSerialization.data(withJSONObject: manifest(grid),
                                                  options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try data.write(to: URL(fileURLWithPath: dir).appendingPathComponent(manifestName))
        } catch {
            throw SweepError("--out \(dir): cannot write \(manifestName) there (\(error.localizedDescription))")
        }
    }

    /// Writes the job list to `path` (a Slurm script is made executable) and the grid's
    /// manifest to `dir`, where the jobs will write their results.
    public static func write(_ grid: SweepGrid, format: Format, binary: String, outputDirectory dir: String,
                             to path: String) throws(SweepError) {
        try writeManifest(grid, directory: dir)
        let text = render(grid, format: format, binary: binary, outputDirectory: dir)
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw SweepError("--emit-jobs \(path): cannot write the file (\(error.localizedDescription))")
        }
        if format == .slurm { chmod(path, 0o755) }
    }
}
