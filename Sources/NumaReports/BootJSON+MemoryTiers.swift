import NumaCore
import NumaTopology

/// The memory tiers in the boot JSON (docs/json.md): `memory_tiers`, `demotion_targets`,
/// `top_tier_adistance`, `tiering_sysctls`.
extension BootJSON {
    /// One memory tier: `memory_tier<id>` and its nodes.
    public struct MemoryTierJSON: Codable, Equatable {
        public var id: Int
        public var nodes: [Int]
    }

    /// `node_demotion[node].preferred` and the allowed fallback (`lower_tier_mask`).
    public struct DemotionTargetsJSON: Codable, Equatable {
        public var preferred: [Int]
        public var fallback: [Int]
    }

    public struct TieringSysctlsJSON: Codable, Equatable {
        public var demotionEnabled: Bool
        public var numaBalancing: Int
        public var promoteRateLimitMBps: Int
        public var scanDelayMs: Int
        public var scanPeriodMinMs: Int
        public var scanPeriodMaxMs: Int
        public var scanSizeMB: Int
        public var hotThresholdMs: Int

        enum CodingKeys: String, CodingKey {
            case demotionEnabled = "demotion_enabled", numaBalancing = "numa_balancing"
            case promoteRateLimitMBps = "numa_balancing_promote_rate_limit_MBps"
            case scanDelayMs = "numa_balancing_scan_delay_ms", scanPeriodMinMs = "numa_balancing_scan_period_min_ms"
            case scanPeriodMaxMs = "numa_balancing_scan_period_max_ms", scanSizeMB = "numa_balancing_scan_size_mb"
            case hotThresholdMs = "numa_balancing_hot_threshold_ms"
        }

        init(_ m: BootedMachine) {
            let s = m.topology.sysctl.tiering
            demotionEnabled = s.demotionEnabled
            numaBalancing = m.numaBalancingMode
            promoteRateLimitMBps = s.promoteRateLimitMBps
            scanDelayMs = s.scanDelayMs
            scanPeriodMinMs = s.scanPeriodMinMs
            scanPeriodMaxMs = s.scanPeriodMaxMs
            scanSizeMB = s.scanSizeMB
            hotThresholdMs = s.hotThresholdMs
        }
    }

    /// Every node with memory, keyed by its id as a string.
    static func demotionTargets(_ tiers: MemoryTiers) -> [String: DemotionTargetsJSON] {
        var out: [String: DemotionTargetsJSON] = [:]
        for n in tiers.memoryNodes {
            let d = tiers.demotionTargets(of: n)
            out[String(n)] = DemotionTargetsJSON(preferred: d.preferred, fallback: d.fallback)
        }
        return out
    }
}
