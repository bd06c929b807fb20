import Foundation
import NumaCore
import NumaTopology
import Yams

/// A workload: what each simulated thread does. See docs/workload-format.md.
///
/// ```yaml
/// threads:
///   - cpus: 0                    # simulated CPUs this thread plays (cpulist)
///     policy: default            # default | local | preferred:N | bind:0,2 | bind:=0,2 | bind:+0,1 | interleave:all | …
///     gfp: GFP_HIGHUSER_MOVABLE
///     order: 0                   # or a distribution {0: 90, 3: 10}
///     allocate: 301052           # pages, or a size such as 1.2GiB
///     free: never                # never | immediately | random (with live: pages or size)
/// ```
public struct Workload: Sendable, Equatable {
    /// Sequential steps: thread groups that run together, or a sysctl change between them.
    public var phases: [Phase]
    /// Swap space in pages (anon pages are reclaimable only with swap).
    public var swapPages: Int = 0
    /// `vm.swappiness`
    public var swappiness: Int = 60

    /// The thread groups of the first run phase (the whole workload when it has no phases).
    public var threads: [ThreadSpec] {
        for p in phases { if case .run(let t) = p { return t } }
        return []
    }

    public init(threads: [ThreadSpec]) { phases = [.run(threads)] }
    public init(phases: [Phase], swapPages: Int = 0, swappiness: Int = 60) {
        self.phases = phases
        self.swapPages = swapPages
        self.swappiness = swappiness
    }

    public enum Phase: Sendable, Equatable {
        /// Thread groups that run at the same time until each has done its work.
        case run([ThreadSpec])
        /// `sysctl -w vm.NAME=VALUE` assignments, applied between phases.
        case sysctl([String])
        /// Simulated processes with address spaces (Workload+Process.swift).
        case processes(ProcessPhase)
        /// Memory hotplug: a node's memory blocks offlined or onlined between phases.
        case hotplug(HotplugStep)
    }

    /// `hotplug: {offline: NODE}` / `hotplug: {online: NODE}`, optionally `blocks: K` (the first
    /// K memory blocks, ascending).
    public struct HotplugStep: Sendable, Equatable {
        public enum Action: String, Sendable, Equatable { case offline, online }
        public var action: Action
        public var node: Int
        public var blocks: Int?
        public init(action: Action, node: Int, blocks: Int? = nil) {
            self.action = action
            self.node = node
            self.blocks = blocks
        }
    }

    public struct ThreadSpec: Sendable, Equatable {
        public var cpus: [Int]
        public var policy: MemPolicy
        public var gfp: GFP
        /// (order, weight) pairs.
        public var orders: [(order: Int, weight: Int)]
        /// Pages to allocate in total.
        public var allocatePages: Int
        public var free: FreeMode
        /// Count of allocations made through the VMA interleave rule (`vma` true) or the task
        /// counter.
        public var vmaStart: Int?
        /// What the pages hold (reclaim): anon, file (page cache) or kernel.
        public var kind: PageKind = .kernel
        /// Re-touches of random live pages after each allocation (a touched page was reclaimed:
        /// a refault).
        public var touches: Int = 0
        /// Page-cache pages are written (dirty) when allocated.
        public var dirty = false
        /// Operations (allocations, frees, touches, failures) after which the group stops.
        public var opsLimit: Int?
        /// Wall-clock seconds after which the group stops (concurrent engine only).
        public var duration: Double?

        public init(cpus: [Int], policy: MemPolicy, gfp: GFP, orders: [(order: Int, weight: Int)], allocatePages: Int,
                    free: FreeMode, vmaStart: Int? = nil, kind: PageKind = .kernel, touches: Int = 0, dirty: Bool = false) {
            self.cpus = cpus; self.policy = policy; self.gfp = gfp; self.orders = orders; self.allocatePages = allocatePages
            self.free = free; self.vmaStart = vmaStart; self.kind = kind; self.touches = touches; self.dirty = dirty
        }

