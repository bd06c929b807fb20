import Foundation
import NumaProcess

/// The text and JSON views of memory tiers during process phases: per node its tier, used pages
/// at the start and end, pages promoted in (PGPROMOTE_SUCCESS) and demoted out (`pgdemote_*`),
/// the most promoted within one rate-limit window against the limit, and where each `pattern:`
/// touch's hot set ended (`tiers` and `hot_sets` in `address_spaces` of `--json`).
extension AddressSpaceReport {
    public struct TiersJSON: Codable, Sendable {
        public struct Sample: Codable, Sendable {
            public var ms: Double
            public var used, promoted, demoted: [Int]
            public var numa_hint_faults: Int
        }
        public var interval_ms: Double
        public var nodes: [Int]
        public var top_tier: [Bool]
        public var managed: [Int]
        public var max_promoted_per_window: [Int]
        public var promote_rate_limit_pages: Int
        public var samples: [Sample]
    }

    public struct HotSetJSON: Codable, Sendable {
        public var process, step: String
        public var pages, resident, top_tier, on_cpu_node: Int
    }

    var tiersJSON: TiersJSON? {
        guard let t = tiers else { return nil }
        return TiersJSON(interval_ms: t.intervalMs, nodes: t.nodes, top_tier: t.topTier, managed: t.managed,
                         max_promoted_per_window: t.maxPromotedPerWindow, promote_rate_limit_pages: t.rateLimitPages,
                         samples: t.samples.map { .init(ms: $0.ms, used: $0.used, promoted: $0.promoted, demoted: $0.demoted,
                                                        numa_hint_faults: $0.hintFaults) })
    }

    var hotSetsJSON: [HotSetJSON] {
        hotSets.map { HotSetJSON(process: $0.process, step: $0.step, pages: $0.pages, resident: $0.resident, top_tier: $0.topTier,
                              on_cpu_node: $0.onCPUNode) }
    }

    /// The text lines (empty when nothing moved between tiers and no hot set was measured).
    public var tiersText: String {
        guard let t = tiers, t.isActive || !hotSets.isEmpty, let first = t.samples.first, let last = t.samples.last else { return "" }
        var out = String(format: "memory tiers over %.1f–%.1f ms simulated (process phases):\n", first.ms, last.ms)
        for (n, id) in t.nodes.enumerated() {
            out += "  node \(id) (\(t.topTier[n] ? "top tier" : "lower tier")): used \(first.used[n]) → \(last.used[n]) of \(t.managed[n]) pages"
            if last.promoted[n] > 0 {
                out += ", promoted in \(last.promoted[n]) (most in one rate-limit window \(t.maxPromotedPerWindow[n]), limit \(t.rateLimitPages))"
            }
            if last.demoted[n] > 0 { out += ", demoted out \(last.demoted[n])" }
            out += "\n"
        }
        for h in hotSets {
            let share = h.resident > 0 ? Double(h.topTier) / Double(h.resident) * 100 : 0
            out += "  hot set of \(h.process) \(h.step): \(h.pages) pages, \(h.resident) resident, \(h.topTier) on the top tier"
                + String(format: " (%.1f %%), %d on the touching CPU's node\n", share, h.onCPUNode)
        }
        return out
    }
}
