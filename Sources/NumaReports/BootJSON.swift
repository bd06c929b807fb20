import NumaCore
import NumaTopology

/// JSON views of a booted machine (schema described in docs/json.md, `schema` field versioned).
public enum BootJSON {
    public static let schemaVersion = "numasim.boot/1"

    public struct Machine: Codable, Equatable {
        public var schema: String
        public var name: String
        public var arch: String
        public var minFreeKbytes: Int
        public var calculatedMinFreeKbytes: Int
        public var thpEnabled: Bool
        public var thpRecommendedMinFreeKbytes: Int?
        public var totalreservePages: Int
        public var policyZone: String
        public var totalPagesAtBuild: Int
        public var mobilityGrouping: Bool
        public var onlineCPUs: Int
        public var nodes: [Node]
        public var zonelists: ZonelistsJSON
        public var memoryTiers: [MemoryTierJSON]
        public var demotionTargets: [String: DemotionTargetsJSON]
        public var topTierAdistance: Int
        public var tieringSysctls: TieringSysctlsJSON

        enum CodingKeys: String, CodingKey {
            case schema, name, arch, nodes, zonelists
            case memoryTiers = "memory_tiers", demotionTargets = "demotion_targets"
            case topTierAdistance = "top_tier_adistance", tieringSysctls = "tiering_sysctls"
            case minFreeKbytes = "min_free_kbytes", calculatedMinFreeKbytes = "calculated_min_free_kbytes"
            case thpEnabled = "thp_enabled", thpRecommendedMinFreeKbytes = "thp_recommended_min_free_kbytes"
            case totalreservePages = "totalreserve_pages", policyZone = "policy_zone"
            case totalPagesAtBuild = "total_pages_at_build", mobilityGrouping = "mobility_grouping"
            case onlineCPUs = "online_cpus"
        }
    }

    public struct Node: Codable, Equatable {
        public var id: Int
        public var cpus: String
        public var distances: [String: Int]
        public var managedPages: Int
        public var freePages: Int
        public var totalreservePages: Int
        public var minUnmappedPages: Int
        public var minSlabPages: Int
        public var zones: [Zone]

        enum CodingKeys: String, CodingKey {
            case id, cpus, distances, zones
            case managedPages = "managed_pages", freePages = "free_pages", totalreservePages = "totalreserve_pages"
            case minUnmappedPages = "min_unmapped_pages", minSlabPages = "min_slab_pages"
        }
    }

    public struct Zone: Codable, Equatable {
        public var name: String
        public var index: Int
        public var populated: Bool
        public var startPfn: Int
        public var spanned: Int
        public var present: Int
        public var managed: Int
        public var free: Int
        public var min: Int
        public var low: Int
        public var high: Int
        public var promo: Int
        public var boost: Int
        public var protection: [Int]
        public var pcpHigh: Int
        public var pcpBatch: Int
        public var statThreshold: Int

        enum CodingKeys: String, CodingKey {
            case name, index, populated, spanned, present, managed, free, min, low, high, promo, boost, protection
            case startPfn = "start_pfn", pcpHigh = "pcp_high", pcpBatch = "pcp_batch", statThreshold = "stat_threshold"
        }
    }

    public struct ZonelistsJSON: Codable, Equatable {
        /// Boot build (x86: no CPUs in node masks yet).
        public var boot: [String: NodeZonelist]
        /// Rebuild with CPUs in their nodes.
        public var rebuild: [String: NodeZonelist]
    }

    public struct NodeZonelist: Codable, Equatable {
        public var fallbackOrder: [Int]
        public var fallback: [String]
        public var nofallback: [String]
        enum CodingKeys: String, CodingKey { case fallbackOrder = "fallback_order", fallback, nofallback }
    }

    public static func zonelists(_ m: BootedMachine) -> ZonelistsJSON {
        func convert(_ z: Zonelists) -> [String: NodeZonelist] {
            var out: [String: NodeZonelist] = [:]
            for id in z.nodes {
                out[String(id)] = NodeZonelist(
                    fallbackOrder: z.nodeOrder[id] ?? [],
                    fallback: (z.fallback[id] ?? []).map { "\($0.node):\(m.zoneNames[$0.zone])" },
                    nofallback: (z.noFallback[id] ?? []).map { "\($0.node):\(m.zoneNames[$0.zone])" })
            }
            return out
        }
        return ZonelistsJSON(boot: convert(m.bootZonelists), rebuild: convert(m.rebuiltZonelists))
    }

    public static func machine(_ m: BootedMachine) -> Machine {
        Machine(
            schema: schemaVersion, name: m.topology.name, arch: m.topology.arch.rawValue,
            minFreeKbytes: m.minFreeKbytes, calculatedMinFreeKbytes: m.calculatedMinFreeKbytes,
            thpEnabled: m.thpEnabled, thpRecommendedMinFreeKbytes: m.thpRecommendedMinFreeKbytes,
            totalreservePages: m.totalReservePages, policyZone: m.zoneNames[m.policyZone],
            totalPagesAtBuild: m.totalPagesAtBuild, mobilityGrouping: m.mobilityGrouping, onlineCPUs: m.onlineCPUs,
            nodes: m.nodeIDs.map { id in
                let zones = m.zones[id]!
                var distances: [String: Int] = [:]
                for other in m.nodeIDs { distances[String(other)] = m.topology.distance(from: id, to: other) }
                return Node(
                    id: id, cpus: m.cpus(ofNode: id).description, distances: distances,
                    managedPages: zones.reduce(0) { $0 + $1.managed }, freePages: zones.reduce(0) { $0 + $1.free },
                    totalreservePages: m.nodeTotalReserve[id] ?? 0, minUnmappedPages: m.minUnmappedPages[id] ?? 0,
                    minSlabPages: m.minSlabPages[id] ?? 0,
                    zones: zones.map { z in
                        Zone(name: z.name, index: z.index, populated: z.isPopulated, startPfn: z.startPfn,
                             spanned: z.spanned, present: z.present, managed: z.managed, free: z.free,
                             min: z.watermark.minPages, low: z.watermark.lowPages, high: z.watermark.highPages,
                             promo: z.watermark.promo + z.watermark.boost, boost: z.watermark.boost,
                             protection: z.lowmemReserve, pcpHigh: z.pcpHigh, pcpBatch: z.pcpBatch,
                             statThreshold: z.statThreshold)
                    })
            },
            zonelists: zonelists(m),
            memoryTiers: m.memoryTiers.tiers.map { MemoryTierJSON(id: $0.id, nodes: $0.nodes) },
            demotionTargets: demotionTargets(m.memoryTiers),
            topTierAdistance: m.memoryTiers.topTierAdistance,
            tieringSysctls: TieringSysctlsJSON(m))
    }
}
