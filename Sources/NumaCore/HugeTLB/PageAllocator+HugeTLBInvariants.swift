/// The hugetlb pools' part of `PageAllocator.checkInvariants()`: every pool page is one whole
/// allocated compound block of the hstate's order (never on a free list, a per-CPU list or the
/// LRU, never half a block), in the zone and node it records, held exactly once (on one node's
/// free list or the active list); and the hstate's counters add up as mm/hugetlb.c keeps them:
/// per node, free = the free list's length, nr = free + in use on that node, surplus <= nr;
/// globally the sums, and resv <= free.
extension PageAllocator {
    func checkHugeTLBInvariants(_ reports: inout [Zone.InvariantReport]) {
        var firstReport: [Int] = []
        var k = 0
        for node in nodes { firstReport.append(k); k += node.zones.count }
        func fail(_ n: Int, _ zi: Int, _ s: String) {
            let i = n < firstReport.count ? firstReport[n] + zi : 0
            guard i < reports.count, reports[i].violations.count < 20 else { return }
            reports[i].violations.append("hugetlb: \(s)")
        }
        for h in hugetlb.hstates {
            var seen = Set<Int>()
            var inUse = Array(repeating: 0, count: nodes.count)
            func check(_ b: AllocatedBlock, _ place: String) {
                guard let n = nodeIndex[b.node], b.zone < nodes[n].zones.count else {
                    return fail(0, 0, "\(h.name) page at pfn \(b.pfn) (\(place)) records node \(b.node) zone \(b.zone), which this machine does not have")
                }
                let z = nodes[n].zones[b.zone]
                if !seen.insert(b.pfn).inserted { fail(n, b.zone, "\(h.name) page at pfn \(b.pfn) is held twice (\(place))") }
                guard b.order == h.order, z.memmap.contains(pfn: b.pfn), b.pfn + (1 << b.order) <= z.endPfn else {
                    return fail(n, b.zone, "\(h.name) page at pfn \(b.pfn) order \(b.order) (\(place)) is not an order-\(h.order) block of \(z.name)")
                }
                if z.memmap.flags(pfn: b.pfn) != .allocated || z.memmap.order(pfn: b.pfn) != h.order {
                    fail(n, b.zone, "\(h.name) page at pfn \(b.pfn) (\(place)) is not an allocated order-\(h.order) block (flags \(z.memmap.flags(pfn: b.pfn).rawValue), order \(z.memmap.order(pfn: b.pfn)))")
                }
            }
            for (n, list) in h.freeLists.enumerated() {
                for b in list {
                    check(b, "free list of node \(nodeIDs[n])")
                    if b.node != nodeIDs[n] { fail(n, 0, "\(h.name) page at pfn \(b.pfn) of node \(b.node) is on node \(nodeIDs[n])'s free list") }
                }
                if list.count != h.freeHugePagesNode[n] {
                    fail(n, 0, "\(h.name) free_huge_pages_node[\(nodeIDs[n])] = \(h.freeHugePagesNode[n]), but its free list holds \(list.count)")
                }
            }
            for b in h.activeList {
                check(b, "in use")
                if let n = nodeIndex[b.node] { inUse[n] += 1 }
            }
            for n in nodes.indices {
                if h.nrHugePagesNode[n] != h.freeHugePagesNode[n] + inUse[n] {
                    fail(n, 0, "\(h.name) nr_huge_pages_node[\(nodeIDs[n])] = \(h.nrHugePagesNode[n]), but \(h.freeHugePagesNode[n]) are free and \(inUse[n]) in use")
                }
                if h.surplusHugePagesNode[n] < 0 || h.surplusHugePagesNode[n] > h.nrHugePagesNode[n] {
                    fail(n, 0, "\(h.name) surplus_huge_pages_node[\(nodeIDs[n])] = \(h.surplusHugePagesNode[n]) outside 0…\(h.nrHugePagesNode[n])")
                }
            }
            if h.nrHugePages != h.nrHugePagesNode.reduce(0, +) || h.freeHugePages != h.freeHugePagesNode.reduce(0, +)
                || h.surplusHugePages != h.surplusHugePagesNode.reduce(0, +) {
                fail(0, 0, "\(h.name) global counts (nr \(h.nrHugePages), free \(h.freeHugePages), surplus \(h.surplusHugePages)) are not the sums of the per-node counts")
            }
            if h.resvHugePages < 0 || h.resvHugePages > h.freeHugePages {
                fail(0, 0, "\(h.name) resv_huge_pages = \(h.resvHugePages) outside 0…free_huge_pages (\(h.freeHugePages))")
            }
        }
    }
}
