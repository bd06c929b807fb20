import NumaCore
import NumaMM
import NumaTopology
import Yams

/// The process syntax of a workload phase (docs/workload-format.md, "Processes"):
///
/// ```yaml
/// phases:
///   - processes:
///       - name: db
///         mmap:                          # mapped when the process starts (no page is touched)
///           - {name: heap, size: 1GiB}   # anon, rw, private, top-down below mmap_base
///         threads:
///           - cpu: 0
///             policy: default            # the thread's set_mempolicy
///             steps:
///               - touch: {vma: heap, write: true}
///               - mbind: {vma: heap, offset: 512MiB, length: 512MiB, policy: interleave:all}
///               - migrate: {vma: heap, to: 1}
///               - munmap: {vma: heap}
///     tlb: {entries: 64, ways: 4, pcid: false}
/// ```
extension Workload {
    /// A phase of simulated processes that run together until every thread has done its steps.
    public struct ProcessPhase: Sendable, Equatable {
        public var processes: [ProcessSpec]
        public var tlb: TLBConfig

        public init(processes: [ProcessSpec], tlb: TLBConfig = TLBConfig()) {
            self.processes = processes
            self.tlb = tlb
        }
    }

    /// The per-CPU TLB every CPU of the phase gets.
    public struct TLBConfig: Sendable, Equatable {
        public var entries = 64
        public var ways = 4
        public var pcid = false
        public init(entries: Int = 64, ways: Int = 4, pcid: Bool = false) {
            self.entries = entries
            self.ways = ways
            self.pcid = pcid
        }
    }

    public struct ProcessSpec: Sendable, Equatable {
        public var name: String
        /// Mapped at process start, in order.
        public var mmaps: [MmapSpec]
        public var threads: [ProcessThreadSpec]
        /// Whether the process exits (munmaps everything, frees its page tables) at the end of
        /// the phase; false keeps it, with its memory, until the end of the run.
        public var exits = true
        /// `cgroup: NAME`: the cgroup the process runs in (nil: the root).
        public var cgroup: String?
        /// `oom_score_adj:` of the process (-1000...1000).
        public var oomScoreAdj = 0

        public init(name: String, mmaps: [MmapSpec], threads: [ProcessThreadSpec], exits: Bool = true) {
            self.name = name
            self.mmaps = mmaps
            self.threads = threads
            self.exits = exits
        }
    }

    /// One mmap(2): `MAP_PRIVATE|MAP_ANONYMOUS` for anon, `MAP_SHARED` of a file for file.
    public struct MmapSpec: Sendable, Equatable {
        public var name: String
        public var length: UInt64
        /// MAP_FIXED_NOREPLACE address; nil: top-down below mmap_base.
        public var address: UInt64?
        public var flags: VMFlags
        public var kind: VMAKind
        /// File offset in bytes (file mappings).
        public var fileOffset: UInt64 = 0
        /// mbind(2) right after the mmap.
        public var policy: MemPolicy?
        /// MAP_HUGETLB (2 MiB pages from the hugetlb pool: Workload+HugePages.swift).
        public var hugetlb = false
        /// `advise: hugepage|nohugepage`: madvise(2) of the whole mapping right after the mmap.
        public var advise: MadviseSpec.Advice?

        public init(name: String, length: UInt64, address: UInt64? = nil, flags: VMFlags = [.read, .write],
                    kind: VMAKind = .anon, fileOffset: UInt64 = 0, policy: MemPolicy? = nil) {
            self.name = name
            self.length = length
            self.address = address
            self.flags = flags
            self.kind = kind
            self.fileOffset = fileOffset
            self.policy = policy
        }
    }

    public struct ProcessThreadSpec: Sendable, Equatable {
        public var cpu: Int
        /// The thread's task policy (set_mempolicy before its first step).
        public var policy: MemPolicy
        public var steps: [ProcessStep]

        public init(cpu: Int, policy: MemPolicy = .default, steps: [ProcessStep]) {
            self.cpu = cpu
            self.policy = policy
            self.steps = steps
        }
    }

    /// A range of a named mapping: `offset` bytes from its start, `length` bytes (nil: to its end).
    public struct RangeRef: Sendable, Equatable {
        public var vma: String
        public var offset: UInt64 = 0
        public var length: UInt64?
        public init(vma: String, offset: UInt64 = 0, length: UInt64? = nil) {
            self.vma = vma
            self.offset = offset
            self.length = length
        }
    }

