import ArgumentParser
import Foundation
import NumaCore
import NumaTopology

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the allocator model's own speed (use a release build).",
        discussion: """
            Times the deterministic allocator with statistics on (zone_statistics, pgalloc, pgfree), \
            on the first CPU of the topology and its node:
              order-0 alloc+free via pcp, and in bursts of 512 (pcp refill/drain in batches)
              order-1, -2, -3 alloc+free (the pcp holds orders up to PAGE_ALLOC_COSTLY_ORDER), per pair
                and per operation; and in bursts of 64 with allocation and free timed apart
              fallback: the local node's zones below their low watermark (filled before timing),
                so every allocation walks the zonelist to the next node
              interleave: MPOL_INTERLEAVE over every node with memory, order 0 (task policy)
              scaling: alloc+free pairs on 1 host thread, then 2 host threads each owning one CPU
                of a different node (only that CPU's pageset is touched by its thread)
              boot: the boot numbers and the allocator over them (mem_map, free lists, pagesets),
                in milliseconds and in host memory; e.g. --only boot -t big.yaml for a machine from
                `numasim topology generate`
            Each case runs --pairs pairs after a warm-up and reports the best of --runs runs. \
            Figures and the machine they were taken on: docs/benchmarks.md.
            """
    )

    @Option(name: [.customShort("t"), .long], help: "Topology file.")
    var topology = "topologies/nehalem-2s.yaml"

    @Option(help: "Pairs per run.")
    var pairs = 5_000_000

    @Option(help: "Runs per case (the best is reported).")
    var runs = 3

    @Option(help: ArgumentHelp("Run only the cases whose name contains TEXT (repeatable).", valueName: "TEXT"))
    var only: [String] = []

    @Flag(help: "Print JSON (schema numasim.bench/2).")
    var json = false

    func validate() throws {
        if pairs < 1 { throw ValidationError("--pairs: expected 1 or more, got \(pairs)") }
        if runs < 1 { throw ValidationError("--runs: expected 1 or more, got \(runs)") }
    }

    func wanted(_ name: String) -> Bool { only.isEmpty || only.contains { name.contains($0) } }

    func run() throws {
        let t = try TopologyFile.load(path: topology)
        let m = try InputError.labelling(file: topology) { () throws -> BootedMachine in
            let m = try BootedMachine(topology: t)
            try PageAllocator.checkLimits(m)
            return m
        }
        guard let cpu = t.allCPUs.first, let node = m.node(ofCPU: cpu) else { throw ValidationError("the topology has no CPU") }
        var results: [BenchResult] = []
        // The pair and burst cases as first recorded in docs/benchmarks.md; their loop is the
        // reference the speed work compares against, so it stays as it is.
        for (name, order, burst) in [("order-0 alloc+free via pcp", 0, 1), ("order-0, bursts of 512", 0, 512),
                                     ("order-1 alloc+free", 1, 1), ("order-2 alloc+free", 2, 1),
                                     ("order-3 alloc+free", 3, 1)] where wanted(name) {
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
            results.append(BenchResult(name: name, nsPerPair: best, nsPerOp: best / 2))
        }
        for order in 1...3 where wanted("order-\(order) alloc, then free") {
            results.append(try splitBurst(m, order: order, burst: 64, node: node, cpu: cpu))
        }
        if wanted("fallback") { results.append(try fallback(m, node: node, cpu: cpu)) }
        if wanted("interleave") { results.append(try interleave(m, cpu: cpu)) }
        if wanted("scaling") { results += try scaling(m) }
        if wanted("boot") { results.append(try bootCase(t)) }

        if json {
            try printJSON(BenchJSON(schema: "numasim.bench/2", topology: t.name, cpu: cpu, node: node, pairs: pairs,
                                    runs: runs, cases: results))
        } else {
            let width = results.map(\.name.count).max() ?? 0
            for r in results { print(r.line(width: width)) }
        }
    }

    /// Times `body` (which does `count` operations on a fresh allocator prepared by `setUp`)
    /// over --runs runs; the best ns per operation.
    func best(_ m: BootedMachine, count: Int, setUp: (PageAllocator) throws -> Void = { _ in },
              _ body: (PageAllocator) throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let a = PageAllocator(machine: m)
            try setUp(a)
            let clock = ContinuousClock()
            let start = clock.now
            try body(a)
            best = min(best, Self.nanoseconds(clock.now - start) / Double(count))
        }
        return best
    }

    static func nanoseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
    }

    /// Allocation and free timed apart: `burst` allocations, then their frees, repeated.
    func splitBurst(_ m: BootedMachine, order: Int, burst: Int, node: Int, cpu: Int) throws -> BenchResult {
        let rounds = max(1, pairs / burst)
        var bestAlloc = Double.infinity, bestFree = Double.infinity
        for _ in 0..<runs {
            let a = PageAllocator(machine: m)
            var held: [AllocatedBlock] = []
            held.reserveCapacity(burst)
            var allocTime = Duration.zero, freeTime = Duration.zero
            let clock = ContinuousClock()
            for _ in 0..<rounds {
                let t0 = clock.now
                for _ in 0..<burst {
                    guard case .success(let b) = a.allocPages(gfp: .kernel, order: order, preferredNode: node, cpu: cpu) else {
                        throw ValidationError("order-\(order) allocation failed during the benchmark")
                    }
                    held.append(b)
                }
                let t1 = clock.now
                for b in held { a.freePages(b, cpu: cpu) }
                freeTime += clock.now - t1
                allocTime += t1 - t0
                held.removeAll(keepingCapacity: true)
            }
            bestAlloc = min(bestAlloc, Self.nanoseconds(allocTime) / Double(rounds * burst))
            bestFree = min(bestFree, Self.nanoseconds(freeTime) / Double(rounds * burst))
        }
        return BenchResult(name: "order-\(order) alloc, then free, bursts of \(burst)", nsPerAlloc: bestAlloc, nsPerFree: bestFree)
    }

    /// Takes pages on `node` until an allocation preferring it comes from elsewhere: then every
    /// zone of the node fails its low-watermark check for order 0.
    static func fillBelowLow(_ a: PageAllocator, node: Int, cpu: Int) throws {
        // Pageblock-sized blocks first (few calls), then single pages for the last stretch.
        for order in [a.machine.topology.arch.pageblockOrder, 0] {
            while true {
                guard case .success(let b) = a.allocPages(gfp: .kernel, order: order, preferredNode: node, cpu: cpu) else {
                    throw ValidationError("fallback case: an allocation failed while filling node \(node)")
                }
                if b.node != node { a.freePages(b, cpu: cpu); break }
            }
        }
    }

    func fallback(_ m: BootedMachine, node: Int, cpu: Int) throws -> BenchResult {
        guard m.nodeIDs.filter(m.hasMemory).count > 1 else {
            return BenchResult(name: "fallback", note: "skipped: needs a second node with memory")
        }
        var servedBy = node
        let ns = try best(m, count: pairs, setUp: { a in
            try Self.fillBelowLow(a, node: node, cpu: cpu)
            guard case .success(let probe) = a.allocPages(gfp: .kernel, order: 0, preferredNode: node, cpu: cpu) else {
                throw ValidationError("fallback case: the probe allocation failed")
            }
            servedBy = probe.node
            a.freePages(probe, cpu: cpu)
            guard probe.node != node else { throw ValidationError("fallback case: node \(node) still serves its own allocations") }
        }) { a in
            for _ in 0..<pairs {
                guard case .success(let b) = a.allocPages(gfp: .kernel, order: 0, preferredNode: node, cpu: cpu) else {
                    throw ValidationError("allocation failed during the benchmark")
                }
                a.freePages(b, cpu: cpu)
            }
        }
        return BenchResult(name: "fallback: node \(node) below low, served by node \(servedBy), order-0 alloc+free",
                           nsPerPair: ns, nsPerOp: ns / 2)
    }

    func interleave(_ m: BootedMachine, cpu: Int) throws -> BenchResult {
        let nodes = m.nodeIDs.filter(m.hasMemory)
        let policy = MemPolicy(.interleave, nodes: nodes)
        var spread: [Int: Int] = [:]
        let ns = try best(m, count: pairs) { a in
            var state = InterleaveState(maxNumNodes: m.topology.kernel.maxNumNodes)
            for _ in 0..<pairs {
                guard case .success(let b) = a.allocPages(gfp: .highUserMovable, order: 0, policy: policy, cpu: cpu, state: &state) else {
                    throw ValidationError("allocation failed during the benchmark")
                }
                a.freePages(b, cpu: cpu)
            }
            // interleave_hit per node: each node got its turn (checked outside the timed loop).
            for id in nodes { spread[id] = a.numastat(node: id).interleaveHit }
        }
        let counts = nodes.map { spread[$0] ?? 0 }
        guard let lo = counts.min(), let hi = counts.max(), hi - lo <= 1 else {
            throw ValidationError("interleave case: pages were not spread evenly over nodes \(nodes): interleave_hit \(counts)")
        }
        return BenchResult(name: "interleave over nodes \(CPUList(nodes).description), order-0 alloc+free", nsPerPair: ns, nsPerOp: ns / 2)
    }

    /// Pairs/s with one host thread, then two, each thread owning one CPU on its own node.
    func scaling(_ m: BootedMachine) throws -> [BenchResult] {
        var owners: [(cpu: Int, node: Int)] = []
        for id in m.nodeIDs where m.hasMemory(id) {
            if let c = m.cpus(ofNode: id).members.first { owners.append((c, id)) }
            if owners.count == 2 { break }
        }
        guard owners.count == 2 else {
            return [BenchResult(name: "scaling", note: "skipped: needs two nodes with both CPUs and memory")]
        }
        let one = try threadedPairsPerSecond(m, owners: Array(owners.prefix(1)))
        let two = try threadedPairsPerSecond(m, owners: owners)
        return [
            BenchResult(name: "scaling: 1 thread (CPU \(owners[0].cpu), node \(owners[0].node)), order-0 alloc+free",
                        threads: 1, pairsPerSecond: one),
            BenchResult(name: "scaling: 2 threads (CPU \(owners[0].cpu) node \(owners[0].node), CPU \(owners[1].cpu) node \(owners[1].node)), order-0 alloc+free",
                        threads: 2, pairsPerSecond: two, speedup: two / one),
        ]
    }

    /// Each owner's thread does --pairs pairs on its CPU and node; the clock runs from the
    /// common start to the last thread's end. Best of --runs.
    func threadedPairsPerSecond(_ m: BootedMachine, owners: [(cpu: Int, node: Int)]) throws -> Double {
        var best = 0.0
        let pairs = self.pairs
        for _ in 0..<runs {
            let a = PageAllocator(machine: m)
            let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
            let failed = FailureFlag()
            for o in owners {
                let thread = Thread {
                    ready.signal()
                    go.wait()
                    for _ in 0..<pairs {
                        guard case .success(let b) = a.allocPages(gfp: .kernel, order: 0, preferredNode: o.node, cpu: o.cpu) else {
                            failed.set()
                            break
                        }
                        a.freePages(b, cpu: o.cpu)
                    }
                    done.signal()
                }
                thread.start()
            }
            for _ in owners { ready.wait() }
            let clock = ContinuousClock()
            let start = clock.now
            for _ in owners { go.signal() }
            for _ in owners { done.wait() }
            let seconds = Self.nanoseconds(clock.now - start) / 1e9
            if failed.isSet { throw ValidationError("scaling case: an allocation failed") }
            best = max(best, Double(pairs * owners.count) / seconds)
        }
        return best
    }
}

