import NumaTopology

/// `struct mempolicy` (mm/mempolicy.c, include/uapi/linux/mempolicy.h): where a task's or a
/// VMA's pages should come from.
public struct MemPolicy: Sendable, Equatable, CustomStringConvertible {
    public enum Mode: Int, Sendable, Equatable {
        case `default` = 0, preferred = 1, bind = 2, interleave = 3, local = 4, preferredMany = 5, weightedInterleave = 6
    }

    /// Mode flags OR-ed into the mode argument of set_mempolicy(2)/mbind(2) (`MPOL_MODE_FLAGS`).
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `MPOL_F_STATIC_NODES`: the user's nodes are absolute and survive cpuset changes; the
        /// policy uses whichever of them the cpuset currently allows.
        public static let `static` = Flags(rawValue: 1 << 15)
        /// `MPOL_F_RELATIVE_NODES`: node n means "the n-th allowed node" (mod their count).
        public static let relative = Flags(rawValue: 1 << 14)
    }

    public var mode: Mode
    /// The policy's effective nodes, ascending (`pol->nodes`): what allocation uses.
    public var nodes: [Int]
    /// MPOL_WEIGHTED_INTERLEAVE weights per node (1…255; missing = 1, the 6.12 default).
    /// Keyed by physical node, like the sysfs table they stand for, so a rebind that moves the
    /// policy to other nodes does not carry weights along (except under RELATIVE, see
    /// `relativeWeights`).
    public var weights: [Int: Int]
    /// `set_mempolicy_home_node`; used by BIND and PREFERRED_MANY.
    public var homeNode: Int?
    /// Set only by the `make` that takes `allowed`, which computes `nodes` to match them.
    public internal(set) var flags: Flags
    /// `pol->w`, a union in the kernel: the user's nodemask when STATIC or RELATIVE is set, else
    /// the cpuset mems at creation / last rebind. One storage on purpose: 6.1's
    /// `mpol_rebind_preferred` writes `w.cpuset_mems_allowed` even for flagged policies, which
    /// overwrites their user nodemask — see `userNodemask`.
    var w: [Int]
    /// Under RELATIVE, weighted-interleave weights keyed by relative index as the user wrote
    /// them; `weights` is derived from them whenever the nodes are (re)computed, so a weight
    /// follows "the k-th allowed node" across cpuset changes.
    public internal(set) var relativeWeights: [Int: Int] = [:]

    public init(_ mode: Mode, nodes: [Int] = [], weights: [Int: Int] = [:], homeNode: Int? = nil) {
        self.mode = mode
        self.nodes = Array(Set(nodes)).sorted()
        self.weights = weights
        self.homeNode = homeNode
        self.flags = []
        self.w = []
    }

    public static let `default` = MemPolicy(.default)

    /// MAX_NUMNODES with NODES_SHIFT = 10 (x86_64 distribution kernels): get_nodes() rejects bits
    /// beyond it.
    public static let maxNumNodes = 1024

    /// `w.user_nodemask`: the nodes as the user gave them (STATIC or RELATIVE only). After a
    /// PREFERRED/PREFERRED_MANY rebind this is the new cpuset mems (the 6.1 union quirk), which
    /// is also what get_mempolicy(2) then reports.
    public var userNodemask: [Int]? { flags.isEmpty ? nil : w }

    /// `w.cpuset_mems_allowed`: the cpuset mems the nodes were last computed against (no flags
    /// only); empty for policies built without an allowed set (`init`, the 2-argument `make`).
    public var cpusetMemsAllowed: [Int]? { flags.isEmpty ? w : nil }

    /// The nodemask get_mempolicy(2) returns (`do_get_mempolicy`): the user nodemask for flagged
    /// policies, otherwise the effective nodes (none for LOCAL/DEFAULT).
    public var getMempolicyNodemask: [Int] {
        if let user = userNodemask { return user }
        return mode == .local || mode == .default ? [] : nodes
    }

    /// `mpol_new` rules: which modes need nodes; PREFERRED with no nodes becomes LOCAL. The
    /// nodes are taken as given (no cpuset), so the policy remembers no cpuset mems.
    public static func make(_ mode: Mode, nodes: [Int], weights: [Int: Int] = [:]) -> Result<MemPolicy, PolicyError> {
        switch mode {
        case .default, .local:
            guard nodes.isEmpty else { return .failure(.nodesNotAllowed(mode)) }
            return .success(MemPolicy(mode))
        case .preferred:
            if nodes.isEmpty { return .success(MemPolicy(.local)) }
            return .success(MemPolicy(.preferred, nodes: [nodes.min()!]))
        default:
            guard !nodes.isEmpty else { return .failure(.emptyNodes(mode)) }
            return .success(MemPolicy(mode, nodes: nodes, weights: weights))
        }
    }

    /// set_mempolicy(2) as far as the policy object goes: `sanitize_mpol_flags`, `mpol_new`,
    /// then `mpol_set_nodemask` against `allowed` — the task's cpuset mems ∩ N_MEMORY (cpusets
    /// keep mems within N_MEMORY, so this is also what is remembered as the cpuset mems).
    /// `weights` are keyed like `nodes`: node IDs, or relative indices under RELATIVE.
    public static func make(_ mode: Mode, nodes: [Int], flags: Flags = [], weights: [Int: Int] = [:],
                            allowed: [Int]) -> Result<MemPolicy, PolicyError> {
        if flags.isSuperset(of: [.static, .relative]) { return .failure(.conflictingFlags) }
        let user = Array(Set(nodes)).sorted()
        switch mode {
        case .default:
            // mpol_new returns no policy object for DEFAULT, so flags are dropped, not rejected.
            return user.isEmpty ? .success(.default) : .failure(.nodesNotAllowed(mode))
        case .local:
            guard user.isEmpty else { return .failure(.nodesNotAllowed(mode)) }
            guard flags.isEmpty else { return .failure(.flagsNotAllowed(mode, flags)) }
            return .success(MemPolicy(.local))
        case .preferred where user.isEmpty:
            guard flags.isEmpty else { return .failure(.flagsNeedNodes(mode, flags)) }
            return .success(MemPolicy(.local))
        case .preferred, .bind, .interleave, .preferredMany, .weightedInterleave:
            guard !user.isEmpty else { return .failure(.emptyNodes(mode)) }
        }
        let allowed = Array(Set(allowed)).sorted()
        let effective = flags.contains(.relative) ? relativeMap(user: user, onto: allowed) : user.filter(allowed.contains)
        guard let first = effective.first else { return .failure(.noAllowedNodes(mode, nodes: user, allowed: allowed)) }
        var p = MemPolicy(mode, nodes: mode == .preferred ? [first] : effective)
        p.flags = flags
        p.w = flags.isEmpty ? allowed : user
        if flags.contains(.relative) {
            p.relativeWeights = weights
            p.weights = relativeNodeWeights(weights, user: user, allowed: allowed)
        } else {
            p.weights = weights
        }
        return .success(p)
    }

    /// Physical-node weights for RELATIVE: each relative index's weight goes to the node it
    /// folds onto; when several fold onto one node the lowest index decides, so the result does
    /// not depend on dictionary order.
    static func relativeNodeWeights(_ byIndex: [Int: Int], user: [Int], allowed: [Int]) -> [Int: Int] {
        let allowed = Array(Set(allowed)).sorted()
        guard !allowed.isEmpty else { return [:] }
        var claimed = Set<Int>()
        var out: [Int: Int] = [:]
        for i in user.sorted() {
            let node = allowed[i % allowed.count]
            guard claimed.insert(node).inserted else { continue }
            if let weight = byIndex[i] { out[node] = weight }
        }
        return out
    }

    /// The workload syntax (`PolicyParser`): flagged policies print the user's nodes behind `=`
    /// (STATIC) or `+` (RELATIVE), which is what parsing needs to rebuild them.
    public var description: String {
        let shown = userNodemask ?? nodes
        let list = flags.prefix + CPUList.rangeText(shown)
        switch mode {
        case .default: return "default"
        case .local: return "local"
        case .preferred: return "preferred:\(list)"
        case .bind: return "bind:\(list)"
        case .interleave: return "interleave:\(list)"
        case .preferredMany: return "preferred_many:\(list)"
        case .weightedInterleave:
            let table = flags.contains(.relative) ? relativeWeights : weights
            return "weighted_interleave:" + flags.prefix + shown.map { "\($0)=\(table[$0] ?? 1)" }.joined(separator: ",")
        }
    }

    /// `next_node_in(prev, nodes)`: the next node strictly after `prev`, wrapping.
    public func nextNode(after prev: Int) -> Int {
        nodes.first { $0 > prev } ?? nodes[0]
    }

    public func weight(_ node: Int) -> Int { max(1, weights[node] ?? 1) }
}

