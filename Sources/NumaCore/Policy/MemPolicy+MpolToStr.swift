import NumaTopology

extension MemPolicy {
    /// `mpol_to_str` (mm/mempolicy.c, Linux 6.1): how /proc/PID/numa_maps spells a policy.
    /// `policy_modes[]` names the mode (`default`, `prefer`, `bind`, `interleave`, `local`,
    /// `prefer (many)`); a mode flag adds `=static` or `=relative`; then, for the modes with nodes,
    /// `:` and the effective nodes (`pol->nodes`) as a `%*pbl` list (`0-1`, `0,2`). Default and
    /// local print no nodes. MPOL_WEIGHTED_INTERLEAVE is 6.9's `weighted interleave` (not in 6.1).
    public var mpolToStr: String {
        var out: String
        var withNodes = true
        switch mode {
        case .default: out = "default"; withNodes = false
        case .local: out = "local"; withNodes = false
        case .preferred: out = "prefer"
        case .bind: out = "bind"
        case .interleave: out = "interleave"
        case .preferredMany: out = "prefer (many)"
        case .weightedInterleave: out = "weighted interleave"
        }
        if flags.contains(.static) { out += "=static" } else if flags.contains(.relative) { out += "=relative" }
        if withNodes && !nodes.isEmpty { out += ":" + CPUList.rangeText(nodes) }
        return out
    }
}
