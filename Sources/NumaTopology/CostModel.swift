/// What each simulated operation costs on the simulated clock, in nanoseconds (docs/time.md
/// gives every default with its source). A topology may override any of them (`costs:`), or a
/// `--costs FILE` may (same keys); `latency_ns:` gives the memory access latency between nodes
/// and `bandwidth_gbps:` each node's memory bandwidth. Without a latency matrix, the latency
/// from node i to node j is `localAccess × distance[i][j] / 10` (the SLIT is defined as relative
/// latency, 10 = local: ACPI 6.4 §5.2.17).
///
/// The kernel has no such table: this is the one place numasim models time rather than
/// computing what the kernel computes. Everything that depends on time (kswapd racing the
/// allocator, naps, throttling, latency percentiles) is derived from these numbers.
public struct CostModel: Sendable, Equatable {
    /// The costs by key, as the `costs:` mapping names them.
    public enum Key: Int, CaseIterable, Sendable {
        case allocFastPath, freeFastPath, pcpBatch, pcpPerPage, buddySplit, buddyMerge, zeroPage, copyPage, pageFault
        case fileReadPerPage, reclaimScanPerPage, reclaimFreePerPage, refillPerPage, writebackPerPage, swapOut, swapIn
        case localAccess, kswapdNap, jiffy, numaScanPerPte, compactScanPerPage
        /// The key as `costs:` spells it.
        public var name: String { Key.names[rawValue] }
        static let names = ["alloc_fast_path", "free_fast_path", "pcp_batch", "pcp_per_page", "buddy_split", "buddy_merge",
                            "zero_page", "copy_page", "page_fault", "file_read_per_page", "reclaim_scan_per_page",
                            "reclaim_free_per_page", "refill_per_page", "writeback_per_page", "swap_out", "swap_in",
                            "local_access", "kswapd_nap", "jiffy", "numa_scan_per_pte",
                            "compact_scan_per_page"]
        public init?(name: String) {
            guard let i = Key.names.firstIndex(of: name) else { return nil }
            self.init(rawValue: i)
        }
    }

    /// Nanoseconds by key (every key present).
    public private(set) var values: [Int]
    /// Memory access latency in ns between nodes, by node index (from `latency_ns:` or derived
    /// from the SLIT); `latency[i][j]` is a CPU of node i reading memory of node j.
    public var latency: [[Int]]
    /// Memory bandwidth per node in GB/s (`bandwidth_gbps:`), nil when the topology gives none;
    /// it sets the cost of zeroing or copying a page of that node.
    public var bandwidthGBps: [Double]?

    public static let defaults: [Key: Int] = [
        .allocFastPath: 70, .freeFastPath: 50, .pcpBatch: 250, .pcpPerPage: 20,
        .buddySplit: 15, .buddyMerge: 20, .zeroPage: 250, .copyPage: 300, .pageFault: 600,
        .fileReadPerPage: 4_000, .reclaimScanPerPage: 80, .reclaimFreePerPage: 250,
        .refillPerPage: 60, .writebackPerPage: 20_000, .swapOut: 15_000, .swapIn: 12_000,
        .localAccess: 90, .kswapdNap: 100_000_000, .jiffy: 4_000_000, .numaScanPerPte: 30,
        .compactScanPerPage: 10,
    ]

    /// The defaults for a machine with these SLIT distances.
    public init(distances: [[Int]], overrides: [Key: Int] = [:], latencyNs: [[Int]]? = nil, bandwidthGBps: [Double]? = nil) {
        values = Key.allCases.map { overrides[$0] ?? CostModel.defaults[$0]! }
        let local = values[Key.localAccess.rawValue]
        latency = latencyNs ?? distances.map { row in row.map { local * $0 / 10 } }
        self.bandwidthGBps = bandwidthGBps
    }

    /// A topology's model: its `costs:`, `latency_ns:` and `bandwidth_gbps:` over the defaults.
    public init(topology t: Topology) {
        self.init(distances: t.distances, overrides: t.costs.overrides, latencyNs: t.costs.latencyNs,
                  bandwidthGBps: t.costs.bandwidthGBps)
    }

    @inline(__always) public subscript(_ k: Key) -> Int {
        get { values[k.rawValue] }
        set { values[k.rawValue] = newValue }
    }

    /// A page's worth of bytes moved to or from memory of node index `n`: zeroing (`zero`) or
    /// copying; from the node's bandwidth when the topology gives one.
    public func pageMemoryCost(zero: Bool, nodeIndex n: Int) -> Int {
        if let bw = bandwidthGBps, n < bw.count, bw[n] > 0 { return Int((4096.0 / bw[n]).rounded()) * (zero ? 1 : 2) }
        return self[zero ? .zeroPage : .copyPage]
    }
}

/// A topology's cost overrides as its file gives them (validated by the reader).
public struct CostOverrides: Sendable, Equatable {
    public var overrides: [CostModel.Key: Int] = [:]
    public var latencyNs: [[Int]]?
    public var bandwidthGBps: [Double]?
    public init(overrides: [CostModel.Key: Int] = [:], latencyNs: [[Int]]? = nil, bandwidthGBps: [Double]? = nil) {
        self.overrides = overrides
        self.latencyNs = latencyNs
        self.bandwidthGBps = bandwidthGBps
    }
    public var isEmpty: Bool { overrides.isEmpty && latencyNs == nil && bandwidthGBps == nil }
}
