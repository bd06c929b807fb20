import NumaTopology

/// The memory tiers of Linux 6.1 and each node's demotion targets (mm/memory-tiers.c:
/// `find_create_memory_tier`, `set_node_memory_tier`, `establish_demotion_targets`,
/// `node_is_toptier`, `node_get_allowed_targets`).
///
/// Every node with memory (N_MEMORY) has a memory type with an abstract distance (576 for DRAM,
/// 2880 for dax/kmem; `MemoryType`). A tier covers one chunk of 128 abstract-distance units:
/// `adistance_start = round_down(adistance, MEMTIER_CHUNK_SIZE)`, device `memory_tier<id>` with
/// `id = adistance_start >> MEMTIER_CHUNK_BITS`; the tiers are kept by increasing
/// `adistance_start`, fastest first.
///
/// `establish_demotion_targets`, for each node with memory not in the last tier: the next
/// tier's nodes are the only candidates of `find_next_best_node` (every other memory node is put
/// in the used mask, the node itself included), called until the distance of the pick differs
/// from the first pick's; every pick until then goes in `preferred`. `node_load` is the array
/// the last zonelist build left. Then `top_tier_adistance` is set from the slowest tier that has
/// a node with CPUs (N_CPU), and each tier's `lower_tier_mask` is every memory node in the tiers
/// after it: the fallback of a demotion (`node_get_allowed_targets`).
public struct MemoryTiers: Equatable, Sendable {
    /// One `struct memory_tier`.
    public struct Tier: Equatable, Sendable {
        /// The device id: `memory_tier<id>` in /sys/devices/virtual/memory_tiering.
        public var id: Int
        public var adistanceStart: Int
        /// `get_memtier_nodemask`: the nodes of every memory type in the tier, ascending.
        public var nodes: [Int]
        /// `lower_tier_mask`: the memory nodes of every slower tier, ascending.
        public var lowerTierMask: [Int]
    }

    /// The `memory_tiers` list: by increasing abstract distance.
    public private(set) var tiers: [Tier] = []
    /// `node_demotion[node].preferred`, ascending; absent = empty.
    public private(set) var preferred: [Int: [Int]] = [:]
    /// `top_tier_adistance` (a static int: 0 until a tier with CPUs is seen, then kept).
    public private(set) var topTierAdistance = 0
    /// Tier index of each node with memory.
    private var tierIndex: [Int: Int] = [:]

    public init() {}

    /// The tiers and demotion targets for the nodes with memory `memoryNodes`, as
    /// `establish_demotion_targets` computes them. `adistance`: each node's memory type's
    /// abstract distance; `hasCPUs`: the node's CPU mask is not empty (every CPU is online);
    /// `nodeLoad`: `node_load[]` of the last zonelist build; `previous`: the tiers before this
    /// call, whose `top_tier_adistance` stays if no tier has CPUs.
    public static func establish(memoryNodes: [Int], adistance: (Int) -> Int, hasCPUs: (Int) -> Bool,
                                 distance: (Int, Int) -> Int, nodeLoad: (Int) -> Int, maxNumNodes: Int,
                                 previous: MemoryTiers = MemoryTiers()) -> MemoryTiers {
        var result = MemoryTiers()
        let nodes = memoryNodes.sorted()
        // find_create_memory_tier: one tier per abstract-distance chunk, by increasing start.
        var byStart: [Int: [Int]] = [:]
        for n in nodes {
            byStart[adistance(n) & ~(MemoryType.chunkSize - 1), default: []].append(n)
        }
        result.tiers = byStart.keys.sorted().map {
            Tier(id: $0 >> MemoryType.chunkBits, adistanceStart: $0, nodes: byStart[$0]!, lowerTierMask: [])
        }
        for (i, tier) in result.tiers.enumerated() { for n in tier.nodes { result.tierIndex[n] = i } }

        for node in nodes {
            let t = result.tierIndex[node]!
            guard t + 1 < result.tiers.count else { continue }  // list_is_last: no lower tier
            let picks = NextBestNode.order(result.tiers[t + 1].nodes) { n in
                NextBestNode.value(distance: distance(node, n), belowLocal: n < node, hasCPUs: hasCPUs(n),
                                   load: nodeLoad(n), maxNumNodes: maxNumNodes)
            }
            let best = distance(node, picks[0])
            result.preferred[node] = picks.prefix { distance(node, $0) == best }.sorted()
        }

        result.topTierAdistance = previous.topTierAdistance
        if let top = result.tiers.last(where: { $0.nodes.contains(where: hasCPUs) }) {
            result.topTierAdistance = top.adistanceStart + MemoryType.chunkSize - 1
        }

        var lower = Set(nodes)
        for i in result.tiers.indices {
            lower.subtract(result.tiers[i].nodes)
            result.tiers[i].lowerTierMask = lower.sorted()
        }
        return result
    }

    /// The nodes with memory (N_MEMORY), ascending: those in a tier.
    public var memoryNodes: [Int] { tierIndex.keys.sorted() }

    /// The tier of a node with memory (`pgdat->memtier`); nil for a node without memory.
    public func tier(of node: Int) -> Tier? { tierIndex[node].map { tiers[$0] } }

    /// Where reclaim demotes a page of `node`: `preferred` (`next_demotion_node` picks one of
    /// them at random) and the allowed fallback (`node_get_allowed_targets`: the node's tier's
    /// `lower_tier_mask`). Both empty for a node in the last tier or without memory.
    public func demotionTargets(of node: Int) -> (preferred: [Int], fallback: [Int]) {
        (preferred[node] ?? [], tier(of: node)?.lowerTierMask ?? [])
    }

    /// `node_is_toptier`: a node without memory tier is top tier; otherwise its tier's
    /// `adistance_start` is at most `top_tier_adistance`. NUMA balancing promotes only pages of
    /// nodes that are not.
    public func isTopTier(_ node: Int) -> Bool {
        guard let t = tier(of: node) else { return true }
        return t.adistanceStart <= topTierAdistance
    }
}
