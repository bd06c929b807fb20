import ArgumentParser
import Foundation
import NumaCore
import NumaTopology

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the allocator model's own speed (use a release build).",
        discussion: """
            Times pairs of allocate + free on the deterministic allocator with statistics on \
            (zone_statistics, pgalloc, pgfree): order 0 through the per-CPU lists, and orders 1–3. \
            Each case runs --pairs pairs after a warm-up and reports nanoseconds per pair, the best \
            of --runs runs. Figures and the machine they were taken on: docs/benchmarks.md.
            """
    )

    @Option(name: [.customShort("t"), .long], help: "Topology file.")
    var topology = "topologies/nehalem-2s.yaml"

    @Option(help: "Pairs per run.")
    var pairs = 5_000_000

    @Option(help: "Runs per case (the best is reported).")
    var runs = 3

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let t = try TopologyFile.load(path: topology)
        let m = try BootedMachine(topology: t, file: topology)
        guard let cpu = t.allCPUs.first, let node = m.node(ofCPU: cpu) else { throw ValidationError("the topology has no CPU") }
        var results: [(String, Double)] = []
        for (name, order, burst) in [("order-0 alloc+free via pcp", 0, 1), ("order-0, bursts of 512", 0, 512),
                                     ("order-1 alloc+free", 1, 1), ("order-3 alloc+free", 3, 1)] {
            var best = Double.infinity
            for _ in 0..<runs {
                let a = PageAllocator(machine: m)
                var held: [AllocatedBlock] = []
                held.reserveCapacity(burst)
                let rounds = max(1, pairs / burst)
                let clock = ContinuousClock()
                let start = clock.now
                for _ in 0..<rounds where burst == 1 {
                    // One pair at a time: no array between the allocation and the free.
                    guard case .success(let b) = a.allocPages(gfp: .kernel, order: order, preferredNode: node, cpu: cpu) else {
                        throw ValidationError("allocation failed during the benchmark")
                    }
                    a.freePages(b, cpu: cpu)
                }
                for _ in 0..<rounds where burst > 1 {
                    for _ in 0..<burst {
                        guard case .success(let b) = a.allocPages(gfp: .kernel, order: order, preferredNode: node, cpu: cpu) else {
                            throw ValidationError("allocation failed during the benchmark")
                        }
                        held.append(b)
                    }
                    for b in held { a.freePages(b, cpu: cpu) }
                    held.removeAll(keepingCapacity: true)
                }
                let elapsed = clock.now - start
                let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
                best = min(best, ns / Double(rounds * burst))
            }
            results.append((name, best))
        }
        if json {
            try printJSON(Dictionary(uniqueKeysWithValues: results.map { ($0.0, $0.1) }))
        } else {
            for (name, ns) in results { print(String(format: "%-32@ %8.1f ns per pair", name as NSString, ns)) }
        }
    }
}