    public struct TouchSpec: Sendable, Equatable {
        public var range: RangeRef
        public var write = true
        /// Bytes between two accesses (4 KiB: every page once per pass).
        public var stride: UInt64 = 4096
        /// Visit the addresses in a seeded random order (a permutation) instead of ascending.
        public var random = false
        public var passes = 1
        /// A stream of accesses picked by `distribution` instead of passes: `ops` accesses, or
        /// as many as fit in `durationNs` of the thread's simulated time (either or both).
        public var distribution: TouchDistribution?
        public var ops: Int?
        public var durationNs: Int?
        /// CPU time (ns) the thread spends between two accesses: the computation a real program
        /// does around its loads and stores, which numasim does not simulate one by one.
        public var thinkNs = 0
        public init(range: RangeRef, write: Bool = true, stride: UInt64 = 4096, random: Bool = false, passes: Int = 1,
                    distribution: TouchDistribution? = nil, ops: Int? = nil, durationNs: Int? = nil, thinkNs: Int = 0) {
            self.range = range
            self.write = write
            self.stride = stride
            self.random = random
            self.passes = passes
            self.distribution = distribution
            self.ops = ops
            self.durationNs = durationNs
            self.thinkNs = thinkNs
        }
    }

    public enum ProcessStep: Sendable, Equatable {
        case mmap(MmapSpec)
        case munmap(RangeRef)
        /// mbind(2); nil policy = MPOL_DEFAULT (back to the task policy). `move`: MPOL_MF_MOVE.
        case mbind(RangeRef, MemPolicy?, move: Bool)
        /// migrate_pages(2): every page of the process on a node of `from` moves to its
        /// counterpart in `to`.
        case migratePages(from: [Int], to: [Int])
        case setMempolicy(MemPolicy)
        case touch(TouchSpec)
        /// move_pages(2)-like: every mapped page of the range not on `node` moves there.
        case migrate(RangeRef, node: Int)
        /// madvise(2) (Workload+Madvise.swift).
        case madvise(MadviseSpec)
    }

    // MARK: - Parsing

    static func processPhase(_ m: [String: Yams.Node], _ path: String, _ r: YAMLReader, _ t: Topology) throws -> ProcessPhase {
        guard let listNode = m["processes"] else { throw r.fail(nil, "\(path).processes", "missing") }
        // Address spaces model 4-level (and 32-bit) page tables only: 5-level (LA57) would move
        // PAGE_OFFSET, vmemmap and the user/kernel split.
        guard t.paging == .fourLevel else {
            throw r.fail(listNode, "\(path).processes", "process phases model 4-level page tables; the topology's paging: 5-level is not modelled for address spaces (numasim models 5-level paging only for the physical address limit)")
        }
        let list = try r.sequence(listNode, "\(path).processes", "processes")
        guard !list.isEmpty else { throw r.fail(listNode, "\(path).processes", "expected at least one process") }
        var phase = ProcessPhase(processes: [])
        var names = Set<String>()
        for (i, n) in list.enumerated() {
            let p = try process(n, "\(path).processes[\(i)]", r, t)
            guard names.insert(p.name).inserted else {
                throw r.fail(n, "\(path).processes[\(i)].name", "another process of this phase is already called '\(p.name)'")
            }
            phase.processes.append(p)
        }
        if let tn = m["tlb"] {
            let tm = try r.mapping(tn, "\(path).tlb", allowed: ["entries", "ways", "pcid"])
            var c = TLBConfig()
            if let e = tm["entries"] { c.entries = try r.int(e, "\(path).tlb.entries", range: 1...65536) }
            if let w = tm["ways"] { c.ways = try r.int(w, "\(path).tlb.ways", range: 1...65536) }
            if let p = tm["pcid"] { c.pcid = try r.bool(p, "\(path).tlb.pcid") }
            guard c.entries % c.ways == 0 else {
                throw r.fail(tn, "\(path).tlb", "entries (\(c.entries)) must be a multiple of ways (\(c.ways))")
            }
            phase.tlb = c
        }
        return phase
    }