        public static func == (a: ThreadSpec, b: ThreadSpec) -> Bool {
            a.cpus == b.cpus && a.policy == b.policy && a.gfp == b.gfp && a.allocatePages == b.allocatePages
                && a.free == b.free && a.orders.map(\.order) == b.orders.map(\.order) && a.orders.map(\.weight) == b.orders.map(\.weight)
                && a.vmaStart == b.vmaStart && a.kind == b.kind && a.touches == b.touches && a.dirty == b.dirty
                && a.opsLimit == b.opsLimit && a.duration == b.duration
        }
    }

    public enum FreeMode: Sendable, Equatable {
        case never
        case immediately
        /// Keep a live set of this many pages; beyond it, free a random live block.
        case random(livePages: Int)
        /// Hold each block for this many of the task's later allocations, then free it (oldest
        /// first): a hold time counted in operations, so runs stay reproducible.
        case hold(allocations: Int)
    }

    /// Pages a group allocates when it gives `ops:` or `duration:` but no `allocate:`.
    public static let unlimitedPages = Int.max / 4

    public static func load(path: String, topology: Topology) throws -> Workload {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: path, "cannot read the workload file (does it exist and is it UTF-8 text?)")
        }
        return try parse(text, file: path, topology: topology)
    }

    public static func parse(_ text: String, file: String, topology: Topology) throws -> Workload {
        let root: Yams.Node
        do {
            guard let n = try Yams.compose(yaml: text) else {
                throw InputError(file: file, "the file is empty; expected 'threads:' with a list of thread groups")
            }
            root = n
        } catch let e as InputError { throw e } catch {
            throw InputError(file: file, "not valid YAML: \(error)")
        }
        let r = YAMLReader(file: file)
        let top = try r.mapping(root, "", allowed: ["threads", "phases", "swap", "swappiness", "name", "description"])
        var phases: [Phase] = []
        switch (top["threads"], top["phases"]) {
        case (let t?, nil):
            phases = [.run(try threadGroups(t, "threads", r, topology))]
        case (nil, let p?):
            let list = try r.sequence(p, "phases", "phases")
            guard !list.isEmpty else { throw r.fail(p, "phases", "expected at least one phase") }
            for (i, n) in list.enumerated() {
                let m = try r.mapping(n, "phases[\(i)]", allowed: ["threads", "sysctl", "hotplug", "processes", "tlb"])
                if m["processes"] != nil {
                    guard m["threads"] == nil, m["sysctl"] == nil, m["hotplug"] == nil else {
                        throw r.fail(n, "phases[\(i)]", "expected exactly one of 'threads:', 'processes:', 'sysctl:' or 'hotplug:' in a phase")
                    }
                    phases.append(.processes(try processPhase(m, "phases[\(i)]", r, topology)))
                } else if m["tlb"] != nil {
                    throw r.fail(n, "phases[\(i)].tlb", "tlb: belongs to a phase with processes:")
                } else if m.count == 1, let h = m["hotplug"] {
                    phases.append(.hotplug(try hotplugStep(h, "phases[\(i)].hotplug", r, topology)))
                } else if let t = m["threads"], m["sysctl"] == nil, m["hotplug"] == nil {
                    phases.append(.run(try threadGroups(t, "phases[\(i)].threads", r, topology)))
                } else if let sc = m["sysctl"], m["threads"] == nil {
                    let entries = try r.mapping(sc, "phases[\(i)].sysctl", allowed: Workload.sysctlNames)
                    var assignments: [String] = []
                    var probe = topology.sysctl
                    for (k, v) in entries.sorted(by: { $0.key < $1.key }) {
                        let a = "\(k)=\(try r.scalar(v, "phases[\(i)].sysctl.\(k)", "a value"))"
                        do { try probe.apply(assignment: a, arch: topology.arch, source: file) } catch let e as InputError {
                            throw r.fail(v, "phases[\(i)].sysctl.\(k)", e.message)
                        }
                        assignments.append(a)
                    }
                    phases.append(.sysctl(assignments))
                } else {
                    throw r.fail(n, "phases[\(i)]", "expected exactly one of 'threads:' (a list of thread groups), 'processes:' (see docs/workload-format.md), 'sysctl:' (name: value) or 'hotplug:' ({offline: NODE} or {online: NODE})")
                }
            }
            guard phases.contains(where: { if case .sysctl = $0 { return false } else { return true } }) else {
                throw r.fail(p, "phases", "expected at least one phase with threads or processes")
            }
        case (nil, nil):
            throw r.fail(root, "threads", "missing; expected 'threads:' (a list of thread groups) or 'phases:'")
        case (_?, _?):
            throw r.fail(root, "phases", "give either 'threads:' or 'phases:', not both")
        }
        var w = Workload(phases: phases)
        if let s = top["swap"] { w.swapPages = Int(try r.bytes(s, "swap") >> 12) }
        if let s = top["swappiness"] { w.swappiness = try r.int(s, "swappiness", range: 0...200) }
        return w
    }

    static func hotplugStep(_ node: Yams.Node, _ path: String, _ r: YAMLReader, _ topology: Topology) throws -> HotplugStep {
        let m = try r.mapping(node, path, allowed: ["offline", "online", "blocks"])
        let action: HotplugStep.Action
        let target: Yams.Node
        switch (m["offline"], m["online"]) {
        case (let n?, nil): (action, target) = (.offline, n)
        case (nil, let n?): (action, target) = (.online, n)
        default: throw r.fail(node, path, "expected exactly one of 'offline: NODE' or 'online: NODE'")
        }
        let key = "\(path).\(action.rawValue)"
        let id = try r.int(target, key, range: 0...Int.max)
        guard topology.nodes.contains(where: { $0.id == id }) else {
            throw r.fail(target, key, "node \(id) is not in the topology (nodes: \(topology.nodes.map { String($0.id) }.joined(separator: ", ")))")
        }
        var step = HotplugStep(action: action, node: id)
        if let b = m["blocks"] { step.blocks = try r.int(b, "\(path).blocks", range: 1...Int.max) }
        return step
    }

    /// `500ms`, `2s`, `1.5m` (or a bare number of seconds) → seconds.
    public static func parseDuration(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0)] where t.hasSuffix(suffix) {
            return Double(t.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(t)
    }

    /// The vm sysctls a phase may change (names as in /proc/sys/vm).
    static let sysctlNames: Set<String> = ["min_free_kbytes", "watermark_scale_factor", "watermark_boost_factor",
                                           "lowmem_reserve_ratio", "percpu_pagelist_high_fraction", "zone_reclaim_mode",
                                           "min_unmapped_ratio", "min_slab_ratio"]

    static func threadGroups(_ threadsNode: Yams.Node, _ path: String, _ r: YAMLReader, _ topology: Topology) throws -> [ThreadSpec] {
        let list = try r.sequence(threadsNode, path, "thread groups")
        guard !list.isEmpty else { throw r.fail(threadsNode, path, "expected at least one thread group") }
        var threads: [ThreadSpec] = []
        var owner: [Int: Int] = [:]
        for (i, n) in list.enumerated() {
            let t = try thread(n, "\(path)[\(i)]", r, topology)
            for c in t.cpus {
                if let o = owner[c] { throw r.fail(n, "\(path)[\(i)].cpus", "CPU \(c) is already played by \(path)[\(o)]") }
                owner[c] = i
            }
            threads.append(t)
        }
        return threads
    }

    static func thread(_ n: Yams.Node, _ path: String, _ r: YAMLReader, _ t: Topology) throws -> ThreadSpec {
        let m = try r.mapping(n, path, allowed: ["cpus", "policy", "gfp", "order", "allocate", "free", "live", "vma_start", "kind", "touch", "dirty", "ops", "duration", "hold"])
        guard let cpusNode = m["cpus"] else { throw r.fail(n, "\(path).cpus", "missing; expected the simulated CPUs (cpulist)") }
        let cpuText = try r.scalar(cpusNode, "\(path).cpus", "a cpulist")
        let cpus: CPUList
        do { cpus = try CPUList.parse(cpuText) } catch { throw r.fail(cpusNode, "\(path).cpus", error.description) }
        guard !cpus.isEmpty else { throw r.fail(cpusNode, "\(path).cpus", "expected at least one CPU") }
        let all = Set(t.allCPUs)
        for c in cpus.members where !all.contains(c) {
            throw r.fail(cpusNode, "\(path).cpus", "CPU \(c) is not in the topology (CPUs: \(CPUList(t.allCPUs)))")
        }
        var policy = MemPolicy.default
        if let p = m["policy"] {
            let text = try r.scalar(p, "\(path).policy", "a policy")
            do { policy = try PolicyParser.parse(text, topology: t) } catch let e as PolicyParser.Error {
                throw r.fail(p, "\(path).policy", e.message)
            }
        }
        var gfp = GFP.highUserMovable
        if let g = m["gfp"] {
            let text = try r.scalar(g, "\(path).gfp", "a GFP mask")
            guard let parsed = GFP.parse(text) else {
                throw r.fail(g, "\(path).gfp", "expected GFP names joined by |, such as GFP_KERNEL | __GFP_THISNODE, got '\(text)'")
            }
            guard parsed.zone(arch: t.arch) != nil else { throw r.fail(g, "\(path).gfp", "'\(text)' combines zone modifiers the kernel rejects (gfp_zone)") }
            gfp = parsed
        }
        var orders: [(Int, Int)] = [(0, 1)]
        if let o = m["order"] {
            if case .mapping(let dist) = o {
                orders = []
                for (k, v) in dist {
                    let order = try r.int(k, "\(path).order", range: 0...10)
                    let weight = try r.int(v, "\(path).order.\(order)", range: 1...1_000_000)
                    orders.append((order, weight))
                }
                orders.sort { $0.0 < $1.0 }
            } else {
                orders = [(try r.int(o, "\(path).order", range: 0...10), 1)]
            }
        }
        var opsLimit: Int? = nil
        if let o = m["ops"] { opsLimit = try r.int(o, "\(path).ops", range: 1...Int.max) }
        var duration: Double? = nil
        if let d = m["duration"] {
            let text = try r.scalar(d, "\(path).duration", "a duration")
            guard let secs = Workload.parseDuration(text), secs > 0 else {
                throw r.fail(d, "\(path).duration", "expected a positive duration such as 500ms, 2s or 1.5m, got '\(text)'")
            }
            duration = secs
        }
        let pages: Int
        if let a = m["allocate"] {
            let aText = try r.scalar(a, "\(path).allocate", "pages or a size")
            if let v = Int(aText) { pages = v } else if let b = ByteSize.parse(aText) { pages = Int(b >> 12) } else {
                throw r.fail(a, "\(path).allocate", "expected a number of pages or a size such as 1.2GiB, got '\(aText)'")
            }
            guard pages >= 0 else { throw r.fail(a, "\(path).allocate", "expected a non-negative amount") }
        } else if opsLimit != nil || duration != nil {
            pages = Workload.unlimitedPages
        } else {
            throw r.fail(n, "\(path).allocate", "missing; expected pages (e.g. 301052) or a size (e.g. 1.2GiB), or an 'ops:' count or a 'duration:'")
        }
        var free = FreeMode.never
        if let f = m["free"] {
            let text = try r.scalar(f, "\(path).free", "never, immediately, random or hold")
            switch text {
            case "never": free = .never
            case "immediately": free = .immediately
            case "random":
                guard let l = m["live"] else { throw r.fail(f, "\(path).live", "free: random needs live: (the live-set size, pages or a size)") }
                let lText = try r.scalar(l, "\(path).live", "pages or a size")
                guard let live = Int(lText) ?? ByteSize.parse(lText).map({ Int($0 >> 12) }), live > 0 else {
                    throw r.fail(l, "\(path).live", "expected a positive number of pages or a size, got '\(lText)'")
                }
                free = .random(livePages: live)
            case "hold":
                guard let h = m["hold"] else { throw r.fail(f, "\(path).hold", "free: hold needs hold: (allocations each block is kept for)") }
                free = .hold(allocations: try r.int(h, "\(path).hold", range: 1...100_000_000))
            default: throw r.fail(f, "\(path).free", "expected never, immediately, random or hold, got '\(text)'")
            }
        }
        var vmaStart: Int? = nil
        if let v = m["vma_start"] { vmaStart = Int(try r.bytes(v, "\(path).vma_start") >> 12) }
        // Page kind: by default what the GFP mask says (movable user memory is anonymous).
        var kind: PageKind = gfp.contains(.movable) ? .anon : .kernel
        if let k = m["kind"] {
            let text = try r.scalar(k, "\(path).kind", "anon, file or kernel")
            guard let parsed = PageKind.allCases.first(where: { $0.description == text }) else {
                throw r.fail(k, "\(path).kind", "expected anon, file or kernel, got '\(text)'")
            }
            kind = parsed
        }
        var touches = 0
        if let tn = m["touch"] { touches = try r.int(tn, "\(path).touch", range: 0...1000) }
        var dirty = false
        if let d = m["dirty"] {
            dirty = try r.bool(d, "\(path).dirty")
            if dirty && kind != .file { throw r.fail(d, "\(path).dirty", "only page-cache pages (kind: file) are written back; this group is \(kind)") }
        }
        if m["hold"] != nil, case .hold = free {} else if let h = m["hold"] {
            throw r.fail(h, "\(path).hold", "hold: goes with free: hold")
        }
        var spec = ThreadSpec(cpus: cpus.members, policy: policy, gfp: gfp, orders: orders.map { ($0.0, $0.1) },
                              allocatePages: pages, free: free, vmaStart: vmaStart, kind: kind, touches: touches, dirty: dirty)
        spec.opsLimit = opsLimit
        spec.duration = duration
        return spec
    }
}

