import NumaCore

/// The deterministic engine: runs a workload on the sequential `PageAllocator`, simulated
/// threads interleaved in a fixed order (one operation per thread per round, each thread's CPUs
/// taken in turn). Same topology, workload and seed → the same result, bit for bit.
public struct DeterministicStress {
    public struct Result: Sendable {
        public var allocator: PageAllocator
        public var allocations = 0
        public var frees = 0
        /// Failed allocations by GFP mask name and reason.
        public var failures: [String: Int] = [:]
        public var ops: Int { allocations + frees + failures.values.reduce(0, +) }
    }

    struct ThreadState {
        var spec: Workload.ThreadSpec
        var remaining: Int
        var live: [AllocatedBlock] = []
        var livePages = 0
        var cpuTurn = 0
        var interleave: InterleaveState
        var vmaOffset = 0
        var rng: SplitMix64
    }

    public static func run(machine: BootedMachine, workload: Workload, seed: UInt64,
                           progress: ((Int, Int) -> Void)? = nil) -> Result {
        var result = Result(allocator: PageAllocator(machine: machine))
        var threads = workload.threads.enumerated().map { i, spec in
            ThreadState(spec: spec, remaining: spec.allocatePages,
                        interleave: InterleaveState(maxNumNodes: machine.topology.kernel.maxNumNodes),
                        vmaOffset: spec.vmaStart ?? 0, rng: SplitMix64(seed: seed &+ UInt64(i) &* 0x9E37_79B9))
        }
        let total = threads.reduce(0) { $0 + $1.remaining }
        var done = 0
        var active = true
        while active {
            active = false
            for t in threads.indices where threads[t].remaining > 0 {
                active = true
                let before = threads[t].remaining
                step(&threads[t], &result)
                done += before - threads[t].remaining
            }
            progress?(done, total)
        }
        return result
    }

    static func step(_ t: inout ThreadState, _ r: inout Result) {
        let cpu = t.spec.cpus[t.cpuTurn % t.spec.cpus.count]
        t.cpuTurn += 1
        let order = pickOrder(t.spec.orders, &t.rng)
        t.remaining -= 1 << order
        let index: Int? = t.spec.vmaStart == nil ? nil : t.vmaOffset
        t.vmaOffset += 1 << order
        switch r.allocator.allocPages(gfp: t.spec.gfp, order: order, policy: t.spec.policy, cpu: cpu,
                                      state: &t.interleave, interleaveIndex: index) {
        case .failure(let f):
            r.failures["\(t.spec.gfp) order \(order): \(reason(f))", default: 0] += 1
        case .success(let b):
            r.allocations += 1
            switch t.spec.free {
            case .never: break
            case .immediately:
                r.allocator.freePages(b, cpu: cpu)
                r.frees += 1
            case .random(let limit):
                t.live.append(b)
                t.livePages += 1 << b.order
                while t.livePages > limit && !t.live.isEmpty {
                    let i = Int(t.rng.next() % UInt64(t.live.count))
                    let victim = t.live[i]
                    t.live[i] = t.live[t.live.count - 1]
                    t.live.removeLast()
                    t.livePages -= 1 << victim.order
                    r.allocator.freePages(victim, cpu: cpu)
                    r.frees += 1
                }
            }
        }
    }

    static func reason(_ f: AllocFailure) -> String {
        switch f {
        case .noMemory(_, _, let reason): return reason.description
        default: return f.description
        }
    }

    static func pickOrder(_ orders: [(order: Int, weight: Int)], _ rng: inout SplitMix64) -> Int {
        if orders.count == 1 { return orders[0].order }
        let total = orders.reduce(0) { $0 + $1.weight }
        var x = Int(rng.next() % UInt64(total))
        for o in orders {
            if x < o.weight { return o.order }
            x -= o.weight
        }
        return orders[orders.count - 1].order
    }
}

/// SplitMix64: a small, fast, seedable generator for reproducible runs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
