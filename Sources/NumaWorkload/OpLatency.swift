import Histogram

/// Wall-clock latency of allocator calls by operation class, one HdrHistogram per class, in
/// nanoseconds. The classes follow the kernel's own split: order 0 (served from the per-CPU
/// lists), orders 1…`PAGE_ALLOC_COSTLY_ORDER` (3), costly orders above it (compaction territory,
/// no pcp before 6.x for THP), and frees.
///
/// Recording costs two clock reads per call, so tasks record only when asked (`stress --latency`).
public struct OpLatency: Sendable {
    public enum OpClass: Int, CaseIterable, Sendable {
        case allocOrder0, allocOrder1to3, allocCostly, free
        public var name: String {
            switch self {
            case .allocOrder0: return "alloc order 0"
            case .allocOrder1to3: return "alloc order 1-3"
            case .allocCostly: return "alloc order >3"
            case .free: return "free"
            }
        }
        /// The JSON key.
        public var key: String {
            switch self {
            case .allocOrder0: return "alloc_order0"
            case .allocOrder1to3: return "alloc_order1_3"
            case .allocCostly: return "alloc_costly"
            case .free: return "free"
            }
        }
        static func alloc(order: Int) -> OpClass { order == 0 ? .allocOrder0 : order <= 3 ? .allocOrder1to3 : .allocCostly }
    }

    /// Two significant digits (1 % resolution) up to a minute keep a histogram at ~25 KiB.
    public var histograms: [Histogram<UInt64>] = OpClass.allCases.map { _ in
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .two)
    }

    public init() {}

    @inline(__always) mutating func record(_ c: OpClass, nanoseconds: UInt64) {
        _ = histograms[c.rawValue].record(max(1, min(nanoseconds, 60_000_000_000)))
    }

    public static func + (l: OpLatency, r: OpLatency) -> OpLatency {
        var m = l
        for i in m.histograms.indices { m.histograms[i].add(r.histograms[i]) }
        return m
    }

    /// Percentiles of one class (nil when nothing was recorded).
    public func summary(_ c: OpClass) -> Summary? {
        let h = histograms[c.rawValue]
        guard h.totalCount > 0 else { return nil }
        return Summary(count: Int(h.totalCount), p50: h.valueAtPercentile(50), p90: h.valueAtPercentile(90),
                       p99: h.valueAtPercentile(99), p999: h.valueAtPercentile(99.9), max: h.max, mean: h.mean)
    }

    public struct Summary: Sendable, Codable, Equatable {
        public var count: Int
        public var p50: UInt64
        public var p90: UInt64
        public var p99: UInt64
        public var p999: UInt64
        public var max: UInt64
        public var mean: Double
    }
}