/// Set by any thread, read after they have all finished.
final class FailureFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// One case's figures; fields that do not apply are nil (and left out of the JSON).
struct BenchResult: Encodable {
    var name: String
    var nsPerPair: Double?
    var nsPerOp: Double?
    var nsPerAlloc: Double?
    var nsPerFree: Double?
    var threads: Int?
    var pairsPerSecond: Double?
    var speedup: Double?
    var bootMilliseconds: Double?
    var allocatorMilliseconds: Double?
    var residentBytes: Int?
    var residentBytesPerTouchedPage: Double?
    var note: String?

    enum CodingKeys: String, CodingKey {
        case name, nsPerPair = "ns_per_pair", nsPerOp = "ns_per_op", nsPerAlloc = "ns_per_alloc", nsPerFree = "ns_per_free"
        case threads, pairsPerSecond = "pairs_per_second", speedup, note
        case bootMilliseconds = "boot_ms", allocatorMilliseconds = "allocator_ms", residentBytes = "resident_bytes"
        case residentBytesPerTouchedPage = "resident_bytes_per_touched_page"
    }

    func line(width: Int) -> String {
        var figures: [String] = []
        if let v = nsPerPair { figures.append(String(format: "%8.1f ns per pair", v)) }
        if let v = nsPerOp { figures.append(String(format: "%8.1f ns per op", v)) }
        if let v = nsPerAlloc { figures.append(String(format: "%8.1f ns per alloc", v)) }
        if let v = nsPerFree { figures.append(String(format: "%8.1f ns per free", v)) }
        if let v = pairsPerSecond { figures.append(String(format: "%8.2f M pairs/s", v / 1e6)) }
        if let v = speedup { figures.append(String(format: "%.2f× one thread", v)) }
        if let v = bootMilliseconds { figures.append(String(format: "boot numbers %.1f ms", v)) }
        if let v = allocatorMilliseconds { figures.append(String(format: "allocator %.1f ms", v)) }
        if let v = residentBytes { figures.append(String(format: "+%.1f MiB resident", Double(v) / 1048576)) }
        if let v = residentBytesPerTouchedPage { figures.append(String(format: "%.2f bytes per touched page", v)) }
        if let note { figures.append(note) }
        return name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + figures.joined(separator: "  ")
    }
}

struct BenchJSON: Encodable {
    var schema: String
    var topology: String
    var cpu: Int
    var node: Int
    var pairs: Int
    var runs: Int
    var cases: [BenchResult]
}