    static func process(_ n: Yams.Node, _ path: String, _ r: YAMLReader, _ t: Topology) throws -> ProcessSpec {
        let m = try r.mapping(n, path, allowed: ["name", "mmap", "threads", "exit", "cgroup", "oom_score_adj"])
        guard let nameNode = m["name"] else { throw r.fail(n, "\(path).name", "missing; expected a process name") }
        let name = try r.scalar(nameNode, "\(path).name", "a process name")
        var known = Set<String>()
        var sizes: [String: UInt64] = [:]
        var mmaps: [MmapSpec] = []
        if let mn = m["mmap"] {
            for (i, e) in try r.sequence(mn, "\(path).mmap", "mappings").enumerated() {
                let spec = try mmap(e, "\(path).mmap[\(i)]", r, t)
                guard known.insert(spec.name).inserted else {
                    throw r.fail(e, "\(path).mmap[\(i)].name", "mapping '\(spec.name)' is already defined in this process")
                }
                mmaps.append(spec)
                sizes[spec.name] = spec.length
            }
        }
        guard let tn = m["threads"] else { throw r.fail(n, "\(path).threads", "missing; expected a list of threads with cpu: and steps:") }
        let tlist = try r.sequence(tn, "\(path).threads", "threads")
        guard !tlist.isEmpty else { throw r.fail(tn, "\(path).threads", "expected at least one thread") }
        // Names a thread's step may use: the process's mmaps, its own earlier mmap steps, and
        // (checked after all threads are read) any mmap step of the process.
        var stepNames: [(RangeRef, Yams.Node, String)] = []
        var threads: [ProcessThreadSpec] = []
        for (i, tnode) in tlist.enumerated() {
            let tp = "\(path).threads[\(i)]"
            let tm = try r.mapping(tnode, tp, allowed: ["cpu", "policy", "steps"])
            guard let c = tm["cpu"] else { throw r.fail(tnode, "\(tp).cpu", "missing; expected the simulated CPU the thread is bound to") }
            let cpu = try r.int(c, "\(tp).cpu")
            guard t.allCPUs.contains(cpu) else {
                throw r.fail(c, "\(tp).cpu", "CPU \(cpu) is not in the topology (CPUs: \(CPUList(t.allCPUs)))")
            }
            var policy = MemPolicy.default
            if let p = tm["policy"] { policy = try parsePolicy(p, "\(tp).policy", r, t) }
            guard let sn = tm["steps"] else { throw r.fail(tnode, "\(tp).steps", "missing; expected a list of steps") }
            var steps: [ProcessStep] = []
            for (k, s) in try r.sequence(sn, "\(tp).steps", "steps").enumerated() {
                let sp = "\(tp).steps[\(k)]"
                let step = try Workload.step(s, sp, r, t)
                switch step {
                case .mmap(let spec):
                    guard known.insert(spec.name).inserted else {
                        throw r.fail(s, "\(sp).mmap.name", "mapping '\(spec.name)' is already defined in this process")
                    }
                    sizes[spec.name] = spec.length
                case .munmap(let ref), .mbind(let ref, _, _), .migrate(let ref, _): stepNames.append((ref, s, sp))
                case .touch(let spec): stepNames.append((spec.range, s, sp))
                case .madvise(let spec): stepNames.append((spec.range, s, sp))
                case .setMempolicy, .migratePages: break
                }
                steps.append(step)
            }
            threads.append(ProcessThreadSpec(cpu: cpu, policy: policy, steps: steps))
        }
        for (ref, node, sp) in stepNames {
            guard let size = sizes[ref.vma] else {
                throw r.fail(node, "\(sp).vma", "no mapping called '\(ref.vma)' in process '\(name)' (mappings: \(known.sorted().joined(separator: ", ")))")
            }
            let rounded = (size + 0xfff) & ~0xfff
            if ref.offset >= rounded || ref.offset + (ref.length ?? 0) > rounded {
                throw r.fail(node, "\(sp).offset", "offset \(ref.offset) + length \(ref.length ?? 0) bytes is outside mapping '\(ref.vma)' (\(rounded) bytes)")
            }
        }
        var exits = true
        if let e = m["exit"] { exits = try r.bool(e, "\(path).exit") }
        var spec = ProcessSpec(name: name, mmaps: mmaps, threads: threads, exits: exits)
        spec.cgroup = try Workload.cgroupReference(m, path, cpus: threads.map(\.cpu), r)
        spec.oomScoreAdj = try Workload.oomScoreAdj(m, path, r)
        return spec
    }

    static func parsePolicy(_ n: Yams.Node, _ path: String, _ r: YAMLReader, _ t: Topology) throws -> MemPolicy {
        let text = try r.scalar(n, path, "a policy")
        do { return try PolicyParser.parse(text, topology: t) } catch let e as PolicyParser.Error { throw r.fail(n, path, e.message) }
    }

