import Foundation

/// `/proc/vmstat` (6.1): machine-wide counters. numasim takes nothing from it that zoneinfo does
/// not give per zone; it cross-checks `nr_free_pages` and `nr_{in,}active_{anon,file}` against
/// the zones' recorded values, warning when they differ (the files were read at different
/// moments), and refuses a file that is not `name value` lines.
public enum VmstatImporter {
    public static func check(path: String, against t: Topology, warnings: inout [InputWarning]) throws {
        let text = try ImportSupport.read(path)
        var values: [String: (Int, Int)] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: ImportSupport.junk)
            if line.isEmpty { continue }
            let words = line.split(separator: " ")
            guard words.count == 2, let v = Int(words[1]) ?? UInt64(words[1]).map({ Int(truncatingIfNeeded: $0) }) else {
                throw InputError(file: path, line: i + 1, "expected 'name value' (a /proc/vmstat line), got '\(line)'")
            }
            values[String(words[0])] = (v, i + 1)
        }
        guard !values.isEmpty else { throw InputError(file: path, "the file is empty; expected /proc/vmstat 'name value' lines") }
        let zones = t.nodes.flatMap { $0.zones.values }
        func compare(_ name: String, _ recorded: Int?) {
            guard let recorded, let (v, line) = values[name], v != recorded else { return }
            warnings.append(InputWarning(file: path, line: line, key: name,
                                         "\(v) here, \(recorded) in the zones recorded (zoneinfo); the files were read at different moments, the zones' values are kept"))
        }
        let free = zones.allSatisfy { $0.free != nil } ? zones.reduce(0) { $0 + ($1.free ?? 0) } : nil
        compare("nr_free_pages", zones.isEmpty ? nil : free)
        let lrus = zones.compactMap(\.lru)
        if !lrus.isEmpty {
            for (k, name) in ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file"].enumerated() {
                compare(name, lrus.reduce(0) { $0 + $1.values[k] })
            }
        }
    }
}
