import NumaEngine

/// Which nodes the live status line of `stress` shows: those under memory pressure, the worst
/// first, rather than always the first few. A node is under pressure when its free pages (its
/// populated zones summed) are below the sum of their high watermarks — `pgdat_balanced`
/// (mm/vmscan.c, Linux 6.1) asks every zone for free ≥ high before kswapd may sleep — or when
/// its kswapd is awake. The worst is the one with the least free memory relative to its high
/// watermark. Amounts are in MiB (pages × 4 KiB).
public struct NodePressure: Sendable, Equatable {
    public var node: Int
    /// Free, low and high watermark pages, summed over the node's populated zones.
    public var free: Int
    public var low: Int
    public var high: Int
    public var kswapdAwake: Bool

    public init(node: Int, free: Int, low: Int, high: Int, kswapdAwake: Bool) {
        self.node = node; self.free = free; self.low = low; self.high = high; self.kswapdAwake = kswapdAwake
    }

    public var underPressure: Bool { free < high || kswapdAwake }
    /// free / high (∞ for a node without memory).
    public var headroom: Double { high > 0 ? Double(free) / Double(high) : .infinity }

    /// Every node of the sample, in timeline order.
    public static func nodes(_ s: TimelineSample, _ t: Timeline) -> [NodePressure] {
        t.nodes.enumerated().map { n, id in
            let cols = t.zones.indices.filter { t.zones[$0].hasPrefix("\(id):") }
            return NodePressure(node: id, free: cols.reduce(0) { $0 + s.free[$1] }, low: cols.reduce(0) { $0 + s.low[$1] },
                                high: cols.reduce(0) { $0 + s.high[$1] }, kswapdAwake: n < s.kswapdAwake.count && s.kswapdAwake[n])
        }
    }

    /// The nodes to show (at most `limit`) and how many more are under pressure: the nodes under
    /// pressure, least headroom first (ties: lower id); when none is, the one with the least
    /// headroom, so the line still says how close the machine is.
    public static func select(_ all: [NodePressure], limit: Int = 3) -> (shown: [NodePressure], more: Int) {
        let order: (NodePressure, NodePressure) -> Bool = { a, b in
            a.headroom != b.headroom ? a.headroom < b.headroom : a.node < b.node
        }
        let pressed = all.filter(\.underPressure).sorted(by: order)
        if pressed.isEmpty { return (Array(all.filter { $0.high > 0 }.sorted(by: order).prefix(1)), 0) }
        return (Array(pressed.prefix(limit)), Swift.max(0, pressed.count - limit))
    }

    /// Pages as MiB (4 KiB pages): whole MiB from 10 up, one decimal below.
    public static func mib(_ pages: Int) -> String {
        let m = Double(pages) / 256
        return m >= 10 ? String(format: "%.0f", m) : String(format: "%.1f", m)
    }

    /// `node3 free 12 MiB < low 20 high 24 MiB, kswapd awake`.
    public var text: String {
        let mark = free < low ? "<" : free < high ? "<" : "≥"
        let against = free < low ? "low \(Self.mib(low))" : "high \(Self.mib(high))"
        return "node\(node) free \(Self.mib(free)) \(mark) \(against) MiB, kswapd \(kswapdAwake ? "awake" : "asleep")"
    }

    /// The status line's node part.
    public static func statusText(_ s: TimelineSample, _ t: Timeline, limit: Int = 3) -> String {
        let (shown, more) = select(nodes(s, t), limit: limit)
        guard let first = shown.first else { return "no node with memory" }
        if !first.underPressure { return "no pressure: \(first.text)" }
        return shown.map(\.text).joined(separator: " | ") + (more > 0 ? " | +\(more) more under pressure" : "")
    }
}
