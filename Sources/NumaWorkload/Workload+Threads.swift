import Foundation
import NumaCore
import NumaTopology
import Yams

/// Reading thread groups (`threads:`): CPUs, memory policy, GFP mask, order distribution, how
/// much to allocate and how to free it, page kind, touches, limits in operations or time.
extension Workload {
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
        let m = try r.mapping(n, path, allowed: ["cpus", "policy", "gfp", "order", "allocate", "free", "live", "vma_start", "kind", "touch", "dirty", "ops", "duration", "hold", "file", "access", "cgroup", "oom_score_adj", "thp"])
        guard let cpusNode = m["cpus"] else { throw r.fail(n, "\(path).cpus", "missing; expected the simulated CPUs (cpulist)") }
        let cpus = try r.cpuList(cpusNode, "\(path).cpus", "a cpulist")
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
                // An empty map would leave pickOrder nothing to draw from (a total weight of 0).
                guard !dist.isEmpty else {
                    throw r.fail(o, "\(path).order", "expected an order (0...10) or a map of order: weight with at least one entry, such as {0: 9, 9: 1}; got an empty map")
                }
                orders = []
                for (k, v) in dist {
                    let order = try r.int(k, "\(path).order", range: 0...10)
                    let weight = try r.int(v, "\(path).order.\(order)", range: 1...1_000_000)
                    orders.append((order, weight))
                }
                orders.sort { $0.0 < $1.0 }
                // Weights are 1...1_000_000 each, so the total is above 0 and cannot overflow; kept
                // as a check so a later change of the weight range cannot bring back a division by 0.
                guard orders.reduce(0, { $0 + $1.1 }) > 0 else {
                    throw r.fail(o, "\(path).order", "expected weights whose total is above 0")
                }
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
            let text = try r.scalar(f, "\(path).free", "never, immediately, random, hold or at_exit")
            switch text {
            case "never": free = .never
            case "at_exit": free = .atExit
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
            default: throw r.fail(f, "\(path).free", "expected never, immediately, random, hold or at_exit, got '\(text)'")
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
        if let f = m["file"] {
            let name = try r.scalar(f, "\(path).file", "a file name")
            guard !name.isEmpty else { throw r.fail(f, "\(path).file", "expected a file name") }
            guard kind == .file else { throw r.fail(f, "\(path).file", "file: names page cache; this group is \(kind) (give kind: file)") }
            switch free {
            case .never, .atExit: break
            default: throw r.fail(m["free"]!, "\(path).free", "the pages of a file: group belong to the file and stay cached; expected never or at_exit")
            }
            if touches > 0 { throw r.fail(m["touch"]!, "\(path).touch", "a file: group reads its pages in order; read the file again in a later group instead of touch:") }
            if vmaStart != nil { throw r.fail(m["vma_start"]!, "\(path).vma_start", "a file: group's pages are indexed by the file, not by a VMA") }
            spec.file = name
        }
        spec.cgroup = try Workload.cgroupReference(m, path, cpus: cpus.members, r)
        spec.oomScoreAdj = try Workload.oomScoreAdj(m, path, r)
        spec.thp = try Workload.thpFault(m, path, spec, r)
        if let ac = m["access"] {
            let text = try r.scalar(ac, "\(path).access", "read or mmap")
            guard spec.file != nil else { throw r.fail(ac, "\(path).access", "access: goes with file: NAME") }
            guard let parsed = FileAccess(rawValue: text) else { throw r.fail(ac, "\(path).access", "expected read or mmap, got '\(text)'") }
            spec.access = parsed
        }
        return spec
    }

    /// `500ms`, `2s`, `1.5m`, `10us`, `100ns` (or a bare number of seconds) → seconds.
    public static func parseDuration(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in [("ns", 1e-9), ("us", 1e-6), ("ms", 0.001), ("s", 1.0), ("m", 60.0)] where t.hasSuffix(suffix) {
            return Double(t.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(t)
    }
}
