/// Cheap checks of a node (`NUMASIM_INTERNAL_CHECKS`, debug builds; see Zone+CheckInvariants).
extension PGData {
    #if NUMASIM_INTERNAL_CHECKS
    /// Every MAX_NR_ZONES zone is the node's, in index order; the pending kswapd request names
    /// a zone or none; the SLIT row covers every node.
    @inline(never)
    func _checkInvariants(nodeCount: Int) {
        precondition(zones.count == reclaim.noRequest, "node \(nodeID): \(zones.count) zones, MAX_NR_ZONES \(reclaim.noRequest)")
        for (i, z) in zones.enumerated() {
            precondition(z.node == nodeID && z.index == i, "node \(nodeID): zone \(i) is \(z.node):\(z.index)")
        }
        precondition(distances.count == nodeCount, "node \(nodeID): SLIT row of \(distances.count) for \(nodeCount) nodes")
        if let hz = reclaim.kswapdClasszone { precondition(hz >= 0 && hz < zones.count, "node \(nodeID): kswapd classzone \(hz)") }
        precondition(zonelistNoFallback.allSatisfy { $0.node == nodeID }, "node \(nodeID): NOFALLBACK zonelist holds another node's zone")
        precondition(Set(zonelistNoFallback).isSubset(of: Set(zonelistFallback)), "node \(nodeID): a NOFALLBACK zone missing from FALLBACK")
    }
    #else
    @inline(__always) func _checkInvariants(nodeCount: Int) {}
    #endif
}

extension Zonelists {
    #if NUMASIM_INTERNAL_CHECKS
    /// No zone twice in a node's FALLBACK list (each node checks its NOFALLBACK list itself).
    @inline(never)
    func _checkInvariants() {
        for (node, list) in fallback {
            var seen = Set<ZoneRef>()
            for r in list { precondition(seen.insert(r).inserted, "zonelist of node \(node): \(r.node):\(r.zone) twice") }
        }
    }
    #else
    @inline(__always) func _checkInvariants() {}
    #endif
}
