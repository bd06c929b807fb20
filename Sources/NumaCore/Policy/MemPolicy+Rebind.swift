/// Cpuset rebinding (mm/mempolicy.c 6.1 `mpol_rebind_policy`, `mpol_rebind_nodemask`,
/// `mpol_rebind_preferred`; WEIGHTED_INTERLEAVE rebinds like INTERLEAVE, as in 6.12).
extension MemPolicy {
    /// The task's cpuset mems changed to `allowed` (`cpuset_change_task_nodemask` →
    /// `mpol_rebind_task`).
    ///
    /// * BIND, INTERLEAVE, WEIGHTED_INTERLEAVE: STATIC → user ∩ allowed; RELATIVE →
    ///   `relativeMap(user, allowed)`; no flags → `nodes_remap(nodes, remembered cpuset mems →
    ///   allowed)` and remember `allowed`. An empty result becomes `allowed`.
    /// * PREFERRED, PREFERRED_MANY: the nodes stay; only `w` becomes `allowed`, which for a
    ///   flagged policy overwrites its user nodemask (the kernel's union).
    /// * LOCAL, DEFAULT: nothing; nor for an unflagged policy whose remembered mems equal
    ///   `allowed`.
    ///
    /// Weights stay on their physical nodes, except under RELATIVE where they follow the index.
    public mutating func rebind(allowed: [Int]) {
        let new = Array(Set(allowed)).sorted()
        // cpuset refuses to empty the mems of a cpuset with tasks, so the kernel never rebinds
        // to nothing; allowing it here would leave BIND with no node to allocate from.
        precondition(!new.isEmpty, "rebind(allowed:) needs at least one node: a cpuset with tasks always has memory")
        if flags.isEmpty && w == new { return }
        switch mode {
        case .bind, .interleave, .weightedInterleave:
            var tmp: [Int]
            if flags.contains(.static) {
                tmp = w.filter(new.contains)
            } else if flags.contains(.relative) {
                tmp = relativeMap(user: w, onto: new)
                weights = Self.relativeNodeWeights(relativeWeights, user: w, allowed: new)
            } else {
                tmp = nodesRemap(nodes, from: w, to: new)
                w = new
            }
            if tmp.isEmpty { tmp = new }
            nodes = tmp
        case .preferred, .preferredMany:
            w = new
        case .local, .default:
            return
        }
    }
}

extension MemPolicy {
    /// The policy a task in a cpuset whose mems are `mems` gets when it sets this one
    /// (set_mempolicy(2) inside the cpuset: `mpol_set_nodemask` against `cpuset_current_mems_allowed`):
    /// its user nodes intersected with (STATIC), folded onto (RELATIVE) or, unflagged, filtered
    /// by `mems`; `.noAllowedNodes` (the kernel's EINVAL) when none remains.
    public func setInCpuset(mems: [Int]) -> Result<MemPolicy, PolicyError> {
        let user = mode == .default || mode == .local ? [] : (userNodemask ?? nodes)
        let table = flags.contains(.relative) ? relativeWeights : weights
        return MemPolicy.make(mode, nodes: user, flags: flags, weights: table, allowed: mems).map { p in
            var p = p
            p.homeNode = homeNode
            return p
        }
    }
}