/// Parses `default`, `local`, `preferred:N`, `bind:0,2`, `interleave:all`, `interleave:0-3`,
/// `preferred_many:0,1`, `weighted_interleave:0=3,1=1`. A node list may start with `=`
/// (MPOL_F_STATIC_NODES: `bind:=0,2`) or `+` (MPOL_F_RELATIVE_NODES, numactl's relative
/// notation: `bind:+0,1` = the first two allowed nodes). The policy is built as set_mempolicy(2)
/// would for a task whose cpuset allows every node with memory; `MemPolicy.description` prints
/// the same syntax back.
public enum PolicyParser {
    public struct Error: Swift.Error { public var message: String }

    public static func parse(_ text: String, topology t: Topology) throws -> MemPolicy {
        let parts = text.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
        let modeName = parts[0]
        let arg = parts.count > 1 ? parts[1] : ""
        let known = Set(t.nodeIDs)
        let withMemory = t.nodes.filter { !$0.memory.isEmpty }.map(\.id).sorted()
        let mode: MemPolicy.Mode
        switch modeName {
        case "default": mode = .default
        case "local": mode = .local
        case "preferred": mode = .preferred
        case "bind": mode = .bind
        case "interleave": mode = .interleave
        case "preferred_many": mode = .preferredMany
        case "weighted_interleave": mode = .weightedInterleave
        default:
            throw Error(message: "expected default, local, preferred:N, bind:NODES, interleave:NODES|all, preferred_many:NODES or "
                + "weighted_interleave:N=W,… (NODES may start with = for static or + for relative nodes), got '\(text)'")
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
