import Foundation
import NumaCore
import NumaTopology

/// The allocator model's own speed (`numasim bench`): a booted machine, the CPU and node the
/// single-threaded cases run on (the topology's first CPU and its node), and how long each case
/// runs — `pairs` operations per run, the best of `runs` runs. The cases are `BenchScenario`s.
///
/// Timed with statistics on (`zone_statistics`, pgalloc, pgfree), as the allocator always runs.
public struct Bench: Sendable {
    public var topology: Topology
    public var machine: BootedMachine
    public var cpu: Int
    public var node: Int
    /// Pairs (or operations) per run.
    public var pairs: Int
    /// Runs per case; the best is reported.
    public var runs: Int

    /// Boots `topology` and checks that the allocator can hold it. Throws `BootError`,
    /// `AllocatorLimitError` (name the file with `InputError.labelling(file:)`), or `BenchError`
    /// when no CPU can run the cases.
    public init(topology: Topology, pairs: Int, runs: Int) throws {
        let m = try BootedMachine(topology: topology)
        try PageAllocator.checkLimits(m)
        guard let cpu = topology.allCPUs.first, let node = m.node(ofCPU: cpu) else { throw BenchError("the topology has no CPU") }
        self.init(topology: topology, machine: m, cpu: cpu, node: node, pairs: pairs, runs: runs)
    }

    init(topology: Topology, machine: BootedMachine, cpu: Int, node: Int, pairs: Int, runs: Int) {
        self.topology = topology; self.machine = machine; self.cpu = cpu; self.node = node
        self.pairs = pairs; self.runs = runs
    }

    /// Runs `scenarios` in order; their results in that order (a case may give more than one).
    public func run(_ scenarios: [BenchScenario]) throws -> [BenchResult] {
        try scenarios.flatMap { try $0.run(self) }
    }

    /// The JSON document of `numasim bench --json` for `cases`.
    public func report(_ cases: [BenchResult]) -> BenchReport {
        BenchReport(schema: BenchReport.schemaID, topology: topology.name, cpu: cpu, node: node, pairs: pairs, runs: runs,
                    cases: cases)
    }

    /// Times `body` (which does `count` operations on a fresh allocator prepared by `setUp`)
    /// over `runs` runs; the best ns per operation.
    func best(count: Int, setUp: (PageAllocator) throws -> Void = { _ in },
              _ body: (PageAllocator) throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let a = PageAllocator(machine: machine)
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

    /// `burst` order-`order` allocations on `node` from `cpu` into `held`; the message names what
    /// failed.
    @inline(__always)
    static func allocate(_ a: PageAllocator, burst: Int, order: Int, node: Int, cpu: Int, into held: inout [AllocatedBlock],
                         failure: @autoclosure () -> String) throws {
        for _ in 0..<burst {
            guard case .success(let b) = a.allocPages(gfp: .kernel, order: order, preferredNode: node, cpu: cpu) else {
                throw BenchError(failure())
            }
            held.append(b)
        }
    }
}

/// A bench case that could not run (an allocation failed, the machine lacks what it needs).
public struct BenchError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
