import NumaCore

/// Memory tiers over simulated time during process phases: each node's used pages and the
/// cumulative pages promoted into it (PGPROMOTE_SUCCESS) and demoted out of it (its
/// `pgdemote_*`), sampled every `intervalMs` of simulated time, plus the machine's NUMA hinting
/// faults. The HTML report draws occupancy by tier and promotion/demotion rates from it.
public struct TierTimeline: Sendable, Equatable {
    public var intervalMs: Double
    /// Node ids (nodes with memory), whether each is in the top tier, and its managed pages.
    public var nodes: [Int]
    public var topTier: [Bool]
    public var managed: [Int]
    public var samples: [TierSample] = []
    /// Per node: the most pages promoted into it within one of the kernel's promotion
    /// rate-limit windows (`NodePromotionState.maxPromotedPerWindow`), and the limit in pages
    /// (`numa_balancing_promote_rate_limit_MBps` << 8) when last sampled.
    public var maxPromotedPerWindow: [Int] = []
    public var rateLimitPages = 0

    public init(_ a: PageAllocator, intervalMs: Double = 100) {
        self.intervalMs = intervalMs
        nodes = a.nodeIDs
        topTier = a.nodeIDs.map { a.isTopTier(node: $0) }
        managed = a.nodes.map { $0.zones.reduce(0) { $0 + $1.managed } }
    }

    /// Appends a sample of the machine at simulated time `ns`.
    public mutating func sample(_ a: PageAllocator, atNanoseconds ns: Int) {
        samples.append(TierSample(
            ms: Double(ns) / 1e6,
            used: a.nodes.enumerated().map { managed[$0.offset] - $0.element.zones.reduce(0) { $0 + $1.nrFreePages } },
            promoted: a.nodes.map(\.promotion.promoted), demoted: a.nodes.map(\.reclaim.demoted),
            hintFaults: a.vmEvents[.numaHintFaults]))
        maxPromotedPerWindow = a.nodes.map(\.promotion.maxPromotedPerWindow)
        rateLimitPages = a.machine.topology.sysctl.tiering.promoteRateLimitMBps << (20 - 12)
    }

    /// Whether anything moved between tiers or NUMA balancing faulted (what makes the report's
    /// tier section worth showing).
    public var isActive: Bool {
        guard let last = samples.last else { return false }
        return last.hintFaults > 0 || last.promoted.contains { $0 > 0 } || last.demoted.contains { $0 > 0 }
    }

    /// The most pages promoted into any node within `windowMs` of simulated time (a sliding
    /// window over the samples; the kernel's own rate-limit windows are in `NodePromotionState`).
    public func maxPromoted(withinMs windowMs: Double) -> Int {
        var best = 0
        for (i, s) in samples.enumerated() {
            var j = i
            while j + 1 < samples.count && samples[j + 1].ms - s.ms <= windowMs { j += 1 }
            for n in nodes.indices { best = max(best, samples[j].promoted[n] - s.promoted[n]) }
        }
        return best
    }
}

public struct TierSample: Sendable, Equatable {
    public var ms: Double
    public var used: [Int]
    public var promoted: [Int]
    public var demoted: [Int]
    public var hintFaults: Int
}

/// Where a touch step's hot set ended: at the end of a `pattern:` touch, how many of its hot
/// pages (the `hot` prefix for `pattern: hot`, the whole range otherwise) are resident, how
/// many of those on a top-tier node, and how many on the node of the touching thread's CPU.
public struct HotSetPlacement: Sendable, Equatable {
    public var process: String
    /// Where in the workload: `processes[i].threads[k].steps[s]`.
    public var step: String
    public var pages: Int
    public var resident: Int
    public var topTier: Int
    public var onCPUNode: Int

    public init(process: String, step: String, pages: Int, resident: Int, topTier: Int, onCPUNode: Int) {
        self.process = process
        self.step = step
        self.pages = pages
        self.resident = resident
        self.topTier = topTier
        self.onCPUNode = onCPUNode
    }
}

extension SimulatedProcess {
    /// The node of a CPU (nil for a CPU the machine does not have).
    public func allocatorNode(ofCPU cpu: Int) -> Int? { allocator.node(ofCPU: cpu) }

    /// The placement of the `count` pages from `start`: resident, on the top tier, on `node`.
    public func placement(from start: UInt64, pages count: Int, node cpuNode: Int?) -> (resident: Int, topTier: Int, onNode: Int) {
        var resident = 0, top = 0, local = 0
        for k in 0..<count {
            guard let b = pages[(start >> 12) + UInt64(k)] else { continue }
            let node: Int
            if allocator.isOwned(b) { node = b.node } else if let m = allocator.followMigration(b) { node = m.node } else { continue }
            resident += 1
            if allocator.isTopTier(node: node) { top += 1 }
            if node == cpuNode { local += 1 }
        }
        return (resident, top, local)
    }
}
