import NumaEngine
import Foundation
import NumaWorkload

/// The timeline as CSV: one row per sample, one column group per zone (free, min, low, high) and
/// per node (kswapd wake-ups, runs, awake), then the interval's fallback rate, locality and mean
/// distance (empty when nothing was allocated in the interval).
public enum TimelineCSV {
    public static func render(_ t: Timeline) -> String {
        var header = ["ops", "ms", "pages", "fallback_pages", "local_pages"]
        for z in t.zones { header += ["free", "min", "low", "high"].map { "\(z) \($0)" } }
        for n in t.nodes { header += ["wakeups", "runs", "awake"].map { "node\(n) kswapd_\($0)" } }
        header += ["fallback_rate", "locality", "mean_distance"]
        var out = header.map(quote).joined(separator: ",") + "\n"
        for s in t.samples {
            var row = [String(s.ops), String(format3(s.ms)), String(s.pages), String(s.fallbackPages), String(s.localPages)]
            for i in t.zones.indices { row += [s.free[i], s.min[i], s.low[i], s.high[i]].map(String.init) }
            for i in t.nodes.indices { row += [String(s.kswapdWakeups[i]), String(s.kswapdRuns[i]), s.kswapdAwake[i] ? "1" : "0"] }
            row += [s.fallbackRate, s.locality, s.meanDistance].map { $0.map(format3) ?? "" }
            out += row.joined(separator: ",") + "\n"
        }
        return out
    }

    static func quote(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
    static func format3(_ x: Double) -> String {
        let r = (x * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