    static func mmap(_ n: Yams.Node, _ path: String, _ r: YAMLReader, _ t: Topology) throws -> MmapSpec {
        let m = try r.mapping(n, path, allowed: ["name", "size", "at", "prot", "kind", "offset", "policy", "hugetlb", "advise"])
        guard let nn = m["name"] else { throw r.fail(n, "\(path).name", "missing; expected a name for the mapping") }
        let name = try r.scalar(nn, "\(path).name", "a mapping name")
        guard let sn = m["size"] else { throw r.fail(n, "\(path).size", "missing; expected a size such as 1GiB") }
        let size = try r.bytes(sn, "\(path).size")
        guard size > 0 else { throw r.fail(sn, "\(path).size", "expected a positive size") }
        var spec = MmapSpec(name: name, length: size)
        if let a = m["at"] {
            let text = try r.scalar(a, "\(path).at", "an address")
            guard let v = parseAddress(text) else { throw r.fail(a, "\(path).at", "expected an address such as 0x7f0000000000, got '\(text)'") }
            guard v & 0xfff == 0 else { throw r.fail(a, "\(path).at", "\(text) is not page aligned (4 KiB)") }
            spec.address = v
        }
        if let p = m["prot"] {
            let text = try r.scalar(p, "\(path).prot", "r, rw, rx or rwx")
            var f: VMFlags = []
            for ch in text {
                switch ch {
                case "r": f.insert(.read)
                case "w": f.insert(.write)
                case "x": f.insert(.exec)
                default: throw r.fail(p, "\(path).prot", "expected letters from r, w, x (such as rw or rx), got '\(text)'")
                }
            }
            guard f.contains(.read) else { throw r.fail(p, "\(path).prot", "numasim needs readable mappings (r, rw, rx, rwx); got '\(text)'") }
            spec.flags = f
        }
        if let k = m["kind"] {
            let text = try r.scalar(k, "\(path).kind", "anon or file")
            guard let kind = VMAKind(rawValue: text) else { throw r.fail(k, "\(path).kind", "expected anon or file, got '\(text)'") }
            spec.kind = kind
        }
        if spec.kind == .file { spec.flags.insert(.shared) }
        if let o = m["offset"] {
            guard spec.kind == .file else { throw r.fail(o, "\(path).offset", "only file mappings have a file offset") }
            let off = try r.bytes(o, "\(path).offset")
            guard off & 0xfff == 0 else { throw r.fail(o, "\(path).offset", "the file offset must be a multiple of 4 KiB") }
            spec.fileOffset = off
        }
        if let p = m["policy"] { spec.policy = try parsePolicy(p, "\(path).policy", r, t) }
        if let h = m["hugetlb"] { try hugetlbMmap(h, "\(path).hugetlb", r, &spec) }
        if let a = m["advise"] {
            let text = try r.scalar(a, "\(path).advise", "hugepage or nohugepage")
            guard let advice = MadviseSpec.Advice(rawValue: text), advice != .dontneed else {
                throw r.fail(a, "\(path).advise", "expected hugepage or nohugepage, got '\(text)'")
            }
            guard spec.kind == .anon, !spec.hugetlb else {
                throw r.fail(a, "\(path).advise", "THP advice applies to anonymous mappings (not file or hugetlb ones)")
            }
            spec.advise = advice
        }
        return spec
    }

    /// Hex (0x…) or decimal.
    static func parseAddress(_ text: String) -> UInt64? {
        let s = text.replacingOccurrences(of: "_", with: "")
        if s.lowercased().hasPrefix("0x") { return UInt64(s.dropFirst(2), radix: 16) }
        return UInt64(s)
    }

    static func range(_ m: [String: Yams.Node], _ n: Yams.Node, _ path: String, _ r: YAMLReader) throws -> RangeRef {
        guard let v = m["vma"] else { throw r.fail(n, "\(path).vma", "missing; expected the name of a mapping") }
        var ref = RangeRef(vma: try r.scalar(v, "\(path).vma", "a mapping name"))
        if let o = m["offset"] {
            ref.offset = try r.bytes(o, "\(path).offset")
            guard ref.offset & 0xfff == 0 else { throw r.fail(o, "\(path).offset", "expected a multiple of 4 KiB") }
        }
        if let l = m["length"] {
            let len = try r.bytes(l, "\(path).length")
            guard len > 0, len & 0xfff == 0 else { throw r.fail(l, "\(path).length", "expected a positive multiple of 4 KiB") }
            ref.length = len
        }
        return ref
    }