public enum PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyNodes(MemPolicy.Mode)
    case nodesNotAllowed(MemPolicy.Mode)
    /// STATIC and RELATIVE together (`sanitize_mpol_flags`).
    case conflictingFlags
    /// PREFERRED with no nodes would mean local, which cannot carry STATIC/RELATIVE (`mpol_new`).
    case flagsNeedNodes(MemPolicy.Mode, MemPolicy.Flags)
    /// LOCAL with STATIC/RELATIVE (`mpol_new`).
    case flagsNotAllowed(MemPolicy.Mode, MemPolicy.Flags)
    /// None of the nodes is allowed by the cpuset (the mode's `create` in `mpol_set_nodemask`).
    case noAllowedNodes(MemPolicy.Mode, nodes: [Int], allowed: [Int])
    public var description: String {
        switch self {
        case .emptyNodes(let m): return "policy \(m) needs at least one node (EINVAL)"
        case .nodesNotAllowed(let m): return "policy \(m) takes no nodes (EINVAL)"
        case .conflictingFlags:
            return "MPOL_F_STATIC_NODES ('=') and MPOL_F_RELATIVE_NODES ('+') cannot be combined; use one of them (EINVAL)"
        case .flagsNeedNodes(let m, let f):
            return "policy \(m) with \(f.kernelNames) needs at least one node, such as \(m):\(f.prefix)0; "
                + "with no nodes \(m) means local, which takes no flags (EINVAL)"
        case .flagsNotAllowed(let m, let f):
            return "policy \(m) takes no mode flags, got \(f.kernelNames) ('\(f.prefix)'); write just '\(m)' (EINVAL)"
        case .noAllowedNodes(let m, let nodes, let allowed):
            return "policy \(m): none of nodes \(CPUList.rangeText(nodes)) is allowed "
                + "(allowed nodes with memory: \(allowed.isEmpty ? "none" : CPUList.rangeText(allowed))) (EINVAL)"
        }
    }
}

extension MemPolicy.Flags {
    /// The kernel's names, for messages.
    public var kernelNames: String {
        [(Self.static, "MPOL_F_STATIC_NODES"), (.relative, "MPOL_F_RELATIVE_NODES")]
            .filter { contains($0.0) }.map(\.1).joined(separator: " | ")
    }
    /// The workload syntax's prefix.
    public var prefix: String { contains(.static) ? "=" : contains(.relative) ? "+" : "" }
}

/// Per-task interleave state (`task_struct.il_prev`, and 6.9+'s `il_weight`).
public struct InterleaveState: Sendable, Equatable {
    public var ilPrev: Int
    public var ilWeight = 0
    /// After `set_mempolicy(MPOL_INTERLEAVE)`: il_prev = MAX_NUMNODES − 1.
    public init(maxNumNodes: Int = 1024) { ilPrev = maxNumNodes - 1 }
}
