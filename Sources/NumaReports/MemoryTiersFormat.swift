import NumaCore
import NumaTopology

/// The memory tiers of a booted machine as text (`topology show`): each tier as
/// /sys/devices/virtual/memory_tiering/memory_tierN/nodelist lists it, one line per memory node
/// with its demotion targets (the line later kernels print from `establish_demotion_targets`,
/// both lists always given, `%*pbl`), the top-tier rule and the tiering sysctls.
public enum MemoryTiersFormat {
    public static func render(_ m: BootedMachine) -> String {
        let tiers = m.memoryTiers
        let chunk = MemoryType.chunkSize
        var out = "Memory tiers (abstract distance chunks of \(chunk)):\n"
        for t in tiers.tiers {
            out += "memory_tier\(t.id) (abstract distance \(t.adistanceStart)-\(t.adistanceStart + chunk - 1)): nodes \(CPUList.rangeText(t.nodes))\n"
        }
        for n in tiers.memoryNodes {  // for_each_node_state(node, N_MEMORY)
            let d = tiers.demotionTargets(of: n)
            out += "Demotion targets for Node \(n): preferred: \(CPUList.rangeText(d.preferred)), fallback: \(CPUList.rangeText(d.fallback))\n"
        }
        let top = tiers.tiers.filter { tiers.isTopTier($0.nodes[0]) }.map { "memory_tier\($0.id)" }
        out += "top_tier_adistance: \(tiers.topTierAdistance) (top tier: \(top.isEmpty ? "none" : top.joined(separator: ", ")))\n"
        let s = m.topology.sysctl.tiering
        out += "demotion_enabled: \(s.demotionEnabled)   numa_balancing: \(m.numaBalancingMode)"
            + (s.numaBalancing == nil ? " (default)" : "")
            + "   promote_rate_limit_MBps: \(s.promoteRateLimitMBps)   scan_delay_ms: \(s.scanDelayMs)"
            + "   scan_period_min_ms: \(s.scanPeriodMinMs)   scan_period_max_ms: \(s.scanPeriodMaxMs)"
            + "   scan_size_mb: \(s.scanSizeMB)   hot_threshold_ms: \(s.hotThresholdMs)\n"
        return out
    }
}
