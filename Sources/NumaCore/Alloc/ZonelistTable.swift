/// One entry of a zonelist as the fast path reads it: the node id, its index, the zone index.
struct ZonelistEntry: Sendable {
    var node: Int
    var nodeIndex: Int
    var zone: Int
}

/// The zonelists of every node as flat buffers: `list(nodeIndex:thisNode:)` gives FALLBACK or
/// NOFALLBACK. Trivial storage (no reference counting on the fast path); the allocator frees
/// the previous generation when it rebuilds (between phases only).
struct ZonelistTable: @unchecked Sendable {
    let storage: UnsafeMutableBufferPointer<ZonelistEntry>
    /// Per node index: fallback start, fallback count, nofallback start, nofallback count.
    let spans: UnsafeMutableBufferPointer<Int>

    init(_ z: Zonelists, nodeIDs: [Int], nodeIndex: IDTable) {
        var all: [ZonelistEntry] = []
        var spans: [Int] = []
        for id in nodeIDs {
            let f = (z.fallback[id] ?? []).map { ZonelistEntry(node: $0.node, nodeIndex: nodeIndex[$0.node]!, zone: $0.zone) }
            let nf = (z.noFallback[id] ?? []).map { ZonelistEntry(node: $0.node, nodeIndex: nodeIndex[$0.node]!, zone: $0.zone) }
            spans += [all.count, f.count, all.count + f.count, nf.count]
            all += f + nf
        }
        storage = .allocate(capacity: Swift.max(1, all.count))
        _ = storage.initialize(from: all)
        self.spans = .allocate(capacity: Swift.max(1, spans.count))
        _ = self.spans.initialize(from: spans)
    }

    func deallocate() {
        storage.deallocate()
        spans.deallocate()
    }

    @inline(__always) func list(nodeIndex n: Int, thisNode: Bool) -> UnsafeBufferPointer<ZonelistEntry> {
        let k = n &* 4 &+ (thisNode ? 2 : 0)
        return UnsafeBufferPointer(start: storage.baseAddress! + spans[k], count: spans[k &+ 1])
    }
}