    static let stepKinds = ["mmap", "munmap", "mbind", "set_mempolicy", "touch", "migrate", "migrate_pages", "madvise"]

    static func step(_ n: Yams.Node, _ path: String, _ r: YAMLReader, _ t: Topology) throws -> ProcessStep {
        let outer = try r.mapping(n, path, allowed: Set(stepKinds))
        guard outer.count == 1, let (kind, body) = outer.first else {
            throw r.fail(n, path, "expected exactly one of \(stepKinds.joined(separator: ", ")) per step")
        }
        let sp = "\(path).\(kind)"
        switch kind {
        case "mmap":
            return .mmap(try mmap(body, sp, r, t))
        case "set_mempolicy":
            return .setMempolicy(try parsePolicy(body, sp, r, t))
        case "munmap":
            let m = try r.mapping(body, sp, allowed: ["vma", "offset", "length"])
            return .munmap(try range(m, body, sp, r))
        case "madvise":
            return .madvise(try madvise(body, sp, r))
        case "mbind":
            let m = try r.mapping(body, sp, allowed: ["vma", "offset", "length", "policy", "move"])
            guard let p = m["policy"] else { throw r.fail(body, "\(sp).policy", "missing; expected a policy (default resets to the task policy)") }
            let policy = try parsePolicy(p, "\(sp).policy", r, t)
            let move = try m["move"].map { try r.bool($0, "\(sp).move") } ?? false
            return .mbind(try range(m, body, sp, r), policy.mode == .default ? nil : policy, move: move)
        case "migrate_pages":
            let m = try r.mapping(body, sp, allowed: ["from", "to"])
            func nodes(_ key: String) throws -> [Int] {
                guard let n = m[key] else { throw r.fail(body, "\(sp).\(key)", "missing; expected a node list such as 0 or 0-1") }
                let text = try r.scalar(n, "\(sp).\(key)", "a node list")
                guard let list = try? CPUList.parse(text).members, !list.isEmpty else {
                    throw r.fail(n, "\(sp).\(key)", "expected a node list such as 0, 0-1 or 0,2, got '\(text)'")
                }
                for id in list where !t.nodes.contains(where: { $0.id == id && !$0.memory.isEmpty }) {
                    throw r.fail(n, "\(sp).\(key)", "node \(id) is not a node with memory in the topology")
                }
                return list
            }
            return .migratePages(from: try nodes("from"), to: try nodes("to"))
        case "migrate":
            let m = try r.mapping(body, sp, allowed: ["vma", "offset", "length", "to"])
            guard let to = m["to"] else { throw r.fail(body, "\(sp).to", "missing; expected the target node") }
            let node = try r.int(to, "\(sp).to")
            guard t.nodes.contains(where: { $0.id == node && !$0.memory.isEmpty }) else {
                throw r.fail(to, "\(sp).to", "node \(node) is not a node with memory in the topology")
            }
            return .migrate(try range(m, body, sp, r), node: node)
        default:  // touch
            return .touch(try touch(body, sp, r))
        }
    }
}

extension Workload {
    static let touchKeys: Set<String> = ["vma", "offset", "length", "write", "stride", "order", "passes", "pattern", "hot",
                                         "hot_share", "zipf", "ops", "duration", "think"]

