/// One case of `numasim bench`: a name (what `--only TEXT` matches, as a substring) and how it
/// runs on a `Bench`. A case gives one result, or several (scaling: one and two threads).
public struct BenchScenario: Sendable {
    public var name: String
    let body: @Sendable (Bench) throws -> [BenchResult]

    public init(name: String, _ body: @escaping @Sendable (Bench) throws -> [BenchResult]) {
        self.name = name
        self.body = body
    }

    public func run(_ bench: Bench) throws -> [BenchResult] { try body(bench) }

    /// Every case, in the order `numasim bench` runs and prints them:
    /// * order-0 alloc+free via the pcp, and in bursts of 512 (pcp refill/drain in batches);
    ///   order-1, -2, -3 alloc+free (the pcp holds orders up to PAGE_ALLOC_COSTLY_ORDER);
    /// * order-1, -2, -3 in bursts of 64 with allocation and free timed apart;
    /// * fallback: the local node's zones below their low watermark, so every allocation walks
    ///   the zonelist to the next node;
    /// * interleave: MPOL_INTERLEAVE over every node with memory;
    /// * scaling: pairs on one host thread, then on two, each owning a CPU of its own node;
    /// * boot: the boot numbers and the allocator over them, in time and host memory;
    /// * THP fault: order-9 alloc+free through the THP fault's allocation path and the LRU
    ///   (a note instead of figures on a machine with THP off).
    public static let all: [BenchScenario] =
        [("order-0 alloc+free via pcp", 0, 1), ("order-0, bursts of 512", 0, 512), ("order-1 alloc+free", 1, 1),
         ("order-2 alloc+free", 2, 1), ("order-3 alloc+free", 3, 1)].map { name, order, burst in
            BenchScenario(name: name) { [try $0.pairs(name: name, order: order, burst: burst)] }
        }
        + (1...3).map { order in
            BenchScenario(name: "order-\(order) alloc, then free") { [try $0.splitBurst(order: order, burst: 64)] }
        }
        + [
            BenchScenario(name: "fallback") { [try $0.fallback()] },
            BenchScenario(name: "interleave") { [try $0.interleave()] },
            BenchScenario(name: "scaling") { try $0.scaling() },
            BenchScenario(name: "boot") { [try $0.boot()] },
            BenchScenario(name: "THP fault") { [try $0.thpFault()] },
        ]

    /// The cases whose name contains one of `texts` (all of them when `texts` is empty).
    public static func matching(_ texts: [String]) -> [BenchScenario] {
        all.filter { s in texts.isEmpty || texts.contains { s.name.contains($0) } }
    }
}
