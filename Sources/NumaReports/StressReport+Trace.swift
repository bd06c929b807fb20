import Foundation
import NumaWorkload

/// The `trace` section of a `stress --trace` result (docs/json.md) and its text block: how many
/// events of the kernel trace (perf script or ftrace text of 6.1's `kmem:mm_page_alloc` and
/// `kmem:mm_page_free`) were replayed and skipped, and how often numasim put an allocation on
/// the node and the zone where the kernel's pfn lies.
extension StressReport {
    public struct Trace: Codable, Sendable, Equatable {
        public var file: String
        /// Every event line read; `events == replayed + Σ skipped`.
        public var events: Int
        public var replayed: Int
        /// Reason → events.
        public var skipped: [String: Int]
        /// Allocations whose kernel pfn the topology places (in a populated zone's span).
        public var compared: Int
        /// Of `compared`, served by numasim from the kernel's node, and from its node and zone,
        /// in percent; null when nothing could be compared.
        public var same_node_pct: Double?
        public var same_zone_pct: Double?
        public var migratetype_mismatches: Int
        public var gfp_not_modelled: [String: Int]

        public init(_ s: TraceReplayStats) {
            file = s.file; events = s.events; replayed = s.replayed; skipped = s.skipped; compared = s.compared
            same_node_pct = s.sameNodePercent; same_zone_pct = s.sameZonePercent
            migratetype_mismatches = s.migratetypeMismatches; gfp_not_modelled = s.gfpNotModelled
        }

        enum CodingKeys: String, CodingKey {
            case file, events, replayed, skipped, compared, same_node_pct, same_zone_pct, migratetype_mismatches, gfp_not_modelled
        }

        /// The two percentages are written as null when absent, not left out: a script reads them
        /// from every trace result.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(events, forKey: .events)
            try c.encode(replayed, forKey: .replayed)
            try c.encode(skipped, forKey: .skipped)
            try c.encode(compared, forKey: .compared)
            try c.encode(same_node_pct, forKey: .same_node_pct)
            try c.encode(same_zone_pct, forKey: .same_zone_pct)
            try c.encode(migratetype_mismatches, forKey: .migratetype_mismatches)
            try c.encode(gfp_not_modelled, forKey: .gfp_not_modelled)
        }
    }

    /// The text block: a few lines after the inspect tables.
    public var traceText: String {
        guard let t = trace else { return "" }
        let skippedTotal = t.skipped.values.reduce(0, +)
        var out = "Trace replay (\(t.file)): \(t.events) events, \(t.replayed) replayed, \(skippedTotal) skipped\n"
        for (reason, n) in t.skipped.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) { out += "  skipped \(n): \(reason)\n" }
        if let node = t.same_node_pct, let zone = t.same_zone_pct {
            out += String(format: "  same node as the kernel: %.2f%%, same zone: %.2f%% of %d allocations whose pfn the topology places\n",
                          node, zone, t.compared)
        } else {
            out += "  no allocation's pfn lies in the topology's memory: nothing to compare with the kernel's placement\n"
        }
        out += "  migratetype differing from gfp_flags: \(t.migratetype_mismatches)"
        if !t.gfp_not_modelled.isEmpty {
            out += "; GFP flags accepted, not modelled: " + t.gfp_not_modelled.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return out + "\n"
    }
}
