import Foundation
import NumaCore
import NumaTopology

/// Parses `default`, `local`, `preferred:N`, `bind:0,2`, `interleave:all`, `interleave:0-3`,
/// `preferred_many:0,1`, `weighted_interleave:0=3,1=1`. A node list may start with `=`
/// (MPOL_F_STATIC_NODES: `bind:=0,2`) or `+` (MPOL_F_RELATIVE_NODES, numactl's relative
/// notation: `bind:+0,1` = the first two allowed nodes). The policy is built as set_mempolicy(2)
/// would for a task whose cpuset allows every node with memory; `MemPolicy.description` prints
/// the same syntax back. numactl(8)'s spellings are accepted too: `membind` (bind), `localalloc`
/// (local), `preferred-many`, `weighted-interleave`, with `=` as numactl's long options write them
/// (`membind=0,1`, `interleave=all`).
public enum PolicyParser {
    public struct Error: Swift.Error { public var message: String }

    public static func parse(_ text: String, topology t: Topology) throws -> MemPolicy {
        // numactl's `--membind=0,1` form: `=` separates the nodes when there is no `:`.
        let separator: Character = !text.contains(":") && text.contains("=") ? "=" : ":"
        let parts = text.split(separator: separator, maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
        let modeName = parts.first ?? ""  // empty text (`policy:` with no value): refused below
        let arg = parts.count > 1 ? parts[1] : ""
        let known = Set(t.nodeIDs)
        let withMemory = t.nodes.filter { !$0.memory.isEmpty }.map(\.id).sorted()
        let mode: MemPolicy.Mode
        switch modeName {
        case "default": mode = .default
        case "local", "localalloc": mode = .local
        case "preferred": mode = .preferred
        case "bind", "membind": mode = .bind
        case "interleave": mode = .interleave
        case "preferred_many", "preferred-many": mode = .preferredMany
        case "weighted_interleave", "weighted-interleave": mode = .weightedInterleave
        default:
            let what = modeName.isEmpty ? "got '\(text)'" : "unknown policy '\(modeName)' in '\(text)'"
            throw Error(message: "\(what): expected default, local, preferred:N, bind:NODES, interleave:NODES|all, "
                + "preferred_many:NODES or weighted_interleave:N=W,… (NODES may start with = for static or + for relative nodes; "
                + "numactl's membind=, localalloc, preferred-many=, weighted-interleave= also work)")
        }
        let (flags, body) = try splitFlags(arg, modeName: modeName)
        if !flags.isEmpty {
            switch mode {
            case .default, .local:
                throw Error(message: "\(modeName) takes no nodes and no '\(flags.prefix)' (\(flags.kernelNames)); write just '\(modeName)'"
                    + (mode == .local ? " (EINVAL)" : ""))
            case .preferred where body.isEmpty:
                throw Error(message: "'\(text)': \(flags.prefix) needs a node after it, such as preferred:\(flags.prefix)0; "
                    + "preferred without a node means local, which takes no flags (EINVAL)")
            default:
                guard !body.isEmpty else {
                    let example = mode == .weightedInterleave ? "0=3,1=1" : "0,1"
                    throw Error(message: "'\(text)': \(flags.prefix) needs a node list after it, such as \(modeName):\(flags.prefix)\(example)")
                }
            }
        }

        /// Relative indices are positions in the allowed set, not node IDs, so only the kernel's
        /// MAX_NUMNODES bound applies to them.
        func node(_ n: Int) throws -> Int {
            if flags.contains(.relative) {
                guard n < MemPolicy.maxNumNodes else {
                    throw Error(message: "relative node \(n) is beyond MAX_NUMNODES (\(MemPolicy.maxNumNodes))")
                }
            } else if !known.contains(n) {
                throw Error(message: "node \(n) is not in the topology (nodes: \(CPUList(t.nodeIDs)))")
            }
            return n
        }
        func nodes(_ s: String) throws -> [Int] {
            if s == "all" {
                guard !flags.contains(.relative) else {
                    throw Error(message: "'+all' is not a relative node list; write the relative nodes, such as +0-\(max(0, withMemory.count - 1))")
                }
                return withMemory
            }
            let list: CPUList
            do { list = try CPUList.parse(s) } catch {
                throw Error(message: flags.contains(.relative)
                    ? "expected relative nodes such as +0,1 or +0-3, got '+\(s)'"
                    : "expected a node list such as \(flags.prefix)0,2 or \(flags.prefix)0-3 or \(flags.prefix)all, got '\(flags.prefix)\(s)'")
            }
            return try list.members.map(node)
        }

        var weights: [Int: Int] = [:]
        let list: [Int]
        if mode == .weightedInterleave {
            for item in body.split(separator: ",") {
                let kv = item.split(separator: "=")
                guard kv.count == 2, let n = Int(kv[0]), n >= 0, let w = Int(kv[1]), (1...255).contains(w) else {
                    throw Error(message: "expected node=weight pairs with weights 1…255, such as \(flags.prefix)0=3,1=1, got '\(item)'")
                }
                weights[try node(n)] = w
            }
            list = Array(weights.keys)
        } else {
            list = try nodes(body)
        }
        switch MemPolicy.make(mode, nodes: list, flags: flags, weights: weights, allowed: withMemory) {
        case .success(let p): return p
        case .failure(let e): throw Error(message: e.description)
        }
    }

    /// Splits a leading `=` or `+` off the node list.
    static func splitFlags(_ arg: String, modeName: String) throws -> (MemPolicy.Flags, String) {
        var flags: MemPolicy.Flags = []
        var rest = Substring(arg)
        while let c = rest.first, c == "=" || c == "+" {
            let flag: MemPolicy.Flags = c == "=" ? .static : .relative
            if flags.contains(flag) { throw Error(message: "'\(c)' given twice in '\(modeName):\(arg)'") }
            flags.insert(flag)
            rest = rest.dropFirst()
        }
        if flags == [.static, .relative] {
            throw Error(message: "'\(modeName):\(arg)': '=' (static, MPOL_F_STATIC_NODES) and '+' (relative, MPOL_F_RELATIVE_NODES) "
                + "cannot be combined; use one of them (EINVAL)")
        }
        return (flags, rest.trimmingCharacters(in: .whitespaces))
    }
}