    /// A `touch` step: passes over every page (`order`, `passes`), or a stream of accesses
    /// (`pattern: uniform|hot|zipf` with `ops` and/or `duration`), with `think` CPU time per access.
    static func touch(_ body: Yams.Node, _ sp: String, _ r: YAMLReader) throws -> TouchSpec {
            let m = try r.mapping(body, sp, allowed: touchKeys)
            var spec = TouchSpec(range: try range(m, body, sp, r))
            if let w = m["write"] { spec.write = try r.bool(w, "\(sp).write") }
            if let s = m["stride"] {
                spec.stride = try r.bytes(s, "\(sp).stride")
                guard spec.stride > 0 else { throw r.fail(s, "\(sp).stride", "expected a positive stride") }
            }
            if let o = m["order"] {
                let text = try r.scalar(o, "\(sp).order", "sequential or random")
                switch text {
                case "sequential": spec.random = false
                case "random": spec.random = true
                default: throw r.fail(o, "\(sp).order", "expected sequential or random, got '\(text)'")
                }
            }
            if let p = m["passes"] { spec.passes = try r.int(p, "\(sp).passes", range: 1...1_000_000) }
            if let t = m["think"] { spec.thinkNs = try nanoseconds(t, "\(sp).think", r, allowZero: true) }
            if let o = m["ops"] { spec.ops = try r.int(o, "\(sp).ops", range: 1...Int(Int32.max)) }
            if let d = m["duration"] { spec.durationNs = try nanoseconds(d, "\(sp).duration", r, allowZero: false) }
            guard let pn = m["pattern"] else {
                for k in ["hot", "hot_share", "zipf", "ops", "duration"] where m[k] != nil {
                    throw r.fail(m[k]!, "\(sp).\(k)", "only with pattern: uniform, hot or zipf (a touch without a pattern passes over every page)")
                }
                return spec
            }
            let pattern = try r.scalar(pn, "\(sp).pattern", "uniform, hot or zipf")
            for k in ["order", "passes", "stride"] where m[k] != nil {
                throw r.fail(m[k]!, "\(sp).\(k)", "not with pattern: (a pattern picks pages at random; give ops: or duration:)")
            }
            guard spec.ops != nil || spec.durationNs != nil else {
                throw r.fail(pn, "\(sp).ops", "missing; pattern: \(pattern) needs ops: (a number of accesses) or duration: (e.g. 2s of simulated time)")
            }
            switch pattern {
            case "uniform":
                spec.distribution = .uniform
            case "hot":
                guard let h = m["hot"] else { throw r.fail(pn, "\(sp).hot", "missing; expected the hot set's size (e.g. 64MiB) or share of the range (e.g. 10%)") }
                let hotText = try r.scalar(h, "\(sp).hot", "a size or a percentage")
                var share = 0.9
                if let sh = m["hot_share"] {
                    let t = try r.scalar(sh, "\(sp).hot_share", "a percentage")
                    guard let v = percent(t), v > 0, v <= 100 else { throw r.fail(sh, "\(sp).hot_share", "expected a percentage in (0, 100], e.g. 90%, got '\(t)'") }
                    share = v / 100
                }
                let size: TouchDistribution.HotSize = hotText.hasSuffix("%") ? .percent(try hotPercent(hotText, h, sp, r))
                    : .bytes(try r.bytes(h, "\(sp).hot"))
                if case .bytes(let b) = size, b < 4096 { throw r.fail(h, "\(sp).hot", "expected at least one page (4KiB), got '\(hotText)'") }
                spec.distribution = .hotSet(size: size, share: share)
            case "zipf":
                var s = 1.0
                if let z = m["zipf"] {
                    let t = try r.scalar(z, "\(sp).zipf", "an exponent")
                    guard let v = Double(t), v > 0, v <= 10 else { throw r.fail(z, "\(sp).zipf", "expected an exponent in (0, 10], e.g. 1.0, got '\(t)'") }
                    s = v
                }
                spec.distribution = .zipf(s: s)
            default:
                throw r.fail(pn, "\(sp).pattern", "expected uniform, hot or zipf, got '\(pattern)'")
            }
            if case .hotSet = spec.distribution {} else if m["hot"] != nil || m["hot_share"] != nil {
                throw r.fail(m["hot"] ?? m["hot_share"]!, "\(sp).hot", "only with pattern: hot")
            }
            if m["zipf"] != nil, case .zipf = spec.distribution {} else if let z = m["zipf"] {
                throw r.fail(z, "\(sp).zipf", "only with pattern: zipf")
            }
            return spec
    }

    /// `10us`, `2ms`, `1.5s` (or bare seconds) → nanoseconds.
    static func nanoseconds(_ n: Yams.Node, _ path: String, _ r: YAMLReader, allowZero: Bool) throws -> Int {
        let text = try r.scalar(n, path, "a duration")
        guard let secs = parseDuration(text), secs.isFinite, secs >= 0, allowZero || secs > 0, secs <= 86_400 else {
            throw r.fail(n, path, "expected a duration such as 10us, 5ms or 2s (at most a day\(allowZero ? "" : ", above 0")), got '\(text)'")
        }
        return Int((secs * 1e9).rounded())
    }

    /// `90%` or `90` → 90.
    static func percent(_ text: String) -> Double? {
        let t = text.hasSuffix("%") ? String(text.dropLast()) : text
        return Double(t.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
    }

    static func hotPercent(_ text: String, _ n: Yams.Node, _ sp: String, _ r: YAMLReader) throws -> Double {
        guard let v = percent(text), v > 0, v <= 100 else { throw r.fail(n, "\(sp).hot", "expected a percentage in (0, 100], e.g. 10%, got '\(text)'") }
        return v
    }
}
