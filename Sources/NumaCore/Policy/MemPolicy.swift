/// `struct mempolicy` (mm/mempolicy.c, include/uapi/linux/mempolicy.h): where a task's or a
/// VMA's pages should come from.
public struct MemPolicy: Sendable, Equatable, CustomStringConvertible {
    public enum Mode: Int, Sendable, Equatable {
        case `default` = 0, preferred = 1, bind = 2, interleave = 3, local = 4, preferredMany = 5, weightedInterleave = 6
    }
    public var mode: Mode
    /// The policy's nodes, ascending (`pol->nodes`).
    public var nodes: [Int]
    /// MPOL_WEIGHTED_INTERLEAVE weights per node (1…255; missing = 1, the 6.12 default).
    public var weights: [Int: Int]
    /// `set_mempolicy_home_node`; used by BIND and PREFERRED_MANY.
    public var homeNode: Int?

    public init(_ mode: Mode, nodes: [Int] = [], weights: [Int: Int] = [:], homeNode: Int? = nil) {
        self.mode = mode
        self.nodes = Array(Set(nodes)).sorted()
        self.weights = weights
        self.homeNode = homeNode
    }

    public static let `default` = MemPolicy(.default)

    /// `mpol_new` rules: which modes need nodes; PREFERRED with no nodes becomes LOCAL.
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

    public var description: String {
        let list = CPUListText.format(nodes)
        switch mode {
        case .default: return "default"
        case .local: return "local"
        case .preferred: return "preferred:\(list)"
        case .bind: return "bind:\(list)"
        case .interleave: return "interleave:\(list)"
        case .preferredMany: return "preferred_many:\(list)"
        case .weightedInterleave: return "weighted_interleave:" + nodes.map { "\($0)=\(weights[$0] ?? 1)" }.joined(separator: ",")
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
    public var description: String {
        switch self {
        case .emptyNodes(let m): return "policy \(m) needs at least one node (EINVAL)"
        case .nodesNotAllowed(let m): return "policy \(m) takes no nodes (EINVAL)"
        }
    }
}

/// Per-task interleave state (`task_struct.il_prev`, and 6.9+'s `il_weight`).
public struct InterleaveState: Sendable, Equatable {
    public var ilPrev: Int
    public var ilWeight = 0
    /// After `set_mempolicy(MPOL_INTERLEAVE)`: il_prev = MAX_NUMNODES − 1.
    public init(maxNumNodes: Int = 1024) { ilPrev = maxNumNodes - 1 }
}

/// `%*pbl`-style node lists (shared with CPU lists).
enum CPUListText {
    static func format(_ ids: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < ids.count {
            var j = i
            while j + 1 < ids.count && ids[j + 1] == ids[j] + 1 { j += 1 }
            parts.append(i == j ? "\(ids[i])" : "\(ids[i])-\(ids[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }
}
