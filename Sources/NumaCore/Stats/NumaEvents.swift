/// `vm_numa_event` counters of a zone (NUMA_HIT … NUMA_OTHER), summed per node for
/// `/sys/devices/system/node/nodeN/numastat`.
public struct NumaEvents: Sendable, Equatable, Codable {
    public var numaHit = 0
    public var numaMiss = 0
    public var numaForeign = 0
    public var interleaveHit = 0
    public var localNode = 0
    public var otherNode = 0

    public init() {}

    public static func + (a: NumaEvents, b: NumaEvents) -> NumaEvents {
        var r = a
        r.numaHit += b.numaHit; r.numaMiss += b.numaMiss; r.numaForeign += b.numaForeign
        r.interleaveHit += b.interleaveHit; r.localNode += b.localNode; r.otherNode += b.otherNode
        return r
    }

    /// The kernel's names, in numastat order.
    public var named: [(String, Int)] {
        [("numa_hit", numaHit), ("numa_miss", numaMiss), ("numa_foreign", numaForeign),
         ("interleave_hit", interleaveHit), ("local_node", localNode), ("other_node", otherNode)]
    }

    enum CodingKeys: String, CodingKey {
        case numaHit = "numa_hit", numaMiss = "numa_miss", numaForeign = "numa_foreign"
        case interleaveHit = "interleave_hit", localNode = "local_node", otherNode = "other_node"
    }
}
